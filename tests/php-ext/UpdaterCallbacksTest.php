<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\Attributes\DataProvider;
use PHPUnit\Framework\TestCase;
use Tuf\Native\Exception\StateException;
use Tuf\Native\Hashes;
use Tuf\Native\TargetInfo;
use Tuf\Native\Updater;

/**
 * Updater::withCallbacks(): the native workflow with PHP doing the I/O,
 * against the python-tuf fixture repositories.
 */
final class UpdaterCallbacksTest extends TestCase
{
    use NativeAssertions;

    private function assertVerifies(?TargetInfo $info, string $data): void
    {
        $this->assertNotNull($info);
        Hashes::verifyString($data, $info->getLength(), $info->getHashes(), $info->getPath());
    }

    public function testDrupalFirstRefreshFetchesTheSpecSequence(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $this->assertSame(
            ['root' => 1, 'timestamp' => 1, 'snapshot' => 1, 'targets' => 1, 'timestampUnchanged' => false],
            $u->refresh(Fixtures::REF_TIME)
        );
        $this->assertSame(['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'], $repo->takeLog());
        foreach (['timestamp', 'snapshot', 'targets'] as $role) {
            // Stored byte for byte as served.
            $this->assertSame(Fixtures::metadata('drupal', '1', "$role.json"), $repo->stored[$role]);
        }
        $info = $u->getTargetInfo('drupal/pkg00/1.0.0.0');
        $this->assertVerifies($info, Fixtures::target('drupal', '1', 'drupal/pkg00/1.0.0.0'));
        $this->assertSame([$info->getRole() . '.json'], $repo->takeLog());
        $this->assertSame($info->getRole(), $u->getTargetInfo('drupal/pkg00/1.0.0.0')->getRole());
        $this->assertSame([], $repo->takeLog(), 'bin fetched twice');
        $this->assertNull($u->getTargetInfo('drupal/absent/1.0.0.0'));
    }

    public function testUnchangedTimestampFetchesNothingMore(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $u->getTargetInfo('p2/drupal/pkg03.json');
        $repo->takeLog();
        $u = $repo->updater();
        $this->assertTrue($u->refresh(Fixtures::REF_TIME)['timestampUnchanged']);
        $this->assertSame(['2.root.json', 'timestamp.json'], $repo->takeLog());
        $this->assertNotNull($u->getTargetInfo('p2/drupal/pkg03.json'));
        $this->assertSame([], $repo->takeLog(), 'stored bins are re-verified, not re-fetched');
    }

    public function testUpdatesAndRootRotation(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->serve('2');
        $r = $u->refresh(Fixtures::REF_TIME);
        $this->assertSame([2, 2], [$r['timestamp'], $r['snapshot']]);
        $this->assertVerifies($u->getTargetInfo('drupal/newpkg/1.0.0.0'), Fixtures::target('drupal', '2', 'drupal/newpkg/1.0.0.0'));
        $repo->serve('3');
        $r = $u->refresh(Fixtures::REF_TIME);
        $this->assertSame([2, 3], [$r['root'], $r['timestamp']]);
        $this->assertSame(Fixtures::metadata('drupal', '3', '2.root.json'), $repo->stored['root']);
    }

