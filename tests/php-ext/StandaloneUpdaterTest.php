<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\TestCase;
use Tuf\Native\Updater;

/**
 * The standalone Updater: native fetcher (file:// URLs here) and the disk
 * cache, against the python-tuf fixture repositories.
 */
final class StandaloneUpdaterTest extends TestCase
{
    use NativeAssertions;
    use TempDirPerTest;

    private static function metadataUrl(string $repo, string $state): string
    {
        return 'file://' . Fixtures::state($repo, $state) . '/metadata/';
    }

    private static function targetsUrl(string $repo, string $state): string
    {
        return 'file://' . Fixtures::state($repo, $state) . '/targets/';
    }

    private function updater(string $repo, string $state, array $options = []): Updater
    {
        $u = new Updater(self::metadataUrl($repo, $state), "$this->dir/cache", $options);
        $u->initRoot(Fixtures::metadata($repo, '1', '1.root.json'));
        return $u;
    }

    public function testRefreshCachesExactBytesWithSafeModes(): void
    {
        $u = $this->updater('drupal', '1');
        $this->assertSame(0700, fileperms("$this->dir/cache") & 0777);
        $r = $u->refresh(Fixtures::REF_TIME);
        $this->assertSame(['root' => 1, 'timestamp' => 1, 'snapshot' => 1, 'targets' => 1, 'timestampUnchanged' => false], $r);
        foreach (['timestamp', 'snapshot', 'targets'] as $role) {
            $this->assertSame(Fixtures::metadata('drupal', '1', "$role.json"), file_get_contents("$this->dir/cache/$role.json"));
            $this->assertSame(0600, fileperms("$this->dir/cache/$role.json") & 0777);
        }
        $this->assertSame(Fixtures::metadata('drupal', '1', '1.root.json'), file_get_contents("$this->dir/cache/root.json"));
        // A second updater on the same cache: nothing changed upstream.
        $again = new Updater(self::metadataUrl('drupal', '1'), "$this->dir/cache");
        $this->assertFalse($again->initRoot(Fixtures::metadata('drupal', '1', '1.root.json')));
        $this->assertTrue($again->refresh(Fixtures::REF_TIME)['timestampUnchanged']);
    }

    public function testGetTargetInfoAndDownload(): void
    {
        $u = $this->updater('drupal', '1', ['targetBaseUrl' => self::targetsUrl('drupal', '1')]);
        $u->refresh(Fixtures::REF_TIME);
        $info = $u->getTargetInfo('drupal/pkg07/1.2.0.0');
        $this->assertSame('drupal/pkg07/1.2.0.0', $info->getPath());
        $this->assertFileExists("$this->dir/cache/" . $info->getRole() . '.json', 'delegated role cached');
        mkdir("$this->dir/out");
        $path = $u->download('drupal/pkg07/1.2.0.0', "$this->dir/out");
        $this->assertSame("$this->dir/out/drupal/pkg07/1.2.0.0", $path);
        $this->assertSame(Fixtures::target('drupal', '1', 'drupal/pkg07/1.2.0.0'), file_get_contents($path));
        // Already there and verified: kept, even from an unusable base URL.
        $this->assertSame($path, $u->download('drupal/pkg07/1.2.0.0', "$this->dir/out", 'file:///nonexistent/'));
        $this->assertTufKind('NotFoundException', fn () => $u->download('drupal/none/1.0.0.0', "$this->dir/out"), 'not listed');
        $this->assertNull($u->getTargetInfo('drupal/none/1.0.0.0'));
    }

    public function testConsistentSnapshotDownloadUsesHashPrefixedNames(): void
    {
        $u = $this->updater('consistent', '1');
        $u->refresh(Fixtures::REF_TIME);
        mkdir("$this->dir/out");
        $path = $u->download('files/one.txt', "$this->dir/out", self::targetsUrl('consistent', '1'));
        $this->assertSame("$this->dir/out/files/one.txt", $path);
        $sha256 = $u->getTargetInfo('files/one.txt')->getHashes()['sha256'];
        $this->assertSame(Fixtures::target('consistent', '1', "files/$sha256.one.txt"), file_get_contents($path));
    }

    public function testTamperedTargetIsNotWritten(): void
    {
        $u = $this->updater('attacks', '1');
        $u->refresh(Fixtures::REF_TIME);
        mkdir("$this->dir/out");
        $this->assertTufKind('InvalidHashException', fn () => $u->download('file1.txt', "$this->dir/out", self::targetsUrl('attacks', 'target-tampered')));
        $this->assertSame(['.', '..'], scandir("$this->dir/out"), 'nothing left behind');
        $this->assertTufKind('DownloadSizeException', fn () => $u->download('file1.txt', "$this->dir/out", self::targetsUrl('attacks', 'target-longer')));
        $this->assertSame(['.', '..'], scandir("$this->dir/out"));
        $this->assertTufKind('NotFoundException', fn () => $u->download('file1.txt', "$this->dir/out", 'file://' . $this->dir . '/empty/'));
    }

