<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use GuzzleHttp\Promise\Create;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Utils;
use Tuf\Exception\DownloadSizeException;
use Tuf\Exception\NotFoundException;
use Tuf\Loader\LoaderInterface;

/**
 * A Guzzle-free HTTP loader, as an application would write one: PHP's http
 * stream wrapper, reading at most $maxBytes + 1 bytes of the body, 404 as
 * NotFoundException. Locators are appended to $baseUrl; $timeout is the
 * stream's read timeout in seconds (the benchmark's is longer).
 */
final class HttpLoader implements LoaderInterface
{
    /** @var string[] */
    public array $log = [];

    public function __construct(private string $baseUrl, private float $timeout = 10)
    {
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        $this->log[] = $locator;
        $url = $this->baseUrl . implode('/', array_map('rawurlencode', explode('/', $locator)));
        try {
            return Create::promiseFor(Utils::streamFor(self::get($url, $locator, $maxBytes, $this->timeout)));
        } catch (\Throwable $e) {
            return Create::rejectionFor($e);
        }
    }

    /**
     * The body of $url, refusing more than $maxBytes bytes.
     */
    public static function get(string $url, string $name, int $maxBytes, float $timeout = 10): string
    {
        $context = stream_context_create(['http' => ['ignore_errors' => true, 'timeout' => $timeout, 'follow_location' => 0]]);
        $handle = @fopen($url, 'rb', false, $context);
        if ($handle === false) {
            throw new \RuntimeException("Cannot connect for $url");
        }
        try {
            $headers = stream_get_meta_data($handle)['wrapper_data'] ?? [];
            $status = preg_match('#^HTTP/\S+ (\d{3})#', $headers[0] ?? '', $m) ? (int) $m[1] : 0;
            if ($status === 404) {
                throw new NotFoundException($name);
            }
            if ($status !== 200) {
                throw new \RuntimeException("$url: HTTP $status");
            }
            $body = stream_get_contents($handle, $maxBytes + 1);
            if ($body === false) {
                throw new \RuntimeException("Cannot read $url");
            }
            if (strlen($body) > $maxBytes) {
                throw new DownloadSizeException("$name is larger than $maxBytes bytes");
            }
            return $body;
        } finally {
            fclose($handle);
        }
    }
}