    public function testConsistentSnapshotFileNames(): void
    {
        $repo = new CallbackRepo('consistent', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $this->assertSame(['2.root.json', 'timestamp.json', '1.snapshot.json', '1.targets.json'], $repo->takeLog());
        $info = $u->getTargetInfo('files/one.txt');
        $this->assertSame('nested/role', $info->getRole());
        $this->assertSame(['1.nested%2Frole.json'], $repo->takeLog());
        $this->assertTrue($u->status()['consistentSnapshot']);
    }

    public function testKeyRotationForgetsTimestampAndSnapshot(): void
    {
        $repo = new CallbackRepo('rotation', '1');
        $u = $repo->updater();
        $r = $u->refresh(Fixtures::REF_TIME);
        $this->assertSame([5, 5], [$r['timestamp'], $r['snapshot']]);
        $repo->serve('2');
        $r = $u->refresh(Fixtures::REF_TIME);
        $this->assertSame([2, 1, 1], [$r['root'], $r['timestamp'], $r['snapshot']]);
        $this->assertSame(['timestamp', 'snapshot'], $repo->removed);
        $this->assertSame(1, $repo->storedVersion('timestamp'));
    }

    public function testRemoveCallbackFailureFailsTheRotation(): void
    {
        $repo = new CallbackRepo('rotation', '1');
        $repo->updater()->refresh(Fixtures::REF_TIME);
        $repo->serve('2');
        $cause = new \RuntimeException('read-only storage');
        $u = Updater::withCallbacks(
            fn (string $n, int $m) => $repo->fetch($n, $m),
            fn (string $r) => $repo->stored[$r] ?? null,
            function (string $r, string $b) use ($repo): void {
                $repo->stored[$r] = $b;
            },
            function (string $r) use ($cause): void {
                throw $cause;
            }
        );
        $e = $this->assertTufKind('IoException', fn () => $u->refresh(Fixtures::REF_TIME), '$remove threw RuntimeException while removing role "timestamp"');
        $this->assertSame($cause, $e->getPrevious());
        // Forgotten before the new root is saved: the old root stays.
        $this->assertSame(Fixtures::metadata('rotation', '1', '1.root.json'), $repo->stored['root']);
    }

    public function testKeyRotationRecoversEvenIfRemoveForgetsNothing(): void
    {
        // The stale timestamp and snapshot (signed by the old keys) no
        // longer verify: they are not used as the rollback baseline.
        $repo = new CallbackRepo('rotation', '1');
        $u = $repo->updater([], false);
        $u->refresh(Fixtures::REF_TIME);
        $repo->serve('2');
        $r = $u->refresh(Fixtures::REF_TIME);
        $this->assertSame([2, 1, 1], [$r['root'], $r['timestamp'], $r['snapshot']]);
    }

    /** @return iterable<string, array{string, string, string, int}> */
    public static function attacks(): iterable
    {
        // state, exception, role whose stored copy must stay the base, version it must keep
        yield 'timestamp rollback' => ['ts-rollback', 'RollbackException', 'timestamp', 2];
        yield 'timestamp wrong key' => ['ts-wrong-key', 'SignatureThresholdException', 'timestamp', 2];
        yield 'timestamp wrong type' => ['ts-wrong-type', 'FormatException', 'timestamp', 2];
        yield 'timestamp lists older snapshot' => ['ts-snapshot-version-rollback', 'RollbackException', 'timestamp', 2];
        yield 'snapshot hash mismatch' => ['snapshot-hash-mismatch', 'InvalidHashException', 'snapshot', 2];
        yield 'snapshot longer than listed' => ['snapshot-length-mismatch', 'DownloadSizeException', 'snapshot', 2];
        // Newer than listed: the repository changed (after one restart).
        yield 'snapshot version mismatch' => ['snapshot-version-mismatch', 'RepositoryChangedException', 'snapshot', 2];
        yield 'snapshot rolls back targets' => ['snapshot-rollback-targets', 'RollbackException', 'snapshot', 2];
        yield 'snapshot drops a role' => ['snapshot-role-removed', 'RollbackException', 'snapshot', 2];
        yield 'snapshot freeze' => ['snapshot-expired', 'ExpiredException', 'snapshot', 2];
        yield 'snapshot wrong key' => ['snapshot-wrong-key', 'SignatureThresholdException', 'snapshot', 2];
        yield 'targets version mismatch' => ['targets-version-mismatch', 'RepositoryChangedException', 'targets', 2];
        yield 'targets hash mismatch' => ['targets-hash-mismatch', 'InvalidHashException', 'targets', 2];
        yield 'targets freeze' => ['targets-expired', 'ExpiredException', 'targets', 2];
        yield 'targets wrong key' => ['targets-wrong-key', 'SignatureThresholdException', 'targets', 2];
        yield 'mix and match' => ['mix-and-match', 'RollbackException', 'targets', 2];
        // Timestamp 3 lists snapshot 3 at 10 GiB: refused before $fetch is
        // asked for it (testHugeListedLengthsAreNeverAskedFor).
        yield 'snapshot listed at 10 GiB' => ['ts-huge-snapshot-length', 'DownloadSizeException', 'snapshot', 2];
    }

    public function testHugeListedLengthsAreNeverAskedFor(): void
    {
        $repo = new CallbackRepo('attacks', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->serve('ts-huge-snapshot-length');
        $this->assertTufKind('DownloadSizeException', fn () => $u->refresh(Fixtures::REF_TIME), 'length of 10737418240 bytes, more than the limit of 2000000 bytes');
        $this->assertSame(['2.root.json', 'timestamp.json'], $repo->takeLog());
        $this->assertSame(3, $repo->storedVersion('timestamp'));
        $this->assertSame(Fixtures::metadata('attacks', '1', 'snapshot.json'), $repo->stored['snapshot']);

        $repo = new CallbackRepo('attacks', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->serve('snapshot-huge-role1-length');
        $u->refresh(Fixtures::REF_TIME);
        $repo->takeLog();
        $this->assertTufKind('DownloadSizeException', fn () => $u->getTargetInfo('r1/a.txt'), 'role1.json: trusted metadata lists a length of 10737418240 bytes, more than the limit of 5000000 bytes');
        $this->assertSame([], $repo->takeLog(), 'role1.json is never asked for');
        $this->assertArrayNotHasKey('role1', $repo->stored);
        $this->assertNotNull($u->getTargetInfo('file1.txt'));
    }

    /** @dataProvider attacks */
    #[DataProvider('attacks')]
    public function testAttacksAreRefusedAndStorageKeepsTheBase(string $state, string $exception, string $role, int $version): void
    {
        $repo = new CallbackRepo('attacks', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $this->assertNotNull($u->getTargetInfo('r1/a.txt'));
        $base = $repo->stored;
        $repo->serve($state);
        $this->assertTufKind($exception, fn () => $u->refresh(Fixtures::REF_TIME));
        $this->assertSame($base[$role], $repo->stored[$role], "$role replaced");
        $this->assertSame($version, $repo->storedVersion($role));
        $this->assertFalse($u->status()['refreshed'], 'nothing stays trusted in memory');
        $this->assertTufKind('StateException', fn () => $u->getTargetInfo('file1.txt'));
    }

    public function testAnExpiredTimestampIsNeverStored(): void
    {
        // Spec 5.4.4 before 5.4.5: the baseline stored stays the last
        // timestamp that was valid when received.
        $repo = new CallbackRepo('attacks', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->serve('ts-expired');
        $this->assertTufKind('ExpiredException', fn () => $u->refresh(Fixtures::REF_TIME));
        $this->assertSame(Fixtures::metadata('attacks', '1', 'timestamp.json'), $repo->stored['timestamp']);
        $this->assertSame(Fixtures::metadata('attacks', '1', 'snapshot.json'), $repo->stored['snapshot']);
        $repo->serve('snapshot-expired');
        $this->assertTufKind('ExpiredException', fn () => $u->refresh(Fixtures::REF_TIME), 'snapshot');
        $this->assertSame(3, $repo->storedVersion('timestamp'));
        $this->assertSame(Fixtures::metadata('attacks', '1', 'snapshot.json'), $repo->stored['snapshot']);
    }

    public function testDelegatedRoleAttacksFailTheLookup(): void
    {
        foreach (['role1-wrong-key' => 'SignatureThresholdException', 'role1-expired' => 'ExpiredException'] as $state => $exception) {
            $repo = new CallbackRepo('attacks', '1');
            $u = $repo->updater();
            $u->refresh(Fixtures::REF_TIME);
            $u->getTargetInfo('r1/a.txt');
            $repo->serve($state);
            $u->refresh(Fixtures::REF_TIME);
            $this->assertTufKind($exception, fn () => $u->getTargetInfo('r1/a.txt'), 'role1');
            $this->assertSame(Fixtures::metadata('attacks', '1', 'role1.json'), $repo->stored['role1']);
            $this->assertNotNull($u->getTargetInfo('file1.txt'));
        }
    }

    public function testLegitimateNextVersionIsAccepted(): void
    {
        $repo = new CallbackRepo('attacks', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->serve('next-version');
        $r = $u->refresh(Fixtures::REF_TIME);
        $this->assertSame([3, 3, 3], [$r['timestamp'], $r['snapshot'], $r['targets']]);
        $this->assertVerifies($u->getTargetInfo('file1.txt'), Fixtures::target('attacks', 'next-version', 'file1.txt'));
    }

    public function testFetchResultLongerThanMaxBytesIsADownloadSizeError(): void
    {
        $repo = new CallbackRepo('attacks', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->overrides['timestamp.json'] = str_pad(Fixtures::metadata('attacks', '1', 'timestamp.json'), 16_385);
        $this->assertTufKind('DownloadSizeException', fn () => $u->refresh(Fixtures::REF_TIME), '16384');
        $this->assertSame(2, $repo->storedVersion('timestamp'));
        // Under a higher cap, the same bytes (JSON with trailing blanks) pass.
        $u = $repo->updater(['timestampMaxLength' => 20_000]);
        $this->assertTrue($u->refresh(Fixtures::REF_TIME)['timestampUnchanged']);
    }

    public function testFetchReturningNullIsNotFound(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $repo->overrides['timestamp.json'] = null;
        $this->assertTufKind('NotFoundException', fn () => $u->refresh(Fixtures::REF_TIME), 'timestamp');
    }

    public function testFetchIsGivenTheByteLimits(): void
    {
        $limits = [];
        $u = Updater::withCallbacks(
            function (string $name, int $max) use (&$limits): ?string {
                $limits[$name] = $max;
                $path = Fixtures::state('consistent', '1') . "/metadata/$name";
                return is_file($path) ? file_get_contents($path) : null;
            },
            fn (string $role) => $role === 'root' ? Fixtures::metadata('consistent', '1', '1.root.json') : null,
            function (string $role, string $bytes): void {
            },
            fn (string $role) => null,
            ['rootMaxLength' => 100_000, 'timestampMaxLength' => 5_000]
        );
        $u->refresh(Fixtures::REF_TIME);
        $this->assertSame(100_000, $limits['2.root.json']);
        $this->assertSame(5_000, $limits['timestamp.json']);
        // Listed by timestamp: the exact length.
        $this->assertSame(strlen(Fixtures::metadata('consistent', '1', '1.snapshot.json')), $limits['1.snapshot.json']);
    }

    /**
     * An attacks/1 client with $options; every fetch records the byte limit
     * it was given in $asked, every store goes to $stored.
     */
    private static function limitedClient(array $options, array &$asked, array &$stored): Updater
    {
        $stored = ['root' => Fixtures::metadata('attacks', '1', '1.root.json')];
        [$load, $save, $delete] = MemoryStore::callbacks($stored);
        return Updater::withCallbacks(
            function (string $name, int $max) use (&$asked): ?string {
                $asked[$name] = $max;
                $path = Fixtures::state('attacks', '1') . "/metadata/$name";
                return is_file($path) ? file_get_contents($path) : null;
            },
            $load,
            $save,
            $delete,
            $options
        );
    }

    public function testFetchIsAskedForTheListedLengthCappedByOurLimits(): void
    {
        // attacks/1: timestamp lists snapshot.json's length, snapshot lists
        // targets.json's and role1.json's.
        $snapshot = strlen(Fixtures::metadata('attacks', '1', 'snapshot.json'));
        $targets = strlen(Fixtures::metadata('attacks', '1', 'targets.json'));
        $role1 = strlen(Fixtures::metadata('attacks', '1', 'role1.json'));
        $asked = [];
        $stored = [];

        // Our limits above what is listed: PHP is asked for the listed length.
        $u = self::limitedClient(['snapshotMaxLength' => $snapshot + 1, 'targetsMaxLength' => $targets + 1], $asked, $stored);
        $u->refresh(Fixtures::REF_TIME);
        $this->assertNotNull($u->getTargetInfo('r1/a.txt'));
        $this->assertSame($snapshot, $asked['snapshot.json']);
        $this->assertSame($targets, $asked['targets.json']);
        $this->assertSame($role1, $asked['role1.json']);

        // A listed length above our limit: refused naming both numbers,
        // before PHP is asked for a byte of it.
        $asked = [];
        $u = self::limitedClient(['snapshotMaxLength' => $snapshot - 1], $asked, $stored);
        $this->assertTufKind('DownloadSizeException', fn () => $u->refresh(Fixtures::REF_TIME), "length of $snapshot bytes, more than the limit of " . ($snapshot - 1) . ' bytes');
        $this->assertArrayNotHasKey('snapshot.json', $asked);
        $this->assertSame(['root', 'timestamp'], array_keys($stored));
        $this->assertSame(Fixtures::metadata('attacks', '1', 'timestamp.json'), $stored['timestamp']);

        $asked = [];
        $u = self::limitedClient(['targetsMaxLength' => $targets - 1], $asked, $stored);
        $this->assertTufKind('DownloadSizeException', fn () => $u->refresh(Fixtures::REF_TIME), "length of $targets bytes, more than the limit of " . ($targets - 1) . ' bytes');
        $this->assertArrayNotHasKey('targets.json', $asked);
        $this->assertSame(['root', 'timestamp', 'snapshot'], array_keys($stored));
    }

    public function testLimitsFromOptions(): void
    {
        $repo = new CallbackRepo('rotation', '3');
        $u = $repo->updater(['maxRootRotations' => 1]);
        $this->assertSame(2, $u->refresh(Fixtures::REF_TIME)['root']);

        $repo = new CallbackRepo('delegations', '1');
        $u = $repo->updater(['maxRolesVisited' => 2]);
        $u->refresh(Fixtures::REF_TIME);
        $this->assertSame('a', $u->getTargetInfo('a/one.txt')->getRole());
        $this->assertTufKind('DenialOfServiceException', fn () => $u->getTargetInfo('a/sub/file.txt'));
    }

    /** @return iterable<string, array{string}> */
    public static function throwingCallbacks(): iterable
    {
        yield 'fetch' => ['fetch'];
        yield 'load' => ['load'];
        yield 'store' => ['store'];
    }

    /** @dataProvider throwingCallbacks */
    #[DataProvider('throwingCallbacks')]
    public function testCallbackExceptionBecomesThePrevious(string $which): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $cause = new \DomainException("$which failed");
        $calls = 0;
        $callbacks = [
            'fetch' => fn (string $n, int $m) => $repo->fetch($n, $m),
            'load' => fn (string $r) => $repo->stored[$r] ?? null,
            'store' => function (string $r, string $b) use ($repo): void {
                $repo->stored[$r] = $b;
            },
        ];
        $inner = $callbacks[$which];
        $callbacks[$which] = function (...$args) use ($inner, $cause, $which, &$calls) {
            // Let the trusted root load; fail on the first call after it.
            if ($which === 'load' && $args[0] === 'root') {
                return $inner(...$args);
            }
            $calls++;
            throw $cause;
        };
        $u = Updater::withCallbacks($callbacks['fetch'], $callbacks['load'], $callbacks['store'], fn () => null);
        $e = $this->assertTufKind('IoException', fn () => $u->refresh(Fixtures::REF_TIME), "\$$which threw DomainException");
        $this->assertSame($cause, $e->getPrevious());
        $this->assertSame(1, $calls, 'no callback runs after one threw');
        $this->assertFalse($u->status()['refreshed']);
    }

    public function testCallbackReturningAWrongTypeIsATypeError(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        foreach ([42, ['x'], new \stdClass(), 1.5, true] as $bad) {
            $u = Updater::withCallbacks(fn () => $bad, fn (string $r) => $repo->stored[$r] ?? null, fn () => null, fn () => null);
            $e = $this->assertTufKind('IoException', fn () => $u->refresh(Fixtures::REF_TIME));
            $this->assertInstanceOf(\TypeError::class, $e->getPrevious());
            $this->assertStringContainsString('$fetch must return ?string', $e->getPrevious()->getMessage());
        }
        $u = Updater::withCallbacks(fn () => null, fn () => 7, fn () => null, fn () => null);
        $e = $this->assertTufKind('IoException', fn () => $u->refresh(Fixtures::REF_TIME));
        $this->assertStringContainsString('$load must return ?string, int returned', $e->getPrevious()->getMessage());
    }

    public function testMissingOrInvalidStoredRootFailsClosed(): void
    {
        $fetched = false;
        $fetch = function () use (&$fetched) {
            $fetched = true;
            return null;
        };
        $u = Updater::withCallbacks($fetch, fn () => null, fn () => null, fn () => null);
        $this->assertTufKind('StateException', fn () => $u->refresh(Fixtures::REF_TIME), 'no trusted root');
        $u = Updater::withCallbacks($fetch, fn () => "\0garbage", fn () => null, fn () => null);
        $this->assertTufKind('FormatException', fn () => $u->refresh(Fixtures::REF_TIME));
        $this->assertFalse($fetched, 'no request before the root is trusted');
    }

    public function testInitRootThroughCallbacks(): void
    {
        $stored = [];
        $u = Updater::withCallbacks(fn () => null, function (string $r) use (&$stored): ?string {
            return $stored[$r] ?? null;
        }, function (string $r, string $b) use (&$stored): void {
            $stored[$r] = $b;
        }, fn () => null);
        $this->assertTufKind('FormatException', fn () => $u->initRoot('{}'));
        $this->assertSame([], $stored);
        $root = Fixtures::metadata('drupal', '1', '1.root.json');
        $this->assertTrue($u->initRoot($root));
        $this->assertSame(['root' => $root], $stored);
        $this->assertFalse($u->initRoot(Fixtures::metadata('rotation', '1', '1.root.json')), 'a verifying root is never replaced');
        $this->assertSame(['root' => $root], $stored);
    }

    public function testCallbacksCannotReenterTheUpdater(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = null;
        $u = Updater::withCallbacks(
            function (string $n, int $m) use (&$u, $repo) {
                $u->status();
                return $repo->fetch($n, $m);
            },
            fn (string $r) => $repo->stored[$r] ?? null,
            fn () => null,
            fn () => null
        );
        $e = $this->assertTufKind('IoException', fn () => $u->refresh(Fixtures::REF_TIME));
        $this->assertInstanceOf(StateException::class, $e->getPrevious());
        $this->assertStringContainsString('busy', $e->getPrevious()->getMessage());

        $dir = TempDir::create('reconstruct');
        try {
            $v = null;
            $v = Updater::withCallbacks(
                function (string $n, int $m) use (&$v, $repo, $dir) {
                    $v->__construct('file:///nowhere/', $dir);
                    return $repo->fetch($n, $m);
                },
                fn (string $r) => $repo->stored[$r] ?? null,
                fn () => null,
                fn () => null
            );
            $e = $this->assertTufKind('IoException', fn () => $v->refresh(Fixtures::REF_TIME));
            $this->assertStringContainsString('already constructed', $e->getPrevious()->getMessage());
            $this->assertFalse($v->status()['refreshed']);
        } finally {
            TempDir::remove($dir);
        }
    }

    public function testStatusBeforeAndAfterRefresh(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $this->assertSame(['refreshed' => false, 'referenceTime' => null, 'consistentSnapshot' => null, 'roles' => []], $u->status());
        $u->refresh(Fixtures::REF_TIME);
        $status = $u->status();
        $this->assertTrue($status['refreshed']);
        $this->assertSame(Fixtures::REF_TIME, $status['referenceTime']);
        $this->assertFalse($status['consistentSnapshot']);
        $this->assertSame(['root', 'timestamp', 'snapshot', 'targets'], array_keys($status['roles']));
        $root = json_decode($repo->stored['root'], true)['signed'];
        foreach ($status['roles'] as $role => $s) {
            $this->assertSame(1, $s['version'], $role);
            $this->assertSame(4102444800, $s['expires'], $role);
            $this->assertSame($root['roles'][$role]['threshold'], $s['threshold'], $role);
            $this->assertEqualsCanonicalizing($root['roles'][$role]['keyids'], $s['keyids'], $role);
        }
    }

    public function testDownloadNeedsTheStandaloneUpdater(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $this->assertTufKind('StateException', fn () => $u->download('p2/drupal/pkg00.json', sys_get_temp_dir(), 'file:///nowhere/'), 'standalone');
    }

    public function testOptionErrors(): void
    {
        $cb = fn () => null;
        $this->assertThrows(\ValueError::class, fn () => Updater::withCallbacks($cb, $cb, $cb, $cb, ['nope' => 1]), 'unknown option "nope"');
        $this->assertThrows(\ValueError::class, fn () => Updater::withCallbacks($cb, $cb, $cb, $cb, ['deadline' => 5]), 'only to the standalone updater');
        $this->assertThrows(\ValueError::class, fn () => Updater::withCallbacks($cb, $cb, $cb, $cb, ['maxRolesVisited' => 0]), 'between 1 and');
        $this->assertThrows(\ValueError::class, fn () => Updater::withCallbacks($cb, $cb, $cb, $cb, [1]), 'keyed by option names');
        $this->assertThrows(\TypeError::class, fn () => Updater::withCallbacks($cb, $cb, $cb, $cb, ['rootMaxLength' => '5']), 'must be of type int, string given');
        $this->assertThrows(\TypeError::class, fn () => Updater::withCallbacks($cb, $cb, 'not a function', $cb));
        $this->assertThrows(\TypeError::class, fn () => Updater::withCallbacks($cb, $cb, $cb, null));
        $this->assertThrows(\ArgumentCountError::class, fn () => Updater::withCallbacks($cb, $cb, $cb));
        $this->assertThrows(\TypeError::class, fn () => Updater::withCallbacks($cb, $cb, $cb, $cb, 5));
        $this->assertThrows(\ValueError::class, fn () => Updater::withCallbacks($cb, $cb, $cb, $cb)->getTargetInfo("\xff"), 'must be valid UTF-8');
    }

    public function testCallablesOfEveryForm(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = Updater::withCallbacks([$repo, 'fetch'], \Closure::fromCallable(fn (string $r) => $repo->stored[$r] ?? null), 'Tuf\\Native\\Tests\\ignore_store', 'strlen');
        $this->assertSame(1, $u->refresh(Fixtures::REF_TIME)['targets']);
    }
}

function ignore_store(string $role, string $bytes): void
{
}
