<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

/**
 * The metadata store of Updater::withCallbacks() kept in a PHP array (role
 * => bytes), for the extension's tests and hardening/php-corpus.php.
 */
final class MemoryStore
{
    /**
     * The load, save and delete callbacks over $stored, which they update.
     *
     * @param array<string, string> $stored
     * @return array{0: \Closure, 1: \Closure, 2: \Closure}
     */
    public static function callbacks(array &$stored): array
    {
        return [
            function (string $role) use (&$stored): ?string {
                return $stored[$role] ?? null;
            },
            function (string $role, string $bytes) use (&$stored): void {
                $stored[$role] = $bytes;
            },
            function (string $role) use (&$stored): void {
                unset($stored[$role]);
            },
        ];
    }
}
