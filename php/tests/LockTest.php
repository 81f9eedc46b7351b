<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Client\DurableStorage\StorageLock;
use Tuf\Client\NativeErrors;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\RootMetadata;
use Tuf\Native\Exception\IoException;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\DirLoader;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\Processes;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * One lock for every path (issue 11.4): a refresh or lookup through the
 * shim on a FileStorage holds the same exclusive lock on its directory as
 * the tuf-native CLI and the standalone updater, so they exclude each other
 * across processes; a timeout is a clean \RuntimeException; a holder that
 * is killed never blocks the next process.
 */
final class LockTest extends TestCase
{
    private string $dir;

    /** @var array<int, array> children to reap */
    private array $children = [];

    protected function setUp(): void
    {
        $this->requireNative();
        $this->dir = sys_get_temp_dir() . '/tuf-shim-lock-' . bin2hex(random_bytes(6));
        mkdir($this->dir . '/storage', 0700, true);
        (new FileStorage($this->storageDir()))->save(RootMetadata::createFromJson(Fixtures::metadata('drupal', '1', '1.root.json'))->trust());
    }

    protected function tearDown(): void
    {
        StorageLock::$timeout = null;
        foreach ($this->children as $child) {
            if (is_resource($child[0]) && Processes::running($child)) {
                proc_terminate($child[0], 9);
            }
        }
        exec('rm -rf ' . escapeshellarg($this->dir));
    }

    private function storageDir(): string
    {
        return $this->dir . '/storage';
    }

    private function child(string ...$args): array
    {
        $command = [...Processes::php(), __DIR__ . '/Support/lock-child.php', ...$args];
        return $this->children[] = Processes::start($command);
    }

    private function shim(string $state = '1'): ComposerLikeUpdater
    {
        $this->loader = new DirLoader(Fixtures::state('drupal', $state));
        return new ComposerLikeUpdater(new SizeCheckingLoader($this->loader), new FileStorage($this->storageDir()));
    }

    private function storedVersion(string $role): ?int
    {
        $path = $this->storageDir() . "/$role.json";
        return is_file($path) ? json_decode(file_get_contents($path), true)['signed']['version'] : null;
    }

    private function cli(): string
    {
        $cli = Processes::cli();
        if ($cli === null) {
            $this->markTestSkipped('needs the tuf-native CLI (cargo build -p tuf-native-cli, or TUF_NATIVE_CLI)');
        }
        return $cli;
    }

    public function testTheCliWaitsForARefreshThroughTheShim(): void
    {
        $cli = $this->cli();
        $go = $this->dir . '/go';
        $child = $this->child('refresh', $this->storageDir(), Fixtures::state('drupal', '1'), $go);
        $this->assertSame('locked', Processes::line($child[1]), 'the shim is inside its refresh');
        $metadata = 'file://' . Fixtures::state('drupal', '2') . '/metadata/';
        $run = $this->children[] = Processes::start([$cli, '--metadata-dir', $this->storageDir(), '--metadata-url', $metadata, 'refresh']);
        usleep(700000);
        $this->assertTrue(Processes::running($run), 'the CLI waits for the lock the shim holds');
        $this->assertNull($this->storedVersion('timestamp'));
        touch($go);
        [$status, $out, $err] = Processes::finish($child);
        $this->assertSame([0, "done\n", ''], [$status, $out, $err], 'the shim refresh (state 1) went first and succeeded');
        [$status, $out, $err] = Processes::finish($run);
        $this->assertSame(0, $status, $err);
        $this->assertSame("trusted: root v1, timestamp v2, snapshot v2, targets v1\n", $out);
        $this->assertSame(2, $this->storedVersion('timestamp'));
        $this->assertSame(2, $this->storedVersion('snapshot'));
    }

