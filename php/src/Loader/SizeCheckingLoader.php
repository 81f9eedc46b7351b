<?php

declare(strict_types=1);

namespace Tuf\Loader;

use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Utils;
use Psr\Http\Message\StreamInterface;
use Tuf\Exception\DownloadSizeException;

/**
 * Wraps another loader and refuses data above a size limit.
 */
class SizeCheckingLoader implements LoaderInterface
{
    public function __construct(private LoaderInterface $decorated)
    {
    }

    /**
     * {@inheritDoc}
     *
     * @param bool $exact
     *   When true, the data must be exactly $maxBytes long.
     */
    public function load(string $locator, int $maxBytes, bool $exact = false): PromiseInterface
    {
        return $this->decorated->load($locator, $maxBytes)->then(
            static function (StreamInterface $stream) use ($locator, $maxBytes, $exact): StreamInterface {
                $size = self::measure($stream, $maxBytes);
                // php-tuf's messages, which callers may match.
                if ($exact) {
                    if ($size !== $maxBytes) {
                        throw new DownloadSizeException("Expected $locator to be $maxBytes bytes.");
                    }
                } elseif ($size > $maxBytes) {
                    throw new DownloadSizeException("$locator exceeded $maxBytes bytes");
                }
                return $stream;
            }
        );
    }

    /**
     * The size of $stream, reading at most $maxBytes + 1 bytes of it.
     *
     * A stream that knows neither its size nor how to seek is replaced by a
     * buffered copy of what it delivered (up to $maxBytes + 1 bytes), so
     * that the caller can still read it.
     */
    private static function measure(StreamInterface &$stream, int $maxBytes): int
    {
        $size = $stream->getSize();
        if ($size !== null) {
            return $size;
        }
        if ($stream->isSeekable()) {
            $position = $stream->tell();
            $stream->seek(0, SEEK_END);
            $size = $stream->tell();
            $stream->seek($position);
            return $size;
        }
        $copy = Utils::streamFor(Utils::tryFopen('php://temp', 'w+'));
        $remaining = $maxBytes + 1;
        while ($remaining > 0 && !$stream->eof()) {
            $chunk = $stream->read(min($remaining, 65536));
            if ($chunk === '') {
                break;
            }
            $copy->write($chunk);
            $remaining -= strlen($chunk);
        }
        $stream = $copy;
        $stream->rewind();
        return $maxBytes + 1 - $remaining;
    }
}
