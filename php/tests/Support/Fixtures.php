<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

/**
 * The python-tuf generated repositories of tests/fixtures/generate.py:
 * target/fixtures/<repo>/<state>/{metadata,targets}.
 */
final class Fixtures
{
    use FixtureFiles;

    private static ?string $dir = null;

    /** target/fixtures (or $TUF_FIXTURES), generated first if missing. */
    public static function root(): string
    {
        if (self::$dir !== null) {
            return self::$dir;
        }
        $root = dirname(__DIR__, 3);
        $dir = getenv('TUF_FIXTURES') ?: $root . '/target/fixtures';
        if (!is_file("$dir/VERSION")) {
            $python = "$root/target/pyenv/bin/python";
            $generator = "$root/tests/fixtures/generate.py";
            if (is_executable($python) && is_file($generator)) {
                exec(escapeshellarg($python) . ' ' . escapeshellarg($generator) . ' ' . escapeshellarg($dir) . ' 2>&1', $output, $status);
                if ($status !== 0) {
                    throw new \RuntimeException("Generating fixtures failed:\n" . implode("\n", $output));
                }
            }
            if (!is_file("$dir/VERSION")) {
                throw new \RuntimeException("No fixtures at $dir: run scripts/test, which generates them with python-tuf.");
            }
        }
        return self::$dir = $dir;
    }

    /**
     * Every target path of the Drupal-shaped repository at state 1.
     *
     * @return string[]
     */
    public static function drupalTargets(): array
    {
        $names = [];
        for ($i = 0; $i < 20; $i++) {
            $package = sprintf('drupal/pkg%02d', $i);
            foreach (['1.0.0.0', '1.1.0.0', '1.2.0.0'] as $version) {
                $names[] = "$package/$version";
            }
            $names[] = "p2/$package.json";
        }
        return $names;
    }
}
