<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use PHPUnit\Framework\Attributes\DataProvider;
use Tuf\Exception\Attack\FreezeAttackException;
use Tuf\Exception\Attack\InvalidHashException;
use Tuf\Exception\Attack\RollbackAttackException;
use Tuf\Exception\Attack\SignatureThresholdException;
use Tuf\Exception\DownloadSizeException;
use Tuf\Exception\MetadataException;
use GuzzleHttp\Promise\PromiseInterface;
use Tuf\Client\Repository;
use Tuf\Loader\LoaderInterface;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\RootMetadata;
use TufNative\Shim\Tests\Support\DirLoader;
use TufNative\Shim\Tests\Support\MemoryStorage;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * Attacks against a client that trusts attacks/1 (timestamp, snapshot,
 * targets and role1 at version 2): each asserts the php-tuf exception and
 * what storage holds afterwards.
 */
final class AttackTest extends TestCase
{
    private function trustingBase(): ComposerLikeUpdater
    {
        $updater = $this->client('attacks');
        $this->assertSame(strlen(Fixtures::target('attacks', '1', 'r1/a.txt')) + 1, $updater->getLength('r1/a.txt'));
        return $updater;
    }

    private static function base(string $file): string
    {
        return Fixtures::metadata('attacks', '1', $file);
    }

    /**
     * @dataProvider refreshAttacks
     *
     * @param class-string<\Throwable> $exception
     * @param array<string, string|int> $expectStored
     *   Role => base file name whose bytes storage must still hold, or the
     *   version storage must hold.
     */
    #[DataProvider('refreshAttacks')]
    public function testRefreshIsRefused(string $state, string $exception, array $expectStored): void
    {
        $updater = $this->trustingBase();
        $this->serve('attacks', $state);
        $this->assertThrows($exception, fn () => $updater->refresh(true));
        foreach ($expectStored as $role => $expected) {
            if (is_int($expected)) {
                $this->assertSame($expected, $this->storage->version($role), "$state: $role version");
            } else {
                $this->assertSame(self::base($expected), $this->storage->files[$role], "$state: $role unchanged");
            }
        }
        // Still refused by the next process, which starts from storage.
        $this->assertThrows($exception, fn () => $this->restart()->refresh());
    }

    public static function refreshAttacks(): array
    {
        return [
            'timestamp rollback' => ['ts-rollback', RollbackAttackException::class, ['timestamp' => 'timestamp.json']],
            // Authentic and newer, but expired: never stored (spec 5.4.4
            // before 5.4.5), the stored baseline stays version 2.
            'timestamp freeze' => ['ts-expired', FreezeAttackException::class, ['timestamp' => 'timestamp.json', 'snapshot' => 'snapshot.json']],
            'timestamp lists older snapshot' => ['ts-snapshot-version-rollback', RollbackAttackException::class, ['timestamp' => 'timestamp.json']],
            'timestamp signed by unknown key' => ['ts-wrong-key', SignatureThresholdException::class, ['timestamp' => 'timestamp.json']],
            'timestamp slot holding another type' => ['ts-wrong-type', MetadataException::class, ['timestamp' => 'timestamp.json']],
            'snapshot hash mismatch' => ['snapshot-hash-mismatch', MetadataException::class, ['timestamp' => 3, 'snapshot' => 'snapshot.json']],
            'snapshot longer than listed' => ['snapshot-length-mismatch', DownloadSizeException::class, ['snapshot' => 'snapshot.json']],
            // php-tuf's class for a version other than the listed one (newer
            // here: the repository changed, still after one restart).
            'snapshot version mismatch' => ['snapshot-version-mismatch', MetadataException::class, ['snapshot' => 'snapshot.json']],
            'snapshot rolls back targets' => ['snapshot-rollback-targets', RollbackAttackException::class, ['snapshot' => 'snapshot.json']],
            'snapshot drops a role' => ['snapshot-role-removed', RollbackAttackException::class, ['snapshot' => 'snapshot.json']],
            'snapshot freeze' => ['snapshot-expired', FreezeAttackException::class, ['snapshot' => 'snapshot.json', 'timestamp' => 3]],
            'snapshot signed by wrong key' => ['snapshot-wrong-key', SignatureThresholdException::class, ['snapshot' => 'snapshot.json']],
            'targets version mismatch' => ['targets-version-mismatch', MetadataException::class, ['targets' => 'targets.json']],
            'targets hash mismatch' => ['targets-hash-mismatch', MetadataException::class, ['targets' => 'targets.json', 'snapshot' => 3]],
            'targets freeze' => ['targets-expired', FreezeAttackException::class, ['targets' => 'targets.json']],
            'targets signed by wrong key' => ['targets-wrong-key', SignatureThresholdException::class, ['targets' => 'targets.json']],
            'mix and match' => ['mix-and-match', MetadataException::class, ['targets' => 'targets.json']],
            // Timestamp 3 lists snapshot 3 at 10 GiB: refused, never loaded.
            'snapshot listed at 10 GiB' => ['ts-huge-snapshot-length', DownloadSizeException::class, ['snapshot' => 'snapshot.json', 'timestamp' => 3]],
        ];
    }

