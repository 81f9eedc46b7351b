<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\Attributes\DataProvider;
use PHPUnit\Framework\TestCase;
use Tuf\Native\Exception\RollbackException;
use Tuf\Native\Exception\StateException;
use Tuf\Native\Hashes;
use Tuf\Native\TargetInfo;
use Tuf\Native\TrustedMetadata;

/**
 * Tuf\Native\TrustedMetadata driven by hand, the way PHP code that does
 * its own I/O uses it, against the python-tuf fixture repositories.
 */
final class TrustedMetadataTest extends TestCase
{
    use NativeAssertions;

    /**
     * Trusts 1.root.json of `$rootState`, then walks `$state` in spec order:
     * root chain, timestamp, snapshot, top-level targets.
     */
    public static function trustState(string $repo, string $state, string $rootState = '1'): TrustedMetadata
    {
        $tm = new TrustedMetadata(Fixtures::metadata($repo, $rootState, '1.root.json'), Fixtures::REF_TIME);
        $dir = Fixtures::state($repo, $state) . '/metadata';
        for ($n = 2; is_file("$dir/$n.root.json"); $n++) {
            $tm->updateRoot(Fixtures::read("$dir/$n.root.json"));
        }
        $tm->checkFinalRoot();
        $tm->updateTimestamp(Fixtures::read("$dir/timestamp.json"));
        $snapshot = json_decode(Fixtures::read("$dir/timestamp.json"), true)['signed']['meta']['snapshot.json']['version'];
        $consistent = $tm->consistentSnapshot();
        $tm->updateSnapshot(Fixtures::read($consistent ? "$dir/$snapshot.snapshot.json" : "$dir/snapshot.json"));
        $targets = $tm->snapshotMeta('targets')['version'];
        $tm->updateTargets(Fixtures::read($consistent ? "$dir/$targets.targets.json" : "$dir/targets.json"));
        return $tm;
    }

    /** A $loadRole serving `$state` (consistent-snapshot names from $versions), logging requests. */
    private static function fileLoader(string $repo, string $state, ?array &$log = null, array $versions = []): \Closure
    {
        $log = [];
        return function (string $role) use ($repo, $state, &$log, $versions): ?string {
            $log[] = $role;
            $name = rawurlencode($role) . '.json';
            if (isset($versions[$role])) {
                $name = $versions[$role] . '.' . $name;
            }
            $path = Fixtures::state($repo, $state) . "/metadata/$name";
            return is_file($path) ? Fixtures::read($path) : null;
        };
    }

    private function assertTargetVerifies(TargetInfo $info, string $data): void
    {
        Hashes::verifyString($data, $info->getLength(), $info->getHashes(), $info->getPath());
        $this->assertSame(strlen($data), $info->getLength());
    }

    public function testDrupalSequenceAndHashedBins(): void
    {
        $tm = self::trustState('drupal', '1');
        $this->assertSame(['root' => 1, 'timestamp' => 1, 'snapshot' => 1, 'targets' => 1], $tm->versions());
        $this->assertFalse($tm->consistentSnapshot());
        $this->assertSame(['version' => 1, 'length' => null, 'hashes' => null], $tm->snapshotMeta('targets'));

        $load = self::fileLoader('drupal', '1', $log);
        $bins = [];
        for ($i = 0; $i < 20; $i++) {
            $names = [sprintf('p2/drupal/pkg%02d.json', $i)];
            for ($v = 0; $v < 3; $v++) {
                $names[] = sprintf('drupal/pkg%02d/1.%d.0.0', $i, $v);
            }
            foreach ($names as $name) {
                $info = $tm->findTarget($name, $load);
                $this->assertInstanceOf(TargetInfo::class, $info, $name);
                $this->assertSame($name, $info->getPath());
                $this->assertMatchesRegularExpression('/^[0-9a-f]{3}-[0-9a-f]{3}$/', $info->getRole());
                $this->assertSame(['sha256', 'sha512'], array_keys($info->getHashes()));
                $this->assertNull($info->getCustomJson());
                $this->assertTargetVerifies($info, Fixtures::target('drupal', '1', $name));
                $bins[$info->getRole()] = true;
            }
        }
        $this->assertGreaterThan(1, count($bins));
        // Each bin was loaded once, and verified bins are reused.
        $this->assertSame(count($log), count(array_unique($log)));
        $this->assertSame(count($bins), count($log));
        $this->assertNull($tm->findTarget('drupal/absent/1.0.0.0', $load));
    }

