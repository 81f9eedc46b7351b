<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\TestCase;

/**
 * What happens at the edges, in PHP subprocesses: Rust panics, fatal errors
 * and exit() inside callbacks, stderr, and `php --ri tuf_native`.
 */
final class RobustnessTest extends TestCase
{
    private static function probeExtension(): ?string
    {
        $ext = getenv('TUF_NATIVE_PROBE_EXT');
        if ($ext === false || $ext === '') {
            $ext = Fixtures::repoRoot() . '/target/tuf-native-probes/libtuf_native.so';
        }
        return is_file($ext) ? $ext : null;
    }

    /** Code that sets up a callback updater over drupal/1 as $u. */
    private static function callbackUpdater(string $fetchBody): string
    {
        $state = var_export(Fixtures::state('drupal', '1') . '/metadata/', true);
        return <<<PHP
            \$dir = $state;
            \$u = Tuf\\Native\\Updater::withCallbacks(
                function (string \$n, int \$m) use (\$dir) { $fetchBody return is_file(\$dir . \$n) ? file_get_contents(\$dir . \$n) : null; },
                fn (string \$r) => \$r === 'root' ? file_get_contents(\$dir . '1.root.json') : null,
                fn () => null,
                fn () => null
            );
            PHP;
    }

    public function testRustPanicBecomesATufExceptionAndPrintsNothing(): void
    {
        $ext = self::probeExtension();
        if ($ext === null) {
            $this->markTestSkipped('the probes build is missing: run scripts/build-ext --probes');
        }
        $run = Subprocess::php(
            'try { Tuf\Native\Internal\Probe::panic("probe panic \u{e9}"); } '
            . 'catch (Tuf\Native\Exception\TufException $e) { echo get_class($e), "|", $e->getMessage(), "|", $e->getLine(), "\n"; } '
            . 'try { Tuf\Native\Internal\Probe::panic("again"); } catch (Throwable $e) { echo get_class($e), "\n"; } '
            . 'echo "alive\n";',
            $ext
        );
        $this->assertSame(0, $run['status'], $run['stderr']);
        $this->assertSame('', $run['stderr'], 'a panic must print nothing');
        $lines = explode("\n", trim($run['stdout']));
        [$class, $message, $line] = explode('|', $lines[0]);
        $this->assertSame('Tuf\\Native\\Exception\\TufException', $class);
        $this->assertStringStartsWith('internal error', $message);
        $this->assertStringContainsString("probe panic \u{e9}", $message);
        $this->assertSame('1', $line);
        $this->assertSame(['Tuf\\Native\\Exception\\TufException', 'alive'], array_slice($lines, 1));
    }

    public function testFatalErrorInACallbackEndsTheScriptCleanly(): void
    {
        $code = self::callbackUpdater('if ($n === "timestamp.json") { $x = str_repeat("x", 64 << 20); }')
            . 'register_shutdown_function(function () use ($u) { echo "shutdown refreshed=", var_export($u->status()["refreshed"], true), "\n"; });'
            . '$u->refresh(1893456000); echo "not reached\n";';
        $run = Subprocess::php($code, Fixtures::extension(), ['memory_limit=32M', 'display_errors=stdout', 'log_errors=0']);
        $this->assertSame(255, $run['status'], $run['stdout'] . $run['stderr']);
        $this->assertStringContainsString('Allowed memory size', $run['stdout']);
        $this->assertStringNotContainsString('not reached', $run['stdout']);
        // Shutdown functions run, and the updater is usable (not left busy).
        $this->assertStringContainsString('shutdown refreshed=false', $run['stdout']);
        $this->assertSame('', $run['stderr']);
    }

    public function testUserErrorInACallbackIsFatalToo(): void
    {
        $code = self::callbackUpdater('trigger_error("stop", E_USER_ERROR);')
            . 'try { $u->refresh(1893456000); } catch (Throwable $e) { echo "caught\n"; } echo "not reached\n";';
        $run = Subprocess::php($code, Fixtures::extension(), ['display_errors=stdout', 'log_errors=0']);
        $this->assertSame(255, $run['status'], $run['stdout'] . $run['stderr']);
        $this->assertStringContainsString('stop', $run['stdout']);
        $this->assertStringNotContainsString('not reached', $run['stdout']);
        $this->assertStringNotContainsString('caught', $run['stdout']);
    }

    public function testExitInACallbackExits(): void
    {
        $code = self::callbackUpdater('if ($n === "timestamp.json") { echo "bye\n"; exit(7); }')
            . 'try { $u->refresh(1893456000); } finally { echo "finally\n"; } echo "not reached\n";';
        $run = Subprocess::php($code, Fixtures::extension());
        $this->assertSame(7, $run['status'], $run['stdout'] . $run['stderr']);
        $this->assertSame("bye\n", $run['stdout']);
        $this->assertSame('', $run['stderr']);
    }

    public function testFailuresPrintNothingToStderr(): void
    {
        $code = self::callbackUpdater('')
            . 'foreach ([fn () => new Tuf\Native\TrustedMetadata(random_bytes(100)), fn () => $u->getTargetInfo("x"),'
            . ' fn () => Tuf\Native\Hashes::verifyFile("/nonexistent", 1, []), fn () => new Tuf\Native\Updater("file:///x/", "/proc/none/x")] as $f) {'
            . ' try { $f(); } catch (Throwable $e) { echo get_class($e), "\n"; } }'
            . '$u->refresh(1893456000); echo "ok\n";';
        $run = Subprocess::php($code, Fixtures::extension(), ['error_reporting=-1', 'display_errors=stderr']);
        $this->assertSame(0, $run['status'], $run['stdout'] . $run['stderr']);
        $this->assertSame('', $run['stderr']);
        $this->assertStringEndsWith("ok\n", $run['stdout']);
    }

    public function testModuleInfo(): void
    {
        $run = Subprocess::run([PHP_BINARY, '-n', '-d', 'extension=' . Fixtures::extension(), '--ri', 'tuf_native']);
        $this->assertSame(0, $run['status'], $run['stderr']);
        $info = $run['stdout'];
        $this->assertSame(phpversion('tuf_native'), (new \ReflectionExtension('tuf_native'))->getVersion());
        foreach ([
            'tuf_native support => enabled',
            'version => ' . phpversion('tuf_native'),
            'ed25519/ed25519',
            'ecdsa/ecdsa-sha2-nistp256',
            'rsa/rsassa-pss-sha256',
            'hash algorithms => sha256, sha384, sha512, blake2b, blake2b-256',
            'default maxRootRotations => 256',
            'default maxRolesVisited => 32',
            'default rootMaxLength => 512000 bytes',
            'default timestampMaxLength => 16384 bytes',
            'default snapshotMaxLength => 2000000 bytes',
            'default targetsMaxLength => 5000000 bytes',
            'default connectTimeout => 10 s',
            'default readTimeout => 30 s',
            'default deadline => 300 s',
            'default lowSpeedLimit => 1024 bytes/s',
            'default lowSpeedTime => 10 s',
        ] as $row) {
            $this->assertStringContainsString($row, $info);
        }
        $this->assertSame('', $run['stderr']);
    }

    public function testLoadsUnderItsModuleName(): void
    {
        $this->assertTrue(extension_loaded('tuf_native'));
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', phpversion('tuf_native'));
        $run = Subprocess::php('echo json_encode(get_extension_funcs("tuf_native"));', Fixtures::extension());
        $this->assertSame('[]', $run['stdout'], 'no functions, classes only');
    }
}
