<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use GuzzleHttp\Psr7\Utils;
use PHPUnit\Framework\Attributes\DataProvider;
use Psr\Http\Message\StreamInterface;
use Tuf\Client\Repository;
use Tuf\Exception\Attack\FreezeAttackException;
use Tuf\Exception\Attack\InvalidHashException;
use Tuf\Exception\Attack\SignatureThresholdException;
use Tuf\Exception\DownloadSizeException;
use Tuf\Exception\NotFoundException;
use Tuf\Exception\TufException;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\TargetsMetadata;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\DirLoader;
use TufNative\Shim\Tests\Support\FixedClock;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\MemoryStorage;
use TufNative\Shim\Tests\Support\OneDelegatedRole;
use TufNative\Shim\Tests\Support\PlainStorage;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * The php-tuf API used as composer-integration uses it, on the python-tuf
 * generated repositories: Drupal-shaped hashed bins, consistent snapshots,
 * key types, succinct bins, delegations and the php-tuf limits.
 */
final class WorkflowTest extends TestCase
{
    protected function tearDown(): void
    {
        Repository::$maxBytes = 100000;
    }

    /**
     * getLength() before a download, verify() after: composer-integration's
     * sequence, for one target. Returns the role that lists it.
     */
    private function lengthThenVerify(ComposerLikeUpdater $updater, string $repo, string $state, string $target): string
    {
        $data = Fixtures::target($repo, $state, $target);
        $this->assertSame(strlen($data) + 1, $updater->getLength($target), $target);
        $updater->verify($target, self::stream($data));
        return $updater->metadataFor($target)->getRole();
    }

    public function testDrupalFirstRefreshFetchesTheSpecSequenceAndStoresBytesAsReceived(): void
    {
        $updater = $this->client('drupal');
        $this->assertTrue($updater->refresh());
        $this->assertSame(['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'], $this->loader->takeLog());
        foreach (['root' => '1.root.json', 'timestamp' => 'timestamp.json', 'snapshot' => 'snapshot.json', 'targets' => 'targets.json'] as $role => $file) {
            $this->assertSame(Fixtures::metadata('drupal', '1', $file), $this->storage->files[$role], "$role stored byte for byte");
        }
        // Refreshed once per instance unless forced.
        $this->assertTrue($updater->refresh());
        $this->assertSame([], $this->loader->takeLog());

        $role = $this->lengthThenVerify($updater, 'drupal', '1', 'drupal/pkg00/1.0.0.0');
        $this->assertMatchesRegularExpression('/^[0-9a-f]00-[0-9a-f]ff$/', $role);
        $this->assertSame(["$role.json"], $this->loader->takeLog(), 'only the bin holding the target is fetched');
        $this->assertSame(Fixtures::metadata('drupal', '1', "$role.json"), $this->storage->files[$role]);
        $this->lengthThenVerify($updater, 'drupal', '1', 'drupal/pkg00/1.0.0.0');
        $this->assertSame([], $this->loader->takeLog(), 'the bin is fetched once');
    }

    public function testEveryDrupalTargetVerifiesFromItsHashedBin(): void
    {
        $updater = $this->client('drupal');
        $bins = [];
        foreach (Fixtures::drupalTargets() as $target) {
            $bins[$this->lengthThenVerify($updater, 'drupal', '1', $target)] = true;
        }
        $this->assertGreaterThan(1, count($bins));
        $this->assertArrayNotHasKey('targets', $bins);
        $e = $this->assertThrows(NotFoundException::class, fn () => $updater->getLength('drupal/absent/1.0.0.0'));
        $this->assertSame('Target not found: drupal/absent/1.0.0.0', $e->getMessage());
        $this->assertThrows(NotFoundException::class, fn () => $updater->verify('drupal/absent/1.0.0.0', self::stream('x')));
    }

