<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use GuzzleHttp\Promise\PromiseInterface;
use Tuf\Loader\LoaderInterface;

/**
 * A DirLoader whose repository publishes at a chosen moment: just before
 * the $nth request for $locator, it serves $state from then on (what
 * packages.drupal.org does when it overwrites its files in place).
 */
final class PublishingLoader implements LoaderInterface
{
    private int $seen = 0;

    public function __construct(public DirLoader $inner, private ?string $locator = null, private int $nth = 1, private ?string $state = null)
    {
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        if ($locator === $this->locator && ++$this->seen === $this->nth) {
            $this->inner->state = $this->state;
            $this->locator = null;
        }
        return $this->inner->load($locator, $maxBytes);
    }
}
