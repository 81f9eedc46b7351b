<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use PHPUnit\Framework\Attributes\DataProvider;
use Tuf\Exception\Attack\FreezeAttackException;
use Tuf\Exception\Attack\RollbackAttackException;
use Tuf\Exception\Attack\SignatureThresholdException;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\OneRootPerRefresh;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * Root rotation, fast-forward recovery and the root download limit.
 */
final class RotationTest extends TestCase
{
    public function testKeyRotationAcceptsTheNewTimestampInTheSameRefresh(): void
    {
        $updater = $this->client('rotation');
        $updater->refresh();
        $this->assertSame(5, $this->storage->version('timestamp'));

        // Root 2 rotates the timestamp and snapshot keys; their versions
        // restart at 1. php-tuf refuses this refresh; the native core
        // forgets the old baseline (spec 5.3.11) and accepts it.
        $this->serve('rotation', '2');
        $this->storage->deleted = [];
        $updater->refresh(true);
        $this->assertSame(Fixtures::metadata('rotation', '2', '2.root.json'), $this->storage->files['root']);
        $this->assertSame(1, $this->storage->version('timestamp'));
        $this->assertSame(1, $this->storage->version('snapshot'));
        $this->assertContains('timestamp', $this->storage->deleted);
        $this->assertContains('snapshot', $this->storage->deleted);
        $updater->verify('hello.txt', self::stream(Fixtures::target('rotation', '2', 'hello.txt')));

        // 3.root.json is expired (intermediate roots may be); 4 is final.
        $this->serve('rotation', '3');
        $updater->refresh(true);
        $this->assertSame(['3.root.json', '4.root.json', '5.root.json', 'timestamp.json'], array_slice($this->loader->takeLog(), 0, 4));
        $this->assertSame(Fixtures::metadata('rotation', '3', '4.root.json'), $this->storage->files['root']);
    }

    public function testFreshClientWalksTheWholeRootChain(): void
    {
        $updater = $this->client('rotation', '3');
        $updater->refresh();
        $this->assertSame(4, $this->storage->version('root'));
        $this->assertSame(2, $this->storage->version('timestamp'));
    }

    public function testSnapshotKeyRotationAloneRecovers(): void
    {
        $updater = $this->client('rotation');
        $updater->refresh();
        $this->serve('rotation', 'snapshot-key-only');
        $updater->refresh(true);
        $this->assertSame([2, 6, 1], [$this->storage->version('root'), $this->storage->version('timestamp'), $this->storage->version('snapshot')]);
    }

    /**
     * @dataProvider badRotations
     */
    #[DataProvider('badRotations')]
    public function testBadRootRotationsKeepTheTrustedRoot(string $state, string $exception): void
    {
        $updater = $this->client('rotation');
        $updater->refresh();
        $this->serve('rotation', $state);
        $e = $this->assertThrows($exception, fn () => $updater->refresh(true));
        $this->assertStringContainsString('root', $e->getMessage());
        $this->assertSame(Fixtures::metadata('rotation', '1', '1.root.json'), $this->storage->files['root']);
        $this->assertSame(['2.root.json'], $this->loader->takeLog(), 'nothing requested after a failed root');
    }

    public static function badRotations(): array
    {
        return [
            'new root short of its own threshold' => ['bad-new-threshold', SignatureThresholdException::class],
            'new root short of the old threshold' => ['bad-old-threshold', SignatureThresholdException::class],
            'root version skipped' => ['wrong-version', RollbackAttackException::class],
        ];
    }

    public function testExpiredFinalRootIsStoredButRefused(): void
    {
        $updater = $this->client('rotation');
        $updater->refresh();
        $this->serve('rotation', 'final-expired');
        $this->assertThrows(FreezeAttackException::class, fn () => $updater->refresh(true));
        $this->assertSame(Fixtures::metadata('rotation', 'final-expired', '2.root.json'), $this->storage->files['root']);
        $this->assertSame(['2.root.json', '3.root.json'], $this->loader->takeLog());
    }

    public function testMaxRootDownloadsIsHonoured(): void
    {
        $updater = $this->client('rotation', '3', OneRootPerRefresh::class);
        $updater->refresh();
        $this->assertSame(2, $this->storage->version('root'), 'one root per refresh; the rest on the next');
        // Root 3 is expired: fine as an intermediate root, not as the last
        // one a refresh reaches.
        $this->assertThrows(FreezeAttackException::class, fn () => $this->restart(OneRootPerRefresh::class)->refresh());
        $this->assertSame(3, $this->storage->version('root'));
        $this->restart(OneRootPerRefresh::class)->refresh();
        $this->assertSame(4, $this->storage->version('root'));
    }
}