    public function testMetadataForATargetIsTheTrustedBinThatListsIt(): void
    {
        $updater = $this->client('drupal');
        $updater->refresh();
        $target = 'p2/drupal/pkg07.json';
        $metadata = $updater->metadataFor($target);
        $this->assertInstanceOf(TargetsMetadata::class, $metadata);
        $role = $metadata->getRole();
        $this->assertSame(Fixtures::metadata('drupal', '1', "$role.json"), $metadata->source);
        $this->assertTrue($metadata->hasTarget($target));
        $data = Fixtures::target('drupal', '1', $target);
        $this->assertSame(strlen($data), $metadata->getLength($target));
        $this->assertSame(hash('sha256', $data), $metadata->getHashes($target)['sha256']);
        $metadata->ensureIsTrusted();
        $this->assertNull($updater->metadataFor('p2/drupal/absent.json'));
    }

    public function testVerifyRefusesTamperedShorterAndLongerData(): void
    {
        $updater = $this->client('drupal');
        $target = 'drupal/pkg03/1.1.0.0';
        $good = Fixtures::target('drupal', '1', $target);
        $tampered = strtoupper($good);
        $this->assertSame(strlen($good), strlen($tampered));

        $stream = self::stream($tampered);
        $e = $this->assertThrows(InvalidHashException::class, fn () => $updater->verify($target, $stream));
        $this->assertSame($stream, $e->getStream());
        $this->assertInstanceOf(TufException::class, $e);
        $this->assertThrows(InvalidHashException::class, fn () => $updater->verify($target, self::stream(substr($good, 0, -1))));
        $e = $this->assertThrows(InvalidHashException::class, fn () => $updater->verify($target, self::stream($good . 'x')));
        $this->assertSame("Invalid sha256 hash for $target", $e->getMessage());
        // The good data still verifies, from any position of the stream.
        $stream = self::stream($good);
        $stream->seek(5);
        $updater->verify($target, $stream);
        $this->assertSame(0, $stream->tell(), 'rewound after verification');
    }

    public function testVerifyReadsFileStreamsTheWayComposerPassesDownloads(): void
    {
        $updater = $this->client('drupal');
        $target = 'drupal/pkg11/1.2.0.0';
        $path = tempnam(sys_get_temp_dir(), 'tuf-shim-');
        try {
            file_put_contents($path, Fixtures::target('drupal', '1', $target));
            $updater->verify($target, Utils::streamFor(Utils::tryFopen($path, 'r')));
            file_put_contents($path, str_repeat('x', filesize($path)));
            $this->assertThrows(InvalidHashException::class, fn () => $updater->verify($target, Utils::streamFor(Utils::tryFopen($path, 'r'))));
        } finally {
            unlink($path);
        }
    }

    public function testDownloadLoadsAtMostTheTrustedLengthAndVerifies(): void
    {
        $updater = $this->client('drupal');
        $target = 'drupal/pkg05/1.0.0.0';
        $stream = $updater->download($target)->wait();
        $this->assertInstanceOf(StreamInterface::class, $stream);
        $this->assertSame(Fixtures::target('drupal', '1', $target), (string) $stream);

        $this->loader->overrides[$target] = strrev(Fixtures::target('drupal', '1', $target));
        $this->assertThrows(InvalidHashException::class, fn () => $updater->download($target)->wait());
        $this->loader->overrides[$target] = Fixtures::target('drupal', '1', $target) . 'more';
        $this->assertThrows(DownloadSizeException::class, fn () => $updater->download($target)->wait());
        $this->assertThrows(NotFoundException::class, fn () => $updater->download('drupal/absent/1.0.0.0'));
    }

    public function testUnchangedTimestampFetchesNothingMoreInTheNextProcess(): void
    {
        $updater = $this->client('drupal');
        $this->lengthThenVerify($updater, 'drupal', '1', 'p2/drupal/pkg03.json');
        $this->loader->takeLog();
        $next = $this->restart();
        $next->refresh();
        $this->assertSame(['2.root.json', 'timestamp.json'], $this->loader->takeLog());
        $this->lengthThenVerify($next, 'drupal', '1', 'p2/drupal/pkg03.json');
        $this->assertSame([], $this->loader->takeLog(), 'stored bins are re-verified, not re-fetched');
    }

