<?php

// A canary of tests/run-phpunit/check: scripts/run-phpunit must fail on it.
trigger_error('a deprecation while loading', E_USER_DEPRECATED);
final class LoadDeprecationTest extends \PHPUnit\Framework\TestCase
{
    public function testNothingWrong(): void
    {
        $this->assertTrue(true);
    }
}
