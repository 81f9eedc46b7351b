<?php

// A canary of tests/run-phpunit/check: scripts/run-phpunit must fail on it.
final class InTestDeprecationTest extends \PHPUnit\Framework\TestCase
{
    public function testDeprecation(): void
    {
        trigger_error('a deprecation inside a test', E_USER_DEPRECATED);
        $this->assertTrue(true);
    }
}
