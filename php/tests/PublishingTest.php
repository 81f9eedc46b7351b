<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use Tuf\Client\NativeErrors;
use Tuf\Exception\MetadataException;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\RootMetadata;
use Tuf\Native\Exception\RepositoryChangedException;
use Tuf\Native\Exception\RollbackException;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\DirLoader;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\MemoryStorage;
use TufNative\Shim\Tests\Support\PublishingLoader;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * Publishing is not an attack (issue 16): the Drupal-shaped repository
 * publishes state 2 (a new package in one bin; that bin, snapshot and
 * timestamp at version 2) in the middle of a refresh, or between refresh()
 * and a lookup, as composer-integration meets it. One restart, then
 * success; MetadataException (php-tuf's class and message for a version
 * other than listed) when it changes on every attempt; a rollback (the
 * same php-tuf exception, a native RollbackException) is still refused at
 * once, with no restart.
 */
final class PublishingTest extends TestCase
{
    private PublishingLoader $publishing;

    private function publishingClient(?string $locator = null, int $nth = 1): ComposerLikeUpdater
    {
        $this->requireNative();
        $this->loader = new DirLoader(Fixtures::state('drupal', '1'));
        $this->publishing = new PublishingLoader($this->loader, $locator, $nth, Fixtures::state('drupal', '2'));
        $this->storage = new MemoryStorage();
        $this->storage->save(RootMetadata::createFromJson(Fixtures::metadata('drupal', '1', '1.root.json'))->trust());
        return new ComposerLikeUpdater(new SizeCheckingLoader($this->publishing), $this->storage);
    }

    /**
     * Refreshes against state 2 with $file served from state 1, which must
     * fail with php-tuf's MetadataException and $message.
     */
    private function refreshWithStateOne(string $file, string $message): MetadataException
    {
        $updater = $this->publishingClient();
        $this->loader->state = Fixtures::state('drupal', '2');
        $this->loader->overrides[$file] = Fixtures::metadata('drupal', '1', $file);
        $e = $this->assertThrows(MetadataException::class, fn () => $updater->refresh());
        $this->assertSame($message, $e->getMessage());
        return $e;
    }

    /** The bin state 2 changed, and a state-1 target listed in it. */
    private static function changedBinAndOldTarget(): array
    {
        $binOf = fn (string $path): string => ($h = hash('sha256', $path)[0]) . "00-{$h}ff";
        $bin = $binOf('drupal/newpkg/1.0.0.0');
        foreach (Fixtures::drupalTargets() as $target) {
            if (!str_starts_with($target, 'p2/') && $binOf($target) === $bin) {
                return [$bin, $target];
            }
        }
        throw new \LogicException('no state-1 package in the changed bin');
    }

    public function testSnapshotPublishedAfterTheTimestampRestartsOnceAndSucceeds(): void
    {
        $updater = $this->publishingClient('snapshot.json');
        $this->assertTrue($updater->refresh());
        $this->assertSame(
            ['2.root.json', 'timestamp.json', 'snapshot.json', 'timestamp.json', 'snapshot.json', 'targets.json'],
            $this->loader->takeLog()
        );
        $this->assertSame(2, $this->storage->version('timestamp'));
        $this->assertSame(2, $this->storage->version('snapshot'));
        $this->assertSame(1, $this->storage->version('targets'));
        $data = Fixtures::target('drupal', '2', 'drupal/newpkg/1.0.0.0');
        $this->assertSame(strlen($data) + 1, $updater->getLength('drupal/newpkg/1.0.0.0'));
    }

    public function testRepositoryChangingOnEveryAttemptIsAMetadataExceptionNotARollback(): void
    {
        // Timestamp 1 (listing snapshot 1) beside snapshot 2, every time.
        $e = $this->refreshWithStateOne('timestamp.json', 'Expected snapshot version 1 does not match actual version 2.');
        $this->assertInstanceOf(RepositoryChangedException::class, NativeErrors::causeOf($e));
        $this->assertStringContainsString('repository changed during the update', NativeErrors::causeOf($e)->getMessage());
        $this->assertSame(
            ['2.root.json', 'timestamp.json', 'snapshot.json', 'timestamp.json', 'snapshot.json'],
            $this->loader->takeLog()
        );
        $this->assertSame(1, $this->storage->version('timestamp'));
        $this->assertNull($this->storage->version('snapshot'));
    }