    public function testAttackStatesAreRefusedAndTheCacheKeepsTheBase(): void
    {
        foreach (['ts-rollback' => 'RollbackException', 'snapshot-hash-mismatch' => 'InvalidHashException', 'targets-wrong-key' => 'SignatureThresholdException'] as $state => $exception) {
            TempDir::remove("$this->dir/cache");
            $this->updater('attacks', '1')->refresh(Fixtures::REF_TIME);
            $base = array_map(fn ($r) => file_get_contents("$this->dir/cache/$r.json"), ['timestamp' => 'timestamp', 'targets' => 'targets']);
            $u = new Updater(self::metadataUrl('attacks', $state), "$this->dir/cache");
            $this->assertTufKind($exception, fn () => $u->refresh(Fixtures::REF_TIME));
            $this->assertSame($base['targets'], file_get_contents("$this->dir/cache/targets.json"), $state);
            if ($state === 'ts-rollback') {
                $this->assertSame($base['timestamp'], file_get_contents("$this->dir/cache/timestamp.json"));
            }
        }
    }

    public function testRequiresATrustedRoot(): void
    {
        $u = new Updater(self::metadataUrl('drupal', '1'), "$this->dir/cache");
        $this->assertTufKind('StateException', fn () => $u->refresh(Fixtures::REF_TIME), 'no trusted root');
        $this->assertTufKind('SignatureThresholdException', fn () => $u->initRoot(str_replace('"version": 1', '"version": 7', Fixtures::metadata('drupal', '1', '1.root.json'))));
        file_put_contents("$this->dir/cache/root.json", "corrupt\0");
        // An unusable stored root may be replaced.
        $this->assertTrue($u->initRoot(Fixtures::metadata('drupal', '1', '1.root.json')));
        $this->assertSame(1, $u->refresh(Fixtures::REF_TIME)['root']);
    }

    public function testMissingRepositoryAndBadUrls(): void
    {
        $u = new Updater('file://' . $this->dir . '/no-repo/', "$this->dir/cache");
        $u->initRoot(Fixtures::metadata('drupal', '1', '1.root.json'));
        $this->assertTufKind('NotFoundException', fn () => $u->refresh(Fixtures::REF_TIME), 'timestamp');
        $u = new Updater('gopher://example.invalid/', "$this->dir/cache");
        $this->assertTufKind('IoException', fn () => $u->refresh(Fixtures::REF_TIME));
    }

    public function testDownloadArgumentErrors(): void
    {
        $u = $this->updater('drupal', '1');
        $this->assertTufKind('StateException', fn () => $u->getTargetInfo('p2/drupal/pkg00.json'), 'refresh');
        $u->refresh(Fixtures::REF_TIME);
        $this->assertThrows(\ValueError::class, fn () => $u->download('p2/drupal/pkg00.json', $this->dir), 'Argument #3 ($targetBaseUrl) must be given');
        $this->assertThrows(\ValueError::class, fn () => $u->download('p2/drupal/pkg00.json', "$this->dir\0"), 'Argument #2 ($destinationDir) must not contain any null bytes');
        $this->assertThrows(\ValueError::class, fn () => $u->download("\xff", $this->dir, 'file:///x/'), 'Argument #1 ($target)');
        $this->assertTufKind('IoException', fn () => $u->download('p2/drupal/pkg00.json', "$this->dir/absent", self::targetsUrl('drupal', '1')));
    }