    public function testTheShimWaitsForTheCliAndTimesOutCleanly(): void
    {
        $cli = $this->cli();
        // The CLI refreshes over HTTP from a server that holds its
        // timestamp.json response until told to go: the CLI keeps the lock.
        $docroot = Fixtures::state('drupal', '2');
        $reached = $this->dir . '/reached';
        $go = $this->dir . '/go';
        $router = $this->dir . '/router.php';
        file_put_contents($router, sprintf(
            '<?php if (str_ends_with($_SERVER["REQUEST_URI"], "/timestamp.json")) { touch(%s); '
            . 'for ($i = 0; $i < 600 && !file_exists(%s); $i++) { usleep(50000); } } return false;',
            var_export($reached, true),
            var_export($go, true)
        ));
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $server = $this->children[] = Processes::start([PHP_BINARY, '-n', '-S', "127.0.0.1:$port", '-t', $docroot, $router]);
        for ($i = 0; $i < 200 && ($s = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $error, 0.1)) === false; $i++) {
            usleep(25000);
        }
        $run = $this->children[] = Processes::start([$cli, '--metadata-dir', $this->storageDir(), '--metadata-url', "http://127.0.0.1:$port/metadata/", 'refresh']);
        for ($i = 0; $i < 600 && !file_exists($reached); $i++) {
            usleep(50000);
        }
        $this->assertFileExists($reached, 'the CLI is inside its refresh');

        StorageLock::$timeout = 0.3;
        $shim = $this->shim('2');
        $e = $this->assertThrows(\RuntimeException::class, fn () => $shim->refresh());
        $this->assertNotInstanceOf(\Tuf\Exception\TufException::class, $e);
        $this->assertMatchesRegularExpression('/^Cannot lock the TUF metadata: timed out after 0\.3 s waiting for the lock on .*storage: another process is updating the metadata there$/', $e->getMessage());
        $this->assertNull($e->getPrevious(), 'one error block in Composer');
        $this->assertInstanceOf(IoException::class, NativeErrors::causeOf($e));
        $this->assertSame([], $this->loader->takeLog(), 'nothing was fetched without the lock');
        $this->assertNull($this->storedVersion('timestamp'));

        touch($go);
        [$status, $out, $err] = Processes::finish($run);
        $this->assertSame([0, "trusted: root v1, timestamp v2, snapshot v2, targets v1\n"], [$status, $out], $err);
        StorageLock::$timeout = null;
        $this->assertTrue($shim->refresh());
        $this->assertSame(['2.root.json', 'timestamp.json'], $this->loader->takeLog(), 'the CLI\'s refresh is the shim\'s baseline');
        proc_terminate($server[0], 9);
    }

    public function testAKilledHolderNeverBlocksTheNextProcess(): void
    {
        $child = $this->child('hold', $this->storageDir());
        $this->assertSame('locked', Processes::line($child[1]));
        $this->assertFileExists($this->storageDir() . '/.tmp-left-by-a-killed-writer');
        proc_terminate($child[0], 9);
        Processes::finish($child);
        StorageLock::$timeout = 5;
        $shim = $this->shim();
        $this->assertTrue($shim->refresh());
        $this->assertSame(1, $this->storedVersion('timestamp'));
        $this->assertFileDoesNotExist($this->storageDir() . '/.tmp-left-by-a-killed-writer', 'the next holder removed it');
    }

    public function testFileStorageWritesTakeTheLockToo(): void
    {
        $child = $this->child('hold', $this->storageDir());
        $this->assertSame('locked', Processes::line($child[1]));
        StorageLock::$timeout = 0.2;
        $storage = new FileStorage($this->storageDir());
        $root = RootMetadata::createFromJson(Fixtures::metadata('drupal', '1', '1.root.json'))->trust();
        $e = $this->assertThrows(\RuntimeException::class, fn () => $storage->save($root));
        $this->assertStringContainsString('timed out after 0.2 s', $e->getMessage());
        $e = $this->assertThrows(\RuntimeException::class, fn () => $storage->delete('timestamp'));
        $this->assertStringContainsString('timed out after 0.2 s', $e->getMessage());
        proc_terminate($child[0], 9);
        Processes::finish($child);
        $storage->save($root);
        $this->assertSame(['root.json'], array_values(array_diff(scandir($this->storageDir()), ['.', '..'])));
    }

    public function testTheLockIsReentrantWithinAProcess(): void
    {
        // The updater holds it around a refresh whose writes take it again
        // (a second flock in one process would wait for the first).
        StorageLock::$timeout = 0.2;
        $other = new FileStorage($this->storageDir());
        $result = StorageLock::run($this->storageDir(), fn () => StorageLock::run($this->storageDir() . '/.', function () use ($other): string {
            $other->delete('timestamp');
            return 'nested';
        }));
        $this->assertSame('nested', $result);
        // Released afterwards: a native lock on the directory is free.
        $lock = new \Tuf\Native\DirectoryLock($this->storageDir(), ['lockTimeout' => 0.2]);
        $this->assertTrue($lock->isHeld());
        $lock->release();
        $this->assertFalse($lock->isHeld());
    }
}