    /**
     * @dataProvider delegatedRoleAttacks
     */
    #[DataProvider('delegatedRoleAttacks')]
    public function testDelegatedRoleAttacksFailTheLookup(string $state, string $exception): void
    {
        $updater = $this->trustingBase();
        $this->serve('attacks', $state);
        $updater->refresh(true);
        $e = $this->assertThrows($exception, fn () => $updater->getLength('r1/a.txt'));
        $this->assertStringContainsString('role1', $e->getMessage());
        $this->assertSame(self::base('role1.json'), $this->storage->files['role1']);
        // Targets of the top-level role still resolve.
        $this->assertSame(strlen(Fixtures::target('attacks', $state, 'file1.txt')) + 1, $updater->getLength('file1.txt'));
    }

    public static function delegatedRoleAttacks(): array
    {
        return [
            'role1 signed by wrong key' => ['role1-wrong-key', SignatureThresholdException::class],
            'role1 freeze' => ['role1-expired', FreezeAttackException::class],
            'role1 listed at 10 GiB' => ['snapshot-huge-role1-length', DownloadSizeException::class],
        ];
    }

    public function testTheLoaderIsAskedForAtMostOurLimits(): void
    {
        // What composer-integration's loader gets as $maxBytes (Composer's
        // max_file_size): the length trusted metadata lists, never more
        // than our own limit; a listed length above the limit is refused
        // before the loader is asked for a byte.
        $this->requireNative();
        $loader = new class (new DirLoader(Fixtures::state('attacks', '1'))) implements LoaderInterface {
            /** @var array<string, int> */
            public array $asked = [];

            public function __construct(private DirLoader $inner)
            {
            }

            public function load(string $locator, int $maxBytes): PromiseInterface
            {
                $this->asked[$locator] = $maxBytes;
                return $this->inner->load($locator, $maxBytes);
            }
        };
        $client = function () use ($loader): ComposerLikeUpdater {
            $this->storage = new MemoryStorage();
            $this->storage->save(RootMetadata::createFromJson(self::base('1.root.json'))->trust());
            $loader->asked = [];
            return new ComposerLikeUpdater(new SizeCheckingLoader($loader), $this->storage);
        };
        $snapshot = strlen(self::base('snapshot.json'));
        $client()->refresh();
        $this->assertSame($snapshot, $loader->asked['snapshot.json']);
        $this->assertSame(strlen(self::base('targets.json')), $loader->asked['targets.json']);

        $limit = $snapshot - 1;
        Repository::$maxBytes = $limit;
        try {
            $updater = $client();
            $e = $this->assertThrows(DownloadSizeException::class, fn () => $updater->refresh());
            $this->assertStringContainsString("length of $snapshot bytes, more than the limit of $limit bytes", $e->getMessage());
        } finally {
            Repository::$maxBytes = 100000;
        }
        $this->assertArrayNotHasKey('snapshot.json', $loader->asked);
        $this->assertLessThanOrEqual($limit, max($loader->asked));
        $this->assertSame(self::base('timestamp.json'), $this->storage->files['timestamp']);
        $this->assertArrayNotHasKey('snapshot', $this->storage->files);
    }