    public function testConsistentSnapshotsListLengthsAndHashes(): void
    {
        $tm = self::trustState('consistent', '1');
        $this->assertTrue($tm->consistentSnapshot());
        $meta = $tm->snapshotMeta('targets');
        $this->assertSame(1, $meta['version']);
        $this->assertIsInt($meta['length']);
        $this->assertSame(['sha256'], array_keys($meta['hashes']));
        $nested = $tm->snapshotMeta('nested/role');
        $load = self::fileLoader('consistent', '1', $log, ['nested/role' => $nested['version']]);
        $info = $tm->findTarget('files/one.txt', $load);
        $this->assertSame('nested/role', $info->getRole());
        $this->assertSame(['nested/role'], $log);
        $sha256 = $info->getHashes()['sha256'];
        $this->assertTargetVerifies($info, Fixtures::target('consistent', '1', "files/$sha256.one.txt"));
        $top = $tm->findTarget('hello.txt', $load);
        $this->assertSame('targets', $top->getRole());
    }

    /** @return iterable<string, array{string}> */
    public static function keyTypeRepos(): iterable
    {
        foreach (['ecdsa', 'rsa', 'mixed', 'legacy-keyids', 'unknown-key'] as $repo) {
            yield $repo => [$repo];
        }
    }

    /** @dataProvider keyTypeRepos */
    #[DataProvider('keyTypeRepos')]
    public function testEveryKeyTypeVerifies(string $repo): void
    {
        $tm = self::trustState($repo, '1');
        $info = $tm->findTarget('hello.txt', self::fileLoader($repo, '1'));
        $this->assertTargetVerifies($info, Fixtures::target($repo, '1', 'hello.txt'));
    }

    public function testSuccinctBins(): void
    {
        $tm = self::trustState('succinct', '1');
        $load = self::fileLoader('succinct', '1');
        for ($i = 0; $i < 30; $i++) {
            $info = $tm->findTarget("pkgs/$i.txt", $load);
            $this->assertMatchesRegularExpression('/^bin-[0-9a-f]$/', $info->getRole());
            $this->assertTargetVerifies($info, Fixtures::target('succinct', '1', "pkgs/$i.txt"));
        }
        $this->assertNull($tm->findTarget('pkgs/none.txt', $load));
    }

    public function testDelegationSearchOrderAndLimits(): void
    {
        $tm = self::trustState('delegations', '1');
        $load = self::fileLoader('delegations', '1', $log);
        $role = fn (string $t) => $tm->findTarget($t, $load)?->getRole();
        foreach (Fixtures::delegationsSearch() as [$target, $expected, $why]) {
            $this->assertSame($expected, $role($target), "$target: $why");
        }
        $this->assertTufKind('SignatureThresholdException', fn () => $tm->findTarget('c/leaf.txt', $load), 'shared-leaf');
        $this->assertSame('shared-leaf', $role('a/leaf/x.txt'));

        $fresh = self::trustState('delegations', '1');
        $this->assertSame('a', $fresh->findTarget('a/one.txt', $load, 2)->getRole());
        $this->assertTufKind('DenialOfServiceException', fn () => $fresh->findTarget('a/sub/file.txt', $load, 2));
        $this->assertSame('a-child', $fresh->findTarget('a/sub/file.txt', $load)->getRole());
    }