    public function testConstructorErrors(): void
    {
        $this->assertThrows(\ValueError::class, fn () => new Updater('', $this->dir), 'Argument #1 ($metadataUrl) cannot be empty');
        $this->assertThrows(\ValueError::class, fn () => new Updater("\xff", $this->dir), 'valid UTF-8');
        $this->assertThrows(\ValueError::class, fn () => new Updater('file:///x/', "a\0b"), 'Argument #2 ($cacheDir)');
        $this->assertThrows(\ValueError::class, fn () => new Updater('file:///x/', $this->dir, ['fileMode' => 0400]), 'fileMode');
        $this->assertThrows(\ValueError::class, fn () => new Updater('file:///x/', $this->dir, ['fileMode' => 04600]), 'fileMode');
        $this->assertThrows(\ValueError::class, fn () => new Updater('file:///x/', $this->dir, ['deadline' => 0]), 'deadline');
        $this->assertThrows(\ValueError::class, fn () => new Updater('file:///x/', $this->dir, ['readTimeout' => NAN]), 'readTimeout');
        $this->assertThrows(\TypeError::class, fn () => new Updater('file:///x/', $this->dir, ['connectTimeout' => '1']), 'int|float');
        $this->assertThrows(\TypeError::class, fn () => new Updater('file:///x/', $this->dir, ['targetBaseUrl' => 1]), 'string');
        file_put_contents("$this->dir/file", '');
        $this->assertTufKind('IoException', fn () => new Updater('file:///x/', "$this->dir/file"), 'not a directory');
        symlink($this->dir, "$this->dir/link");
        $this->assertTufKind('IoException', fn () => new Updater('file:///x/', "$this->dir/link"), 'symbolic link');
        new Updater('file:///x/', "$this->dir/ok", ['connectTimeout' => 0.5, 'readTimeout' => 2, 'deadline' => 60, 'lowSpeedLimit' => 0, 'lowSpeedTime' => 0.5, 'lockTimeout' => 1, 'fileMode' => 0640, 'maxRootRotations' => 3]);
        $this->assertThrows(\ValueError::class, fn () => new Updater('file:///x/', $this->dir, ['lowSpeedLimit' => -1]), 'lowSpeedLimit');
        $this->assertThrows(\TypeError::class, fn () => new Updater('file:///x/', $this->dir, ['lowSpeedLimit' => 1.5]), 'lowSpeedLimit');
        $this->assertThrows(\ValueError::class, fn () => new Updater('file:///x/', $this->dir, ['lowSpeedTime' => 0]), 'lowSpeedTime');
        $this->assertDirectoryExists("$this->dir/ok");
    }

