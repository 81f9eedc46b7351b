<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

/**
 * Reading the python-tuf generated repositories of tests/fixtures/
 * generate.py, laid out as root()/<repo>/<state>/{metadata,targets}, and
 * what they hold: for the shim's suite (Fixtures here) and the extension's
 * (tests/php-ext/Support.php), which differ in where root() is.
 */
trait FixtureFiles
{
    /** The fixtures directory. */
    abstract public static function root(): string;

    public static function state(string $repo, string $state): string
    {
        $dir = self::root() . "/$repo/$state";
        if (!is_dir($dir)) {
            throw new \RuntimeException("No fixture state $dir");
        }
        return $dir;
    }

    public static function metadata(string $repo, string $state, string $name): string
    {
        return self::read(self::state($repo, $state) . "/metadata/$name");
    }

    public static function target(string $repo, string $state, string $path): string
    {
        return self::read(self::state($repo, $state) . "/targets/$path");
    }

    /**
     * Where the delegation search of the `delegations` repository at state
     * 1 ends for each target path: the role that lists it, or null (with
     * why, where it is not plain).
     *
     * @return list<array{0: string, 1: ?string, 2: string}> path, role, why
     */
    public static function delegationsSearch(): array
    {
        return [
            ['top.txt', 'targets', ''],
            ['a/one.txt', 'a', ''],
            ['shared/x.txt', 'a', 'listed order'],
            ['shared/y.txt', 'b', ''],
            ['shared/z.txt', null, 'b is terminating: it ends the search'],
            ['c/one.txt', 'd', ''],
            ['b/evil.txt', null, 'a may not sign b/*'],
            ['a/sub/file.txt', 'a-child', ''],
            ['outside/file.txt', null, ''],
            ['a/sub/missing.txt', null, 'cycles end'],
            ['a/leaf/x.txt', 'shared-leaf', ''],
        ];
    }

    public static function read(string $path): string
    {
        $data = @file_get_contents($path);
        if ($data === false) {
            throw new \RuntimeException("Cannot read $path");
        }
        return $data;
    }
}
