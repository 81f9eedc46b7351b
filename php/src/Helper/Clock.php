<?php

declare(strict_types=1);

namespace Tuf\Helper;

/**
 * The source of "now" for expiry checks. Replace it (the updater's
 * protected $clock) to pin the time in tests.
 */
class Clock
{
    /**
     * The current time as a UNIX timestamp.
     */
    public function getCurrentTime(): int
    {
        return time();
    }
}
