<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The shim's reachable API is php-tuf 0.1.7's (tests/php-tuf/api-diff.php:
 * both trees reflected in separate processes), except the differences
 * tests/php-tuf/api-allowlist.php lists; and the comparison does catch a
 * difference.
 */
final class ApiTest extends TestCase
{
    private static function reference(): string
    {
        $candidates = array_filter([
            getenv('TUF_PHP_TUF_SRC') ?: null,
            __DIR__ . '/../../../shared/reference/php-tuf-0.1.7/src',
            __DIR__ . '/../../target/reference/php-tuf-0.1.7/src',
        ]);
        foreach ($candidates as $dir) {
            if (is_dir($dir)) {
                return $dir;
            }
        }
        self::fail("php-tuf 0.1.7's sources are not in ../shared/reference (or set TUF_PHP_TUF_SRC)");
    }

    /** @return array{0: int, 1: string} */
    private static function diff(string $shim): array
    {
        $command = escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(__DIR__ . '/../../tests/php-tuf/api-diff.php')
            . ' ' . escapeshellarg(self::reference()) . ' ' . escapeshellarg($shim) . ' 2>&1';
        exec($command, $lines, $status);
        return [$status, implode("\n", $lines)];
    }

    public function testApiIsPhpTuf017sExceptTheListedDifferences(): void
    {
        [$status, $output] = self::diff(__DIR__ . '/../src');
        $this->assertSame(0, $status, $output);
        $this->assertMatchesRegularExpression('/^api-diff: \d+ names compared, \d+ allowed differences, 0 unexpected, 0 unused/m', $output);
    }

    public function testAChangedSignatureIsCaught(): void
    {
        $copy = sys_get_temp_dir() . '/tuf-api-test-' . bin2hex(random_bytes(4));
        mkdir($copy);
        try {
            exec('cp -a ' . escapeshellarg(__DIR__ . '/../src') . '/. ' . escapeshellarg($copy));
            // Key::$public no longer readonly, Role gains a method.
            $key = file_get_contents("$copy/Key.php");
            file_put_contents("$copy/Key.php", str_replace('public readonly string $public', 'public string $public', $key));
            $role = file_get_contents("$copy/Role.php");
            file_put_contents("$copy/Role.php", preg_replace('/\}\s*$/', "    public function getName(): string { return \$this->name; }\n}\n", $role));
            [$status, $output] = self::diff($copy);
            $this->assertSame(1, $status, $output);
            $this->assertStringContainsString("DIFFERENT Tuf\\Key::\$public\n    php-tuf 0.1.7: public readonly string\n    shim:          public string", $output);
            $this->assertStringContainsString('DIFFERENT Tuf\\Role::getName', $output);
            $this->assertStringContainsString('DIFFERENT Tuf\\DelegatedRole::getName', $output);
        } finally {
            exec('rm -rf ' . escapeshellarg($copy));
        }
    }
}