    /**
     * A server on 127.0.0.1 (OS-chosen port, at most 20 s) serving
     * drupal/1's metadata, timestamp.json one byte every 200 ms.
     *
     * @return array{0: resource, 1: string} the process and its base URL
     */
    private static function tricklingServer(): array
    {
        $dir = Fixtures::state('drupal', '1') . '/metadata';
        $code = <<<'PHP'
            $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
            echo stream_socket_get_name($server, false), "\n";
            $until = time() + 20;
            while (time() < $until && ($c = @stream_socket_accept($server, $until - time()))) {
                $line = fgets($c);
                while (($h = fgets($c)) !== false && trim($h) !== '') {
                }
                $name = basename(explode(' ', (string) $line)[1] ?? '');
                $path = $argv[1] . '/' . $name;
                if (!is_file($path)) {
                    fwrite($c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    fclose($c);
                    continue;
                }
                $body = file_get_contents($path);
                fwrite($c, "HTTP/1.1 200 OK\r\nContent-Length: " . strlen($body) . "\r\nConnection: close\r\n\r\n");
                if ($name !== 'timestamp.json') {
                    fwrite($c, $body);
                } else {
                    foreach (str_split($body) as $byte) {
                        if (@fwrite($c, $byte) !== 1 || time() >= $until) {
                            break;
                        }
                        fflush($c);
                        usleep(200000);
                    }
                }
                fclose($c);
            }
            PHP;
        $process = proc_open([PHP_BINARY, '-n', '-r', $code, $dir], [1 => ['pipe', 'w']], $pipes);
        $address = trim((string) fgets($pipes[1]));
        return [$process, "http://$address/"];
    }

    public function testATricklingServerBreaksTheLowSpeedRule(): void
    {
        [$server, $url] = self::tricklingServer();
        try {
            $u = new Updater($url, "$this->dir/cache", ['lowSpeedLimit' => 1024, 'lowSpeedTime' => 1, 'readTimeout' => 30, 'deadline' => 60]);
            $u->initRoot(Fixtures::metadata('drupal', '1', '1.root.json'));
            $this->assertTufKind('DenialOfServiceException', fn () => $u->refresh(Fixtures::REF_TIME), 'slow retrieval');
            $this->assertSame(['root.json'], array_values(array_diff(scandir("$this->dir/cache"), ['.', '..'])));
            $this->assertSame(Fixtures::metadata('drupal', '1', '1.root.json'), file_get_contents("$this->dir/cache/root.json"));
        } finally {
            proc_terminate($server);
            proc_close($server);
        }
    }

    public function testFileModeOption(): void
    {
        $u = $this->updater('drupal', '1', ['fileMode' => 0644]);
        $u->refresh(Fixtures::REF_TIME);
        $this->assertSame(0644, fileperms("$this->dir/cache/timestamp.json") & 0777);
    }

    public function testCacheLockIsHeldAcrossProcesses(): void
    {
        $this->updater('drupal', '1')->refresh(Fixtures::REF_TIME);
        $cache = "$this->dir/cache";
        // Another process holds the lock (flock on the directory).
        $holder = proc_open([PHP_BINARY, '-n', '-r', '$f = fopen($argv[1], "r"); flock($f, LOCK_EX); echo "locked\n"; fflush(STDOUT); fgets(STDIN);', $cache], [0 => ['pipe', 'r'], 1 => ['pipe', 'w']], $pipes);
        $this->assertSame("locked\n", fgets($pipes[1]));
        try {
            $u = new Updater(self::metadataUrl('drupal', '1'), $cache, ['lockTimeout' => 0.2]);
            $this->assertTufKind('IoException', fn () => $u->refresh(Fixtures::REF_TIME), 'lock');
        } finally {
            fwrite($pipes[0], "\n");
            fclose($pipes[0]);
            fclose($pipes[1]);
            proc_close($holder);
        }
        $this->assertTrue($u->refresh(Fixtures::REF_TIME)['timestampUnchanged']);
    }

    public function testDirectoryLockIsTheCacheLock(): void
    {
        $this->updater('drupal', '1')->refresh(Fixtures::REF_TIME);
        $cache = "$this->dir/cache";
        file_put_contents("$cache/.tmp-killed-writer", 'half');
        $lock = new \Tuf\Native\DirectoryLock($cache);
        $this->assertTrue($lock->isHeld());
        $this->assertFileDoesNotExist("$cache/.tmp-killed-writer", 'stale temporaries are removed by the holder');
        // flock: a second descriptor, even in this process, is excluded.
        $u = new Updater(self::metadataUrl('drupal', '1'), $cache, ['lockTimeout' => 0.2]);
        $e = $this->assertTufKind('IoException', fn () => $u->refresh(Fixtures::REF_TIME));
        $this->assertStringContainsString('timed out after 0.2 s waiting for the lock on', $e->getMessage());
        $e = $this->assertTufKind('IoException', fn () => new \Tuf\Native\DirectoryLock($cache, ['lockTimeout' => 0.1]));
        $this->assertStringContainsString('timed out after 0.1 s', $e->getMessage());
        $lock->release();
        $lock->release();
        $this->assertFalse($lock->isHeld());
        $this->assertTrue($u->refresh(Fixtures::REF_TIME)['timestampUnchanged']);
        // Freed objects release it too.
        $held = new \Tuf\Native\DirectoryLock($cache);
        unset($held);
        (new \Tuf\Native\DirectoryLock($cache, ['lockTimeout' => 0.1]))->release();
    }

    public function testDirectoryLockRefusesBadArguments(): void
    {
        $this->assertTufKind('IoException', fn () => new \Tuf\Native\DirectoryLock("$this->dir/missing"));
        symlink($this->dir, "$this->dir/link");
        $this->assertTufKind('IoException', fn () => new \Tuf\Native\DirectoryLock("$this->dir/link"));
        $this->expectException(\ValueError::class);
        $this->expectExceptionMessage('Tuf\Native\DirectoryLock::__construct(): Argument #2 ($options) contains the unknown option "timeout"');
        new \Tuf\Native\DirectoryLock($this->dir, ['timeout' => 1]);
    }

    public function testOverHttpFromALocalServer(): void
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $docroot = Fixtures::state('drupal', '1');
        $server = proc_open([PHP_BINARY, '-n', '-S', "127.0.0.1:$port", '-t', $docroot], [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        try {
            for ($i = 0; $i < 100 && !@fsockopen('127.0.0.1', $port); $i++) {
                usleep(50_000);
            }
            $base = "http://127.0.0.1:$port";
            $u = new Updater("$base/metadata/", "$this->dir/cache", ['targetBaseUrl' => "$base/targets/", 'deadline' => 30]);
            $u->initRoot(Fixtures::metadata('drupal', '1', '1.root.json'));
            // 2.root.json is a 404: the root chain ends there.
            $this->assertSame(1, $u->refresh(Fixtures::REF_TIME)['root']);
            mkdir("$this->dir/out");
            $path = $u->download('p2/drupal/pkg11.json', "$this->dir/out");
            $this->assertSame(Fixtures::target('drupal', '1', 'p2/drupal/pkg11.json'), file_get_contents($path));
            mkdir("$this->dir/out2");
            $this->assertTufKind('NotFoundException', fn () => $u->download('p2/drupal/pkg11.json', "$this->dir/out2", "$base/nothing/"), '404');
        } finally {
            proc_terminate($server);
            proc_close($server);
        }
    }

    public function testStatusAfterRefresh(): void
    {
        $u = $this->updater('consistent', '2');
        $this->assertFalse($u->status()['refreshed']);
        $u->refresh(Fixtures::REF_TIME);
        $status = $u->status();
        $this->assertTrue($status['consistentSnapshot']);
        $this->assertSame(2, $status['roles']['timestamp']['version']);
    }
}