    public function testAnOlderSnapshotIsStillARollbackAtOnce(): void
    {
        // php-tuf's class and message for a version other than listed.
        $e = $this->refreshWithStateOne('snapshot.json', 'Expected snapshot version 2 does not match actual version 1.');
        $this->assertInstanceOf(RollbackException::class, NativeErrors::causeOf($e));
        $this->assertSame(['2.root.json', 'timestamp.json', 'snapshot.json'], $this->loader->takeLog());
        $this->assertSame(2, $this->storage->version('timestamp'));
        $this->assertNull($this->storage->version('snapshot'));
    }

    public function testBinPublishedAfterRefreshReRefreshesOnceInGetLengthAndVerify(): void
    {
        [$bin, $target] = self::changedBinAndOldTarget();
        $updater = $this->publishingClient();
        $updater->refresh();
        $this->loader->takeLog();
        // Published between refresh() and the first lookup of this run.
        $this->loader->state = Fixtures::state('drupal', '2');
        $data = Fixtures::target('drupal', '2', $target);
        $this->assertSame(strlen($data) + 1, $updater->getLength($target));
        $this->assertSame(["$bin.json", '2.root.json', 'timestamp.json', 'snapshot.json', "$bin.json"], $this->loader->takeLog());
        $this->assertSame(2, $this->storage->version('snapshot'));
        $this->assertSame(2, $this->storage->version($bin));
        $updater->verify($target, self::stream($data));
        $updater->verify('drupal/newpkg/1.0.0.0', self::stream(Fixtures::target('drupal', '2', 'drupal/newpkg/1.0.0.0')));
        $this->assertSame([], $this->loader->takeLog());
    }

    public function testBinChangingOnEveryAttemptFailsTheLookupAndTheNextCallRefreshes(): void
    {
        [$bin, $target] = self::changedBinAndOldTarget();
        $updater = $this->publishingClient();
        $updater->refresh();
        $this->loader->takeLog();
        $this->loader->overrides["$bin.json"] = Fixtures::metadata('drupal', '2', "$bin.json");
        $e = $this->assertThrows(MetadataException::class, fn () => $updater->getLength($target));
        $this->assertSame("Expected $bin version 1 does not match actual version 2.", $e->getMessage());
        $this->assertSame(["$bin.json", '2.root.json', 'timestamp.json', "$bin.json"], $this->loader->takeLog());
        $this->assertNull($this->storage->version($bin));
        // The repository settles: the next lookup works on the same updater.
        unset($this->loader->overrides["$bin.json"]);
        $this->loader->state = Fixtures::state('drupal', '2');
        $this->assertSame(strlen(Fixtures::target('drupal', '2', $target)) + 1, $updater->getLength($target));
        $this->assertSame(2, $this->storage->version($bin));
    }

    public function testAFailedReRefreshLeavesNothingTrustedAndTheNextCallRefreshes(): void
    {
        [$bin, $target] = self::changedBinAndOldTarget();
        $updater = $this->publishingClient();
        $updater->refresh();
        $this->loader->takeLog();
        $this->loader->overrides["$bin.json"] = Fixtures::metadata('drupal', '2', "$bin.json");
        $this->loader->overrides['timestamp.json'] = '{"not": "a timestamp"}';
        $this->assertThrows(MetadataException::class, fn () => $updater->getLength($target));
        $this->assertSame(["$bin.json", '2.root.json', 'timestamp.json'], $this->loader->takeLog());
        // The next lookup starts with a refresh of its own.
        $this->loader->overrides = [];
        $this->loader->state = Fixtures::state('drupal', '2');
        $this->assertSame(strlen(Fixtures::target('drupal', '2', $target)) + 1, $updater->getLength($target));
        $this->assertSame(['2.root.json', 'timestamp.json', 'snapshot.json', "$bin.json"], $this->loader->takeLog());
    }

    public function testAnOlderBinIsStillARollbackAtOnce(): void
    {
        [$bin, $target] = self::changedBinAndOldTarget();
        $updater = $this->publishingClient();
        $this->loader->state = Fixtures::state('drupal', '2');
        $updater->refresh();
        $this->loader->takeLog();
        $this->loader->overrides["$bin.json"] = Fixtures::metadata('drupal', '1', "$bin.json");
        $e = $this->assertThrows(MetadataException::class, fn () => $updater->getLength($target));
        $this->assertSame("Expected $bin version 2 does not match actual version 1.", $e->getMessage());
        $this->assertInstanceOf(RollbackException::class, NativeErrors::causeOf($e));
        $this->assertSame(["$bin.json"], $this->loader->takeLog());
        $this->assertNull($this->storage->version($bin));
    }
}
