<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

/**
 * Child processes for the lock tests: PHP with this process's -d settings
 * (the extension), and the tuf-native CLI.
 */
final class Processes
{
    /**
     * PHP_BINARY and the -d options this process was started with (read
     * from /proc/self/cmdline: phpunit runs as php -d extension=...).
     *
     * @return string[]
     */
    public static function php(): array
    {
        $argv = explode("\0", rtrim((string) @file_get_contents('/proc/self/cmdline'), "\0"));
        $command = [PHP_BINARY];
        for ($i = 1; $i < count($argv); $i++) {
            if ($argv[$i] === '-d' && isset($argv[$i + 1])) {
                array_push($command, '-d', $argv[++$i]);
            } elseif (str_starts_with($argv[$i], '-d') && strlen($argv[$i]) > 2) {
                $command[] = $argv[$i];
            }
        }
        return $command;
    }

    /**
     * The tuf-native CLI: $TUF_NATIVE_CLI, else the cargo build's.
     */
    public static function cli(): ?string
    {
        $cli = getenv('TUF_NATIVE_CLI');
        if (is_string($cli) && $cli !== '') {
            if (!is_executable($cli)) {
                throw new \RuntimeException("TUF_NATIVE_CLI=$cli is not executable");
            }
            return $cli;
        }
        $root = dirname(__DIR__, 3);
        foreach (['release', 'debug'] as $profile) {
            if (is_executable("$root/target/$profile/tuf-native")) {
                return "$root/target/$profile/tuf-native";
            }
        }
        return null;
    }

    /**
     * Starts $command with stdout and stderr piped.
     *
     * @return array{0: resource, 1: resource, 2: resource} process, stdout, stderr
     */
    public static function start(array $command): array
    {
        $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('Cannot start ' . implode(' ', $command));
        }
        return [$process, $pipes[1], $pipes[2]];
    }

    /**
     * Reads the next line of $pipe, waiting at most $seconds.
     */
    public static function line($pipe, float $seconds = 30.0): string
    {
        $read = [$pipe];
        $none = [];
        if (stream_select($read, $none, $none, (int) $seconds, (int) (fmod($seconds, 1.0) * 1e6)) !== 1) {
            throw new \RuntimeException("No line from the child in $seconds s");
        }
        return rtrim((string) fgets($pipe), "\n");
    }

    /**
     * Waits for the process to end (at most $seconds); returns [status, stdout, stderr].
     *
     * @param array{0: resource, 1: resource, 2: resource} $child
     * @return array{0: int, 1: string, 2: string}
     */
    public static function finish(array $child, float $seconds = 60.0): array
    {
        [$process, $out, $err] = $child;
        $stdout = stream_get_contents($out);
        $stderr = stream_get_contents($err);
        $until = microtime(true) + $seconds;
        while (($status = proc_get_status($process))['running']) {
            if (microtime(true) > $until) {
                proc_terminate($process, 9);
                throw new \RuntimeException('The child did not end in time');
            }
            usleep(10000);
        }
        proc_close($process);
        return [$status['exitcode'], $stdout, $stderr];
    }

    public static function running(array $child): bool
    {
        return proc_get_status($child[0])['running'];
    }
}
