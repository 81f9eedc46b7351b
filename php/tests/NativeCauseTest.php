<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use GuzzleHttp\Psr7\Utils;
use Tuf\Client\NativeErrors;
use Tuf\Exception\Attack\InvalidHashException;
use Tuf\Exception\Attack\RollbackAttackException;
use Tuf\Native\Exception as Native;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * php-tuf's exceptions carry no native exception as getPrevious() (Symfony
 * Console, so Composer, prints each exception of the chain as its own
 * block: the message twice), and no local file path in front of their
 * message; the native exception stays reachable through NativeErrors.
 */
final class NativeCauseTest extends TestCase
{
    public function testRefreshFailureIsOneExceptionWithItsNativeCauseAside(): void
    {
        $updater = $this->client('attacks');
        $updater->refresh();
        $this->serve('attacks', 'ts-rollback');
        $e = $this->assertThrows(RollbackAttackException::class, fn () => $updater->refresh(true));
        $this->assertNull($e->getPrevious());
        $native = NativeErrors::causeOf($e);
        $this->assertInstanceOf(Native\RollbackException::class, $native);
        // php-tuf's message on the php-tuf exception; the native one keeps
        // the core's wording.
        $this->assertSame('Remote timestamp metadata version "1" is less than previously seen timestamp version "2"', $e->getMessage());
        $this->assertSame('timestamp version 1 is older than trusted version 2', $native->getMessage());
        $this->assertNull(NativeErrors::causeOf(new \RuntimeException('not from the extension')));
    }

    public function testTamperedFileOnDiskIsReportedByTargetNotByPath(): void
    {
        $updater = $this->client('attacks');
        $file = tempnam(sys_get_temp_dir(), 'tuf-shim-download-');
        try {
            file_put_contents($file, Fixtures::target('attacks', 'target-tampered', 'file1.txt'));
            $e = $this->assertThrows(InvalidHashException::class, fn () => $updater->verify('file1.txt', Utils::streamFor(fopen($file, 'r'))));
            $this->assertNull($e->getPrevious());
            // php-tuf's message, naming the target, not the local file.
            $this->assertSame('Invalid sha256 hash for file1.txt', $e->getMessage());
            $this->assertStringNotContainsString($file, $e->getMessage());
            $native = NativeErrors::causeOf($e);
            $this->assertInstanceOf(Native\InvalidHashException::class, $native);
            // The native message keeps the path, for whoever needs it.
            $this->assertStringStartsWith("$file: target \"file1.txt\"", $native->getMessage());
        } finally {
            unlink($file);
        }
    }
}