    public function testTamperedAndOversizedTargetsAreRefused(): void
    {
        $updater = $this->trustingBase();
        $updater->verify('file1.txt', self::stream(Fixtures::target('attacks', '1', 'file1.txt')));
        $this->assertThrows(InvalidHashException::class, fn () => $updater->verify('file1.txt', self::stream(Fixtures::target('attacks', 'target-tampered', 'file1.txt'))));
        // Longer data cannot have the trusted hashes: php-tuf's class and message.
        $e = $this->assertThrows(InvalidHashException::class, fn () => $updater->verify('file1.txt', self::stream(Fixtures::target('attacks', 'target-longer', 'file1.txt'))));
        $this->assertSame('Invalid sha256 hash for file1.txt', $e->getMessage());
        $this->serve('attacks', 'target-tampered');
        $this->assertThrows(InvalidHashException::class, fn () => $updater->download('file1.txt')->wait());
        $this->serve('attacks', 'target-longer');
        $this->assertThrows(DownloadSizeException::class, fn () => $updater->download('file1.txt')->wait());
    }

    /**
     * @dataProvider phpTufMessages
     */
    #[DataProvider('phpTufMessages')]
    public function testMessagesAreThoseOfPhpTuf(string $state, string $message): void
    {
        $updater = $this->trustingBase();
        $this->serve('attacks', $state);
        $e = $this->assertThrows(\Tuf\Exception\TufException::class, function () use ($updater): void {
            $updater->refresh(true);
            $updater->getLength('r1/a.txt');
        });
        $this->assertMatchesRegularExpression($message, $e->getMessage());
    }

    public static function phpTufMessages(): array
    {
        return [
            'threshold' => ['ts-wrong-key', '/^Signature threshold not met on timestamp$/'],
            'delegated threshold' => ['role1-wrong-key', '/^Signature threshold not met on role1$/'],
            'freeze' => ['ts-expired', '/^Remote timestamp metadata expired on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/'],
            'delegated freeze' => ['role1-expired', '/^Remote role1 metadata expired on /'],
            // php-tuf's message without its stray "$" before the numbers.
            'rollback' => ['ts-rollback', '/^Remote timestamp metadata version "1" is less than previously seen timestamp version "2"$/'],
            'snapshot rollback' => ['ts-snapshot-version-rollback', '/^Remote timestamp metadata file \'snapshot.json\' version "1" is less than previously seen  version "2"$/'],
            'dropped role' => ['snapshot-role-removed', '/^Remote snapshot metadata file references \'role1.json\' but this is not present in the remote file$/'],
            'version mismatch' => ['mix-and-match', '/^Expected targets version 3 does not match actual version 2\.$/'],
            'hash mismatch' => ['snapshot-hash-mismatch', "/^The 'snapshot' contents does not match hash 'sha256' specified in the 'timestamp' metadata\\.$/"],
            'exact length' => ['snapshot-length-mismatch', '/^Expected snapshot\.json to be \d+ bytes\.$/'],
        ];
    }

    public function testLegitimateNextVersionIsAccepted(): void
    {
        $updater = $this->trustingBase();
        $this->serve('attacks', 'next-version');
        $updater->refresh(true);
        foreach (['timestamp', 'snapshot', 'targets'] as $role) {
            $this->assertSame(Fixtures::metadata('attacks', 'next-version', "$role.json"), $this->storage->files[$role]);
        }
        $updater->verify('file1.txt', self::stream(Fixtures::target('attacks', 'next-version', 'file1.txt')));
        $this->assertSame(strlen(Fixtures::target('attacks', 'next-version', 'r1/a.txt')) + 1, $updater->getLength('r1/a.txt'));
    }

    public function testEndlessTimestampIsCutAtTheCap(): void
    {
        $updater = $this->trustingBase();
        $this->loader->overrides['timestamp.json'] = str_pad(self::base('timestamp.json'), 1 << 20);
        $this->assertThrows(DownloadSizeException::class, fn () => $updater->refresh(true));
        $this->assertSame(self::base('timestamp.json'), $this->storage->files['timestamp']);
    }

    /**
     * @dataProvider thresholdAttacks
     */
    #[DataProvider('thresholdAttacks')]
    public function testDuplicatedSignaturesAndKeysDoNotReachAThreshold(string $state, string $exception): void
    {
        $updater = $this->client('threshold');
        $updater->refresh();
        $this->serve('threshold', $state);
        $this->assertThrows($exception, fn () => $updater->refresh(true));
        $this->assertSame(1, $this->storage->version('timestamp'));
    }

    public static function thresholdAttacks(): array
    {
        return [
            'one keyid signing twice' => ['dup-keyid', MetadataException::class],
            'one key under two keyids' => ['same-key-two-ids', SignatureThresholdException::class],
            'one signature of two' => ['one-sig', SignatureThresholdException::class],
        ];
    }
}