    public function testUpdatesAndRootRotation(): void
    {
        $updater = $this->client('drupal');
        $this->lengthThenVerify($updater, 'drupal', '1', 'drupal/pkg05/1.2.0.0');
        $this->serve('drupal', '2');
        $updater->refresh(true);
        $this->assertSame(2, $this->storage->version('timestamp'));
        $this->lengthThenVerify($updater, 'drupal', '2', 'drupal/newpkg/1.0.0.0');
        $this->serve('drupal', '3');
        $updater = $this->restart();
        $updater->refresh();
        $this->assertSame(Fixtures::metadata('drupal', '3', '2.root.json'), $this->storage->files['root']);
        $this->assertSame(3, $this->storage->version('timestamp'));
        $this->lengthThenVerify($updater, 'drupal', '3', 'drupal/newpkg/1.0.0.0');
    }

    public function testNonSeekableLoaderStreams(): void
    {
        $this->requireNative();
        $loader = new DirLoader(Fixtures::state('drupal', '1'), false);
        $storage = new MemoryStorage();
        $storage->save(\Tuf\Metadata\RootMetadata::createFromJson(Fixtures::metadata('drupal', '1', '1.root.json'))->trust());
        $updater = new ComposerLikeUpdater(new SizeCheckingLoader($loader), $storage);
        $updater->refresh();
        $this->assertSame(Fixtures::metadata('drupal', '1', 'snapshot.json'), $storage->files['snapshot']);
        $target = 'drupal/pkg02/1.0.0.0';
        $this->assertSame(Fixtures::target('drupal', '1', $target), (string) $updater->download($target)->wait());
    }

    public function testConsistentSnapshotsUseVersionedAndEncodedNames(): void
    {
        $updater = $this->client('consistent');
        $updater->refresh();
        $this->assertSame(['2.root.json', 'timestamp.json', '1.snapshot.json', '1.targets.json'], $this->loader->takeLog());
        $metadata = $updater->metadataFor('files/one.txt');
        $this->assertSame('nested/role', $metadata->getRole());
        $this->assertSame(['1.nested%2Frole.json'], $this->loader->takeLog());
        $this->assertArrayHasKey('nested/role', $this->storage->files);

        $this->serve('consistent', '2');
        $updater->refresh(true);
        $this->assertSame(['2.root.json', 'timestamp.json', '2.snapshot.json', '2.targets.json'], $this->loader->takeLog());
        $hashes = $updater->metadataFor('hello.txt')->getHashes('hello.txt');
        $data = Fixtures::target('consistent', '2', $hashes['sha256'] . '.hello.txt');
        $updater->verify('hello.txt', self::stream($data));
    }

    /**
     * @dataProvider keyTypes
     */
    #[DataProvider('keyTypes')]
    public function testEveryKeyTypeVerifies(string $repo): void
    {
        $updater = $this->client($repo);
        $this->lengthThenVerify($updater, $repo, '1', 'hello.txt');
    }

    public static function keyTypes(): array
    {
        return [['ecdsa'], ['rsa'], ['mixed'], ['legacy-keyids'], ['unknown-key']];
    }

    public function testSuccinctHashedBins(): void
    {
        $updater = $this->client('succinct');
        for ($i = 0; $i < 30; $i++) {
            $role = $this->lengthThenVerify($updater, 'succinct', '1', "pkgs/$i.txt");
            $this->assertMatchesRegularExpression('/^bin-[0-9a-f]$/', $role);
        }
        $this->assertThrows(NotFoundException::class, fn () => $updater->getLength('pkgs/none.txt'));
    }

