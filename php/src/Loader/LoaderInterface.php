<?php

declare(strict_types=1);

namespace Tuf\Loader;

use GuzzleHttp\Promise\PromiseInterface;

/**
 * Loads a piece of data (metadata or a target) as a stream.
 */
interface LoaderInterface
{
    /**
     * Starts loading the data named by $locator.
     *
     * @param string $locator
     *   What to load; its meaning (URL, relative path...) is up to the
     *   implementation. The updater passes file names relative to the
     *   repository's metadata (e.g. "2.root.json") or target paths.
     * @param int $maxBytes
     *   The most bytes the caller will accept. Implementations should stop
     *   reading beyond it when they can.
     *
     * @return PromiseInterface
     *   Fulfilled with a \Psr\Http\Message\StreamInterface; rejected with
     *   \Tuf\Exception\NotFoundException when the
     *   data does not exist.
     */
    public function load(string $locator, int $maxBytes): PromiseInterface;
}
