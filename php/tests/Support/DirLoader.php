<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use GuzzleHttp\Promise\Create;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Utils;
use Tuf\Exception\NotFoundException;
use Tuf\Loader\LoaderInterface;

/**
 * Serves one fixture state: metadata file names from <state>/metadata,
 * target paths from <state>/targets. Records every locator asked for.
 */
final class DirLoader implements LoaderInterface
{
    /** @var string[] */
    public array $log = [];

    /** @var array<string, string> Served instead of the state's files. */
    public array $overrides = [];

    /**
     * @param bool $seekable
     *   Serve seekable file streams, or non-seekable streams of unknown size.
     */
    public function __construct(public string $state, private bool $seekable = true)
    {
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        $this->log[] = $locator;
        if (array_key_exists($locator, $this->overrides)) {
            return Create::promiseFor(Utils::streamFor($this->overrides[$locator]));
        }
        foreach (['metadata', 'targets'] as $dir) {
            $path = "$this->state/$dir/$locator";
            if (is_file($path) && !str_contains($locator, '..')) {
                if ($this->seekable) {
                    return Create::promiseFor(Utils::streamFor(Utils::tryFopen($path, 'r')));
                }
                return Create::promiseFor(new UnseekableStream(Fixtures::read($path)));
            }
        }
        return Create::rejectionFor(new NotFoundException($locator));
    }

    /**
     * Returns and clears the log.
     *
     * @return string[]
     */
    public function takeLog(): array
    {
        $log = $this->log;
        $this->log = [];
        return $log;
    }
}