    public function testUnchangedTimestampAndCachedSnapshot(): void
    {
        $tm = new TrustedMetadata(Fixtures::metadata('attacks', '1', '1.root.json'), Fixtures::REF_TIME);
        $ts = Fixtures::metadata('attacks', '1', 'timestamp.json');
        $this->assertTrue($tm->updateTimestamp($ts));
        $this->assertFalse($tm->updateTimestamp($ts));
        $tm->updateSnapshot(Fixtures::metadata('attacks', '1', 'snapshot.json'), true);
        $this->assertSame(['root' => 1, 'timestamp' => 2, 'snapshot' => 2, 'targets' => null], $tm->versions());
        $this->assertTufKind('StateException', fn () => $tm->updateTimestamp($ts));
        $this->assertTufKind('StateException', fn () => $tm->updateRoot(Fixtures::metadata('attacks', '1', '1.root.json')));
    }

    /** @return iterable<string, array{string, string, string}> */
    public static function attacks(): iterable
    {
        yield 'timestamp rollback' => ['ts-rollback', 'timestamp', 'RollbackException'];
        yield 'timestamp freeze' => ['ts-expired', 'timestamp', 'ExpiredException'];
        yield 'timestamp wrong key' => ['ts-wrong-key', 'timestamp', 'SignatureThresholdException'];
        yield 'timestamp wrong type' => ['ts-wrong-type', 'timestamp', 'FormatException'];
        yield 'snapshot rollback of targets' => ['snapshot-rollback-targets', 'snapshot', 'RollbackException'];
        yield 'snapshot drops a role' => ['snapshot-role-removed', 'snapshot', 'RollbackException'];
        yield 'snapshot freeze' => ['snapshot-expired', 'snapshot', 'ExpiredException'];
        yield 'snapshot wrong key' => ['snapshot-wrong-key', 'snapshot', 'SignatureThresholdException'];
        yield 'snapshot version mismatch' => ['snapshot-version-mismatch', 'snapshot', 'RepositoryChangedException'];
        yield 'targets version mismatch' => ['targets-version-mismatch', 'targets', 'RepositoryChangedException'];
        yield 'targets hash mismatch' => ['targets-hash-mismatch', 'targets', 'InvalidHashException'];
        yield 'targets freeze' => ['targets-expired', 'targets', 'ExpiredException'];
        yield 'targets wrong key' => ['targets-wrong-key', 'targets', 'SignatureThresholdException'];
        yield 'mix and match' => ['mix-and-match', 'targets', 'RollbackException'];
    }

    /** @dataProvider attacks */
    #[DataProvider('attacks')]
    public function testAttackIsRefusedAtItsStep(string $state, string $step, string $exception): void
    {
        $tm = new TrustedMetadata(Fixtures::metadata('attacks', '1', '1.root.json'), Fixtures::REF_TIME);
        $tm->checkFinalRoot();
        // The trusted baseline (all roles at version 2), as a stored copy.
        $tm->updateTimestamp(Fixtures::metadata('attacks', '1', 'timestamp.json'));
        $file = fn (string $name) => Fixtures::metadata('attacks', $state, $name);
        $steps = [
            'timestamp' => fn () => $tm->updateTimestamp($file('timestamp.json')),
            'snapshot' => function () use ($tm, $file): void {
                // As a client does: the stored snapshot first (it no longer
                // matches the new timestamp, but becomes the rollback
                // baseline), then the new one.
                try {
                    $tm->updateSnapshot(Fixtures::metadata('attacks', '1', 'snapshot.json'), true);
                } catch (RollbackException $expected) {
                }
                $tm->updateSnapshot($file('snapshot.json'));
            },
            'targets' => fn () => $tm->updateTargets($file('targets.json')),
        ];
        foreach ($steps as $name => $run) {
            if ($name === $step) {
                $this->assertTufKind($exception, $run);
                return;
            }
            $run();
        }
    }

    public function testDelegatedRoleAttacksFailTheLookupOnly(): void
    {
        foreach (['role1-wrong-key' => 'SignatureThresholdException', 'role1-expired' => 'ExpiredException'] as $state => $exception) {
            $tm = self::trustState('attacks', $state);
            $load = self::fileLoader('attacks', $state);
            $this->assertTufKind($exception, fn () => $tm->findTarget('r1/a.txt', $load), 'role1');
            $this->assertSame('targets', $tm->findTarget('file1.txt', $load)->getRole());
        }
    }

