<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use Tuf\Native\Exception\TufException;
use TufNative\Shim\Tests\Support\FixtureFiles;
use Tuf\Native\Updater;

/** Paths and constants shared by the tests. */
final class Fixtures
{
    use FixtureFiles;

    /** 2030-01-01T00:00:00Z: the fixtures' reference time. */
    public const REF_TIME = 1893456000;

    public static function repoRoot(): string
    {
        return dirname(__DIR__, 2);
    }

    public static function root(): string
    {
        $dir = getenv('TUF_FIXTURES');
        return ($dir !== false && $dir !== '') ? $dir : self::repoRoot() . '/target/fixtures';
    }

    /** The built extension, for PHP subprocesses. */
    public static function extension(): string
    {
        $ext = getenv('TUF_NATIVE_EXT');
        return ($ext !== false && $ext !== '') ? $ext : self::repoRoot() . '/target/release/libtuf_native.so';
    }
}

/**
 * A repository "server" for Updater::withCallbacks(): serves one fixture
 * state, logs every request, and keeps the metadata store in memory.
 */
final class CallbackRepo
{
    public string $repo;
    public string $state;
    /** @var list<string> */
    public array $log = [];
    /** @var array<string, string> role => bytes */
    public array $stored = [];
    /** @var list<string> */
    public array $removed = [];
    /** @var array<string, string> file name => body served instead */
    public array $overrides = [];

    public function __construct(string $repo, string $state, string $trustedRootState = '1')
    {
        $this->repo = $repo;
        $this->state = $state;
        $this->stored['root'] = Fixtures::metadata($repo, $trustedRootState, '1.root.json');
    }

    public function serve(string $state): void
    {
        $this->state = $state;
        $this->log = [];
    }

    /** @return list<string> the requests since the last call */
    public function takeLog(): array
    {
        $log = $this->log;
        $this->log = [];
        return $log;
    }

    public function fetch(string $name, int $maxBytes): ?string
    {
        $this->log[] = $name;
        if (array_key_exists($name, $this->overrides)) {
            return $this->overrides[$name];
        }
        $path = Fixtures::state($this->repo, $this->state) . "/metadata/$name";
        return is_file($path) ? Fixtures::read($path) : null;
    }

    /** An updater over this repository; $forget: whether $remove forgets. */
    public function updater(array $options = [], bool $forget = true): Updater
    {
        return Updater::withCallbacks(
            fn (string $name, int $max): ?string => $this->fetch($name, $max),
            fn (string $role): ?string => $this->stored[$role] ?? null,
            function (string $role, string $bytes): void {
                $this->stored[$role] = $bytes;
            },
            function (string $role) use ($forget): void {
                $this->removed[] = $role;
                if ($forget) {
                    unset($this->stored[$role]);
                }
            },
            $options
        );
    }

    /** signed.version of a stored role, or null. */
    public function storedVersion(string $role): ?int
    {
        if (!isset($this->stored[$role])) {
            return null;
        }
        $json = json_decode($this->stored[$role], true);
        return $json['signed']['version'] ?? null;
    }
}

/** A temporary directory removed by cleanup(). */
final class TempDir
{
    public static function create(string $tag): string
    {
        $dir = sys_get_temp_dir() . '/tuf-native-' . $tag . '-' . getmypid() . '-' . bin2hex(random_bytes(4));
        if (!mkdir($dir, 0700, true)) {
            throw new \RuntimeException("cannot create $dir");
        }
        return $dir;
    }

    public static function remove(string $dir): void
    {
        if (!file_exists($dir) && !is_link($dir)) {
            return;
        }
        if (is_link($dir) || !is_dir($dir)) {
            unlink($dir);
            return;
        }
        foreach (scandir($dir) as $entry) {
            if ($entry !== '.' && $entry !== '..') {
                self::remove("$dir/$entry");
            }
        }
        rmdir($dir);
    }
}

/** A test case's own temporary directory, $this->dir, made anew for each test. */
trait TempDirPerTest
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = TempDir::create(strtolower((new \ReflectionClass($this))->getShortName()));
    }

    protected function tearDown(): void
    {
        TempDir::remove($this->dir);
    }
}

/** PHP subprocesses, for what must not happen in the test process. */
final class Subprocess
{
    /**
     * Runs $code with only the given extension loaded (php -n).
     *
     * @param list<string> $iniArgs extra -d settings
     * @return array{stdout: string, stderr: string, status: int}
     */
    public static function php(string $code, ?string $extension, array $iniArgs = []): array
    {
        $cmd = [PHP_BINARY, '-n'];
        if ($extension !== null) {
            $cmd[] = '-d';
            $cmd[] = 'extension=' . $extension;
        }
        foreach ($iniArgs as $ini) {
            $cmd[] = '-d';
            $cmd[] = $ini;
        }
        $cmd[] = '-r';
        $cmd[] = $code;
        return self::run($cmd);
    }

    /**
     * @param list<string> $cmd
     * @return array{stdout: string, stderr: string, status: int}
     */
    public static function run(array $cmd): array
    {
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, Fixtures::repoRoot());
        if (!is_resource($proc)) {
            throw new \RuntimeException('cannot start ' . implode(' ', $cmd));
        }
        $stdout = stream_get_contents($pipes[1]);
        $stderr = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $status = proc_close($proc);
        return ['stdout' => (string) $stdout, 'stderr' => (string) $stderr, 'status' => $status];
    }
}

/** Assertions on native exceptions. */
trait NativeAssertions
{
    /**
     * Runs $call and asserts it throws exactly $class; returns the exception.
     *
     * @template T of \Throwable
     * @param class-string<T> $class
     * @return T
     */
    protected function assertThrows(string $class, callable $call, ?string $messagePart = null): \Throwable
    {
        try {
            $call();
        } catch (\Throwable $e) {
            $this->assertSame($class, get_class($e), 'unexpected ' . get_class($e) . ': ' . $e->getMessage());
            if ($messagePart !== null) {
                $this->assertStringContainsString($messagePart, $e->getMessage());
            }
            return $e;
        }
        $this->fail("expected $class, nothing was thrown");
    }

    protected function assertTufKind(string $short, callable $call, ?string $messagePart = null): TufException
    {
        return $this->assertThrows('Tuf\\Native\\Exception\\' . $short, $call, $messagePart);
    }
}