    public function testDelegationSearchOrderTerminatingAndPaths(): void
    {
        $updater = $this->client('delegations');
        $updater->refresh();
        $roleOf = fn (string $target) => $updater->metadataFor($target)?->getRole();
        foreach (Fixtures::delegationsSearch() as [$target, $role, $why]) {
            $this->assertSame($role, $roleOf($target), "$target: $why");
        }
        // Reached through d, shared-leaf must verify with d's key: it does not.
        $this->assertThrows(SignatureThresholdException::class, fn () => $updater->getLength('c/leaf.txt'));
        $this->assertSame('shared-leaf', $roleOf('a/leaf/x.txt'));
    }

    public function testMetadataFoundByTheUpdaterHasPhpTufsReadonlyProperties(): void
    {
        $updater = $this->client('drupal');
        $target = 'drupal/pkg01/1.0.0.0';
        $metadata = $updater->metadataFor($target);
        $bytes = Fixtures::metadata('drupal', '1', '400-4ff.json');
        $document = json_decode($bytes, true);
        // Decoded on first read, equal to what createFromJson() gives.
        $this->assertSame($bytes, $metadata->source);
        $this->assertSame(1, $metadata->version);
        $this->assertSame('targets', $metadata->type);
        $this->assertSame($document['signed'], $metadata->signed);
        $this->assertSame($document['signatures'], $metadata->signatures);
        $this->assertSame('400-4ff', $metadata->getRole());
        $this->assertSame(strlen(Fixtures::target('drupal', '1', $target)), $metadata->getLength($target));
        $this->assertSame($metadata->toCanonicalJson(), TargetsMetadata::createFromJson($bytes, '400-4ff')->toCanonicalJson());
        foreach (['signed' => [], 'version' => 2, 'source' => ''] as $property => $value) {
            $this->assertTrue((new \ReflectionProperty($metadata, $property))->isReadOnly());
            try {
                $metadata->$property = $value;
                $this->fail("\$$property was written");
            } catch (\Error $e) {
                $this->assertStringContainsString('Cannot modify readonly property', $e->getMessage());
            }
        }
        // Private state stays private; unknown properties warn, as without __get().
        $this->assertThrows(\Error::class, fn () => $metadata->role);
        $warnings = [];
        set_error_handler(static function (int $level, string $message) use (&$warnings): bool {
            $warnings[] = $message;
            return true;
        });
        try {
            $this->assertNull($metadata->nothing);
        } finally {
            restore_error_handler();
        }
        $this->assertSame(['Undefined property: ' . TargetsMetadata::class . '::$nothing'], $warnings);
    }

    public function testMaximumTargetRolesIsHonoured(): void
    {
        $updater = $this->client('delegations', '1', OneDelegatedRole::class);
        $this->assertSame('a', $updater->metadataFor('a/one.txt')->getRole());
        // targets, a, then a-child would be a second delegated role: as in
        // php-tuf, the search ends there without finding the target.
        $this->assertNull($updater->metadataFor('a/sub/file.txt'));
        $e = $this->assertThrows(NotFoundException::class, fn () => $updater->getLength('a/sub/file.txt'));
        $this->assertSame('Target not found: a/sub/file.txt', $e->getMessage());
        $this->assertSame('a', $updater->metadataFor('a/one.txt')->getRole());
    }

    public function testRepositoryMaxBytesCapsMetadataWhenChanged(): void
    {
        Repository::$maxBytes = 300; // timestamp.json is 434 bytes
        $updater = $this->client('drupal');
        $this->assertThrows(DownloadSizeException::class, fn () => $updater->refresh());
        $this->assertSame(['root'], array_keys($this->storage->files));
    }

    public function testClockDecidesExpiry(): void
    {
        $updater = $this->client('drupal');
        $updater->setClock(new FixedClock(gmmktime(0, 0, 0, 1, 1, 2101)));
        $this->assertThrows(FreezeAttackException::class, fn () => $updater->refresh());
        $updater->setClock(new FixedClock(gmmktime(0, 0, 0, 1, 1, 2030)));
        $this->assertTrue($updater->refresh());
    }

