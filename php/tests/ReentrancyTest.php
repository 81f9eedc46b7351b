<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use GuzzleHttp\Promise\PromiseInterface;
use Tuf\Exception\Attack\InvalidHashException;
use Tuf\Loader\LoaderInterface;
use Tuf\Loader\SizeCheckingLoader;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * Under Composer, a loader call does not return before Composer's
 * HttpDownloader has run the handlers of other downloads that finished
 * meanwhile, and those verify their files: the updater is called again
 * while the native updater is inside one of its callbacks. php-tuf answers
 * such nested calls; so must the shim (a real Composer run with five
 * packages failed with "Updater is busy").
 */
final class ReentrancyTest extends TestCase
{
    public function testVerifyCalledFromInsideABinDownloadIsAnswered(): void
    {
        $this->client('drupal');
        $loader = new class ($this->loader) implements LoaderInterface {
            public ?\Closure $duringBinLoad = null;

            /** @var string[] */
            public array $bins = [];

            /** @var string[] */
            public array $log = [];

            public function __construct(private LoaderInterface $decorated)
            {
            }

            public function load(string $locator, int $maxBytes): PromiseInterface
            {
                $this->log[] = $locator;
                if (preg_match('/^[0-9a-f]{3}-[0-9a-f]{3}\.json$/', $locator)) {
                    $this->bins[] = $locator;
                    if ($this->duringBinLoad !== null) {
                        $during = $this->duringBinLoad;
                        $this->duringBinLoad = null;
                        $during();
                    }
                }
                return $this->decorated->load($locator, $maxBytes);
            }
        };
        $updater = new ComposerLikeUpdater(new SizeCheckingLoader($loader), $this->storage);
        $updater->refresh();

        // Three targets in three different bins.
        $byBin = [];
        foreach (Fixtures::drupalTargets() as $target) {
            $byBin[hash('sha256', $target)[0]] ??= $target;
        }
        [$outer, $nested, $tampered] = array_values($byBin);
        $results = [];
        $nestedRequests = [];
        $loader->duringBinLoad = function () use ($updater, $loader, $nested, $tampered, &$results, &$nestedRequests): void {
            $before = count($loader->log);
            $updater->verify($nested, self::stream(Fixtures::target('drupal', '1', $nested)));
            $results[] = "$nested verified";
            try {
                $data = Fixtures::target('drupal', '1', $tampered);
                $updater->verify($tampered, self::stream(substr($data, 0, -1) . ($data[-1] === 'x' ? 'y' : 'x')));
            } catch (InvalidHashException $e) {
                $results[] = "$tampered refused";
            }
            $nestedRequests = array_slice($loader->log, $before);
        };

        $this->assertSame(strlen(Fixtures::target('drupal', '1', $outer)) + 1, $updater->getLength($outer));
        $this->assertSame(["$nested verified", "$tampered refused"], $results);
        // No root version asked for inside the outer call (under Composer,
        // a request there runs further handlers, which Composer refuses);
        // the timestamp comes again from the loader, the bins they need.
        $this->assertSame(['timestamp.json', hash('sha256', $nested)[0] . '00-' . hash('sha256', $nested)[0] . 'ff.json', 'timestamp.json', hash('sha256', $tampered)[0] . '00-' . hash('sha256', $tampered)[0] . 'ff.json'], $nestedRequests);
        foreach ($loader->bins as $bin) {
            $role = basename($bin, '.json');
            $this->assertSame(Fixtures::metadata('drupal', '1', $bin), $this->storage->files[$role], "$role stored as published");
        }
        $this->assertCount(3, array_unique($loader->bins), implode(', ', $loader->bins));
        // The outer updater still answers afterwards.
        $updater->verify($nested, self::stream(Fixtures::target('drupal', '1', $nested)));
    }

    /**
     * The repository publishes state 2 while the outer refresh holds state
     * 1's snapshot and the nested call runs: the nested updater stores
     * timestamp and snapshot 2, and the outer one, resuming, must not
     * write snapshot 1 over it.
     */
    public function testNestedUpdaterSeeingANewerRepositoryIsNotRolledBackOnDisk(): void
    {
        $this->client('drupal');
        $test = $this;
        $loader = new class ($this->loader) implements LoaderInterface {
            public ?\Closure $afterSnapshotResponse = null;

            public function __construct(private LoaderInterface $decorated)
            {
            }

            public function load(string $locator, int $maxBytes): PromiseInterface
            {
                // The response is in hand, then other handlers run, as in
                // Composer's HttpDownloader.
                $promise = $this->decorated->load($locator, $maxBytes);
                if ($locator === 'snapshot.json' && $this->afterSnapshotResponse !== null) {
                    $after = $this->afterSnapshotResponse;
                    $this->afterSnapshotResponse = null;
                    $after();
                }
                return $promise;
            }
        };
        $updater = new ComposerLikeUpdater(new SizeCheckingLoader($loader), $this->storage);
        $target = 'drupal/newpkg/1.0.0.0';
        $loader->afterSnapshotResponse = function () use ($test, $updater, $target): void {
            $test->serve('drupal', '2');
            $updater->verify($target, self::stream(Fixtures::target('drupal', '2', $target)));
        };
        $updater->refresh();
        $this->assertNull($loader->afterSnapshotResponse, 'the nested call ran');
        $this->assertSame(2, $this->storage->version('timestamp'));
        $this->assertSame(2, $this->storage->version('snapshot'), 'snapshot not rolled back on disk');
        $this->assertSame(Fixtures::metadata('drupal', '2', 'snapshot.json'), $this->storage->files['snapshot']);
        // And the next process, starting from that storage, trusts state 2.
        $next = $this->restart();
        $this->assertSame(strlen(Fixtures::target('drupal', '2', $target)) + 1, $next->getLength($target));
    }
}