    public function testARoleListedAboveTheTargetsCapIsNeverLoaded(): void
    {
        $tm = self::trustState('attacks', 'snapshot-huge-role1-length');
        $asked = [];
        $load = function (string $role) use (&$asked): ?string {
            $asked[] = $role;
            return Fixtures::metadata('attacks', 'snapshot-huge-role1-length', "$role.json");
        };
        $this->assertTufKind('DownloadSizeException', fn () => $tm->findTarget('r1/a.txt', $load), 'length of 10737418240 bytes, more than the limit of 5000000 bytes');
        $this->assertSame([], $asked);
        $this->assertSame('targets', $tm->findTarget('file1.txt', $load)->getRole());
    }

    public function testTamperedTargetsAreRefused(): void
    {
        $tm = self::trustState('attacks', '1');
        $info = $tm->findTarget('file1.txt', self::fileLoader('attacks', '1'));
        $this->assertTargetVerifies($info, Fixtures::target('attacks', '1', 'file1.txt'));
        $tampered = Fixtures::target('attacks', 'target-tampered', 'file1.txt');
        $this->assertSame($info->getLength(), strlen($tampered));
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString($tampered, $info->getLength(), $info->getHashes()));
        $longer = Fixtures::target('attacks', 'target-longer', 'file1.txt');
        $this->assertTufKind('DownloadSizeException', fn () => Hashes::verifyString($longer, $info->getLength(), $info->getHashes()));
    }

    public function testFailedUpdatesKeepTheTrustedState(): void
    {
        $tm = self::trustState('drupal', '1');
        $before = $tm->versions();
        $this->assertTufKind('StateException', fn () => $tm->updateSnapshot(Fixtures::metadata('drupal', '2', 'snapshot.json')));
        $this->assertTufKind('FormatException', fn () => $tm->updateTargets("{\"signed\": \0}"));
        $this->assertSame($before, $tm->versions());
        $this->assertNotNull($tm->findTarget('p2/drupal/pkg01.json', self::fileLoader('drupal', '1')));
    }

    public function testRootRotationAndExpiredFinalRoot(): void
    {
        $tm = self::trustState('rotation', '3');
        $this->assertSame(4, $tm->versions()['root']);
        $expired = new TrustedMetadata(Fixtures::metadata('rotation', '1', '1.root.json'), Fixtures::REF_TIME);
        $expired->updateRoot(Fixtures::metadata('rotation', 'final-expired', '2.root.json'));
        $this->assertTufKind('ExpiredException', fn () => $expired->checkFinalRoot());
        $tm = new TrustedMetadata(Fixtures::metadata('rotation', '1', '1.root.json'), Fixtures::REF_TIME);
        $this->assertTufKind('RollbackException', fn () => $tm->updateRoot(Fixtures::metadata('rotation', 'wrong-version', '2.root.json')));
        $this->assertTufKind('SignatureThresholdException', fn () => $tm->updateRoot(Fixtures::metadata('rotation', 'bad-new-threshold', '2.root.json')));
        $this->assertSame(1, $tm->versions()['root']);
    }

    public function testReferenceTimeDecidesExpiry(): void
    {
        $root = Fixtures::metadata('drupal', '1', '1.root.json');
        // Valid until 2100-01-01T00:00:00Z (4102444800).
        (new TrustedMetadata($root, 4102444799))->checkFinalRoot();
        $this->assertTufKind('ExpiredException', fn () => (new TrustedMetadata($root, 4102444800))->checkFinalRoot());
        // Default: now.
        (new TrustedMetadata($root))->checkFinalRoot();
    }

    public function testLoadRoleFailures(): void
    {
        $tm = self::trustState('drupal', '1');
        $this->assertTufKind('NotFoundException', fn () => $tm->findTarget('p2/drupal/pkg00.json', fn (string $role) => null), '$loadRole returned null');

        $cause = new \DomainException('no network');
        $e = $this->assertTufKind('IoException', fn () => $tm->findTarget('p2/drupal/pkg00.json', function (string $role) use ($cause): string {
            throw $cause;
        }), 'DomainException');
        $this->assertSame($cause, $e->getPrevious());

        $e = $this->assertTufKind('IoException', fn () => $tm->findTarget('p2/drupal/pkg00.json', fn (string $role) => 42));
        $this->assertInstanceOf(\TypeError::class, $e->getPrevious());
        $this->assertStringContainsString('must return ?string, int returned', $e->getPrevious()->getMessage());

        // No length listed for bins: the targets cap (5,000,000 bytes) applies.
        $this->assertTufKind('DownloadSizeException', fn () => $tm->findTarget('p2/drupal/pkg00.json', fn (string $role) => str_repeat(' ', 5_000_001)));
        $this->assertTufKind('FormatException', fn () => $tm->findTarget('p2/drupal/pkg00.json', fn (string $role) => "\xff\xfe\0"));

        // After all that, a good loader still works.
        $this->assertNotNull($tm->findTarget('p2/drupal/pkg00.json', self::fileLoader('drupal', '1')));
    }

    public function testCallbackCannotReenterTheObject(): void
    {
        $tm = self::trustState('drupal', '1');
        $e = $this->assertTufKind('IoException', fn () => $tm->findTarget('p2/drupal/pkg00.json', function (string $role) use ($tm): string {
            $tm->versions();
            return '';
        }));
        $this->assertInstanceOf(StateException::class, $e->getPrevious());
        $this->assertStringContainsString('busy', $e->getPrevious()->getMessage());
        $this->assertSame(1, $tm->versions()['root'], 'usable again afterwards');

        // Nor re-construct it, from a callback or otherwise.
        $other = Fixtures::metadata('rotation', '1', '1.root.json');
        $e = $this->assertTufKind('IoException', fn () => $tm->findTarget('p2/drupal/pkg00.json', function (string $role) use ($tm, $other): string {
            $tm->__construct($other);
            return '';
        }));
        $this->assertStringContainsString('already constructed', $e->getPrevious()->getMessage());
        $this->assertTufKind('StateException', fn () => $tm->__construct($other), 'already constructed');
        $this->assertSame(['root' => 1, 'timestamp' => 1, 'snapshot' => 1, 'targets' => 1], $tm->versions());
    }

    public function testFindTargetNeedsTopLevelTargets(): void
    {
        $tm = new TrustedMetadata(Fixtures::metadata('drupal', '1', '1.root.json'), Fixtures::REF_TIME);
        $this->assertTufKind('StateException', fn () => $tm->findTarget('x', fn () => null));
    }

    public function testArgumentErrors(): void
    {
        $tm = self::trustState('drupal', '1');
        $this->assertThrows(\ValueError::class, fn () => $tm->findTarget("\xff", fn () => null), 'Argument #1 ($target) must be valid UTF-8');
        $this->assertThrows(\ValueError::class, fn () => $tm->findTarget('x', fn () => null, 0), 'Argument #3 ($maxRoles)');
        $this->assertThrows(\ValueError::class, fn () => $tm->snapshotMeta("\xc3"), 'Argument #1 ($role)');
        $this->assertThrows(\TypeError::class, fn () => $tm->findTarget('x', 'no such function'));
        $this->assertThrows(\TypeError::class, fn () => $tm->updateSnapshot([]));
        $this->assertThrows(\TypeError::class, fn () => new TrustedMetadata(Fixtures::metadata('drupal', '1', '1.root.json'), 'now'));
        $this->assertThrows(\ArgumentCountError::class, fn () => $tm->updateTargets());
        $this->assertThrows(\Error::class, fn () => clone $tm);
        $this->assertThrows(\Exception::class, fn () => serialize($tm));
    }

    public function testNamedArguments(): void
    {
        $tm = new TrustedMetadata(referenceTime: Fixtures::REF_TIME, rootBytes: Fixtures::metadata('attacks', '1', '1.root.json'));
        $tm->updateTimestamp(bytes: Fixtures::metadata('attacks', '1', 'timestamp.json'));
        $tm->updateSnapshot(fromCache: true, bytes: Fixtures::metadata('attacks', '1', 'snapshot.json'));
        $this->assertSame(2, $tm->versions()['snapshot']);
    }
}
