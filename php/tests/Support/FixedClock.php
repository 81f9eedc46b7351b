<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use Tuf\Helper\Clock;

final class FixedClock extends Clock
{
    public function __construct(private int $time)
    {
    }

    public function getCurrentTime(): int
    {
        return $this->time;
    }
}