    public function testMissingRootAndMissingTimestamp(): void
    {
        $this->requireNative();
        $loader = new DirLoader(Fixtures::state('drupal', '1'));
        $updater = new ComposerLikeUpdater(new SizeCheckingLoader($loader), new MemoryStorage());
        $this->assertThrows(\LogicException::class, fn () => $updater->refresh());
        $this->assertSame([], $loader->log, 'nothing fetched without a trusted root');

        $updater = $this->client('drupal');
        $this->loader->state = Fixtures::state('rotation', '1') . '/does-not-exist';
        $e = $this->assertThrows(NotFoundException::class, fn () => $updater->refresh());
        $this->assertSame('Item not found: timestamp.json', $e->getMessage(), "the loader's own exception");
    }

    public function testAnyStorageInterfaceImplementationWorks(): void
    {
        $this->requireNative();
        $loader = new DirLoader(Fixtures::state('drupal', '1'));
        $storage = new PlainStorage();
        $storage->save(\Tuf\Metadata\RootMetadata::createFromJson(Fixtures::metadata('drupal', '1', '1.root.json'))->trust());
        $updater = new ComposerLikeUpdater(new SizeCheckingLoader($loader), $storage);
        $target = 'p2/drupal/pkg09.json';
        $updater->verify($target, self::stream(Fixtures::target('drupal', '1', $target)));
        $role = $updater->metadataFor($target)->getRole();
        $this->assertSame(Fixtures::metadata('drupal', '1', "$role.json"), $storage->getTargets($role)->source);
        $this->assertSame(Fixtures::metadata('drupal', '1', 'snapshot.json'), $storage->getSnapshot()->source);

        // The next process re-verifies what this storage holds.
        $loader->log = [];
        $next = new ComposerLikeUpdater(new SizeCheckingLoader($loader), $storage);
        $next->verify($target, self::stream(Fixtures::target('drupal', '1', $target)));
        $this->assertSame(['2.root.json', 'timestamp.json'], $loader->log);
    }

    public function testExceptionsFromStorageAndLoaderReachTheCallerAsThrown(): void
    {
        $this->requireNative();
        $loader = new DirLoader(Fixtures::state('drupal', '1'));
        $storage = new PlainStorage();
        $storage->save(\Tuf\Metadata\RootMetadata::createFromJson(Fixtures::metadata('drupal', '1', '1.root.json'))->trust());
        $storage->failOn = 'snapshot';
        $updater = new ComposerLikeUpdater(new SizeCheckingLoader($loader), $storage);
        $e = $this->assertThrows(\RuntimeException::class, fn () => $updater->refresh());
        $this->assertSame('disk full while saving snapshot', $e->getMessage());
        $this->assertArrayHasKey('timestamp', $storage->saved, 'what verified before stays stored');
        $this->assertArrayNotHasKey('targets', $storage->saved);
        $storage->failOn = null;
        $this->assertTrue($updater->refresh(), 'not marked refreshed after a failure');

        $failing = new class () implements \Tuf\Loader\LoaderInterface {
            public ?\Throwable $error = null;

            public function load(string $locator, int $maxBytes): \GuzzleHttp\Promise\PromiseInterface
            {
                $this->error = new \RuntimeException("connection reset while loading $locator");
                return \GuzzleHttp\Promise\Create::rejectionFor($this->error);
            }
        };
        $updater = new ComposerLikeUpdater(new SizeCheckingLoader($failing), $storage);
        $e = $this->assertThrows(\RuntimeException::class, fn () => $updater->refresh());
        $this->assertSame($failing->error, $e);
    }

    public function testUpdaterIsFreedWithoutGarbageCollection(): void
    {
        $updater = $this->client('drupal');
        $updater->refresh();
        $reference = \WeakReference::create($updater);
        unset($updater);
        $this->assertNull($reference->get(), 'no reference cycle through the native updater');
    }
}
