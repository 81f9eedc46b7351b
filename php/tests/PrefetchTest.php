<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use Tuf\Client\Repository;
use Tuf\Exception\TufException;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * Updater::prefetch(): the delegated roles of many targets in one batch
 * through $fetchAll, then composer-integration's calls with no further
 * metadata request; the same stored state and the same refusals as the
 * one-at-a-time path, and that path again on any failure.
 */
final class PrefetchTest extends TestCase
{
    private const TARGETS = ['drupal/pkg00/1.0.0.0', 'drupal/pkg05/1.1.0.0', 'drupal/pkg13/1.2.0.0', 'drupal/pkg07/1.0.0.0', 'drupal/pkg02/1.2.0.0', 'drupal/pkg16/1.0.0.0'];

    /** @var list<array<string, int>> what each $fetchAll call was asked for */
    private array $batches = [];

    /** @var array<string, ?string> served by $fetchAll instead of the fixture */
    private array $batchOverrides = [];

    protected function setUp(): void
    {
        $this->requireNative();
    }

    private function fetchAll(): \Closure
    {
        return function (array $files): array {
            $this->batches[] = $files;
            $out = [];
            foreach ($files as $file => $maxBytes) {
                $out[$file] = array_key_exists($file, $this->batchOverrides)
                    ? $this->batchOverrides[$file]
                    : Fixtures::metadata('drupal', '1', $file);
            }
            return $out;
        };
    }

    /** composer-integration's calls for every target. */
    private function lengthAndVerify(ComposerLikeUpdater $updater): void
    {
        foreach (self::TARGETS as $target) {
            $data = Fixtures::target('drupal', '1', $target);
            $this->assertSame(strlen($data) + 1, $updater->getLength($target));
            $updater->verify($target, self::stream($data));
        }
    }

    /** The stored files after the one-at-a-time path. */
    private function lazyState(): array
    {
        $lazy = $this->client('drupal');
        $this->lengthAndVerify($lazy);
        return $this->storage->files;
    }

    public function testOneBatchThenNoMetadataRequest(): void
    {
        $expected = $this->lazyState();
        $updater = $this->client('drupal');
        $updater->prefetch([...self::TARGETS, self::TARGETS[0]], $this->fetchAll());
        $this->assertSame(['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'], $this->loader->takeLog());
        $this->assertCount(1, $this->batches);
        $bins = $this->batches[0];
        $this->assertGreaterThan(1, count($bins));
        foreach ($bins as $file => $maxBytes) {
            $this->assertMatchesRegularExpression('/^[0-9a-f]{3}-[0-9a-f]{3}\.json$/', $file);
            // The snapshot lists no lengths: the cap is Repository::$maxBytes.
            $this->assertSame(Repository::$maxBytes, $maxBytes);
        }
        $this->lengthAndVerify($updater);
        $this->assertSame([], $this->loader->takeLog(), 'every bin was prefetched');
        ksort($expected);
        $stored = $this->storage->files;
        ksort($stored);
        $this->assertSame($expected, $stored, 'the same stored state');
    }

    public function testNothingToFetchWhenStored(): void
    {
        $this->lazyState();
        $updater = $this->restart();
        $updater->prefetch(self::TARGETS, $this->fetchAll());
        $this->assertSame([], $this->batches, 'no batch');
    }

    public function testMissingOrOversizedFilesComeThroughTheLoader(): void
    {
        $roles = [];
        $probe = $this->client('drupal');
        foreach (self::TARGETS as $t) {
            $roles[] = $probe->metadataFor($t)->getRole() . '.json';
        }
        $updater = $this->client('drupal');
        $this->batchOverrides = [$roles[0] => null, $roles[1] => str_repeat(' ', Repository::$maxBytes + 1)];
        $updater->prefetch(self::TARGETS, $this->fetchAll());
        $fetched = array_filter($this->loader->takeLog(), fn (string $f) => !in_array($f, ['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'], true));
        $this->assertSame(array_values(array_unique([$roles[0], $roles[1]])), array_values($fetched));
        $this->lengthAndVerify($updater);
        $this->assertSame([], $this->loader->takeLog());
    }

    public function testATamperedBinIsRefusedThenFetchedAgain(): void
    {
        $probe = $this->client('drupal');
        $bin = $probe->metadataFor(self::TARGETS[0])->getRole() . '.json';
        $bytes = Fixtures::metadata('drupal', '1', $bin);
        $tampered = str_replace('"version": 1', '"version": 2', $bytes);
        $this->assertNotSame($bytes, $tampered);
        $tampered = substr($tampered, 0, strlen($bytes));
        // The one-at-a-time path's refusal of the same bytes.
        $lazy = $this->client('drupal');
        $this->loader->overrides[$bin] = $tampered;
        $lazyError = $this->assertThrows(TufException::class, fn () => $lazy->getLength(self::TARGETS[0]));
        $updater = $this->client('drupal');
        $this->batchOverrides = [$bin => $tampered];
        $error = $this->assertThrows(TufException::class, fn () => $updater->prefetch(self::TARGETS, $this->fetchAll()));
        $this->assertSame([get_class($lazyError), $lazyError->getMessage()], [get_class($error), $error->getMessage()]);
        $this->assertArrayNotHasKey(basename($bin, '.json'), $this->storage->files);
        // The later calls fetch it again through the loader.
        $this->loader->takeLog();
        $this->lengthAndVerify($updater);
        $this->assertSame([$bin], $this->loader->takeLog());
    }

    public function testAFailingBatchLeavesTheUsualPath(): void
    {
        $updater = $this->client('drupal');
        $this->assertThrows(\RuntimeException::class, fn () => $updater->prefetch(self::TARGETS, function (): never {
            throw new \RuntimeException('network down');
        }));
        $this->loader->takeLog();
        $this->lengthAndVerify($updater);
        $this->assertNotSame([], $this->loader->takeLog());
    }
}
