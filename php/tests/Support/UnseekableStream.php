<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use GuzzleHttp\Psr7\NoSeekStream;
use GuzzleHttp\Psr7\StreamDecoratorTrait;
use GuzzleHttp\Psr7\Utils;
use Psr\Http\Message\StreamInterface;

/**
 * A stream that can neither seek nor tell its size, like a network body.
 */
final class UnseekableStream implements StreamInterface
{
    use StreamDecoratorTrait;

    /** @var StreamInterface */
    private $stream;

    public function __construct(string $data)
    {
        $this->stream = new NoSeekStream(Utils::streamFor($data));
    }

    public function getSize(): ?int
    {
        return null;
    }

    public function getMetadata($key = null)
    {
        return $key === null ? [] : null;
    }
}
