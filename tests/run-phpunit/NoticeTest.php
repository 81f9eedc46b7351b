<?php

// A canary of tests/run-phpunit/check: scripts/run-phpunit must fail on it.
final class NoticeTest extends \PHPUnit\Framework\TestCase
{
    public function testNotice(): void
    {
        trigger_error('a notice', E_USER_NOTICE);
        $this->assertTrue(true);
    }
}
