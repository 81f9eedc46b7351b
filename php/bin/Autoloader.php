<?php

/**
 * Class loading without Composer, for php/bin/autoload.php, the shim's test
 * bootstrap and the hardening workers: PSR-4 prefixes mapped to directories,
 * and Debian's packaged PSR-7, Guzzle PSR-7 and promises
 * (php-psr-http-message, php-guzzlehttp-psr7, php-guzzlehttp-promises).
 */

declare(strict_types=1);

namespace TufNative\Shim;

final class Autoloader
{
    /**
     * Loads a class under one of $dirs' prefixes (namespace prefix with its
     * trailing backslash => directory) from the file its remaining name
     * gives, when that file exists.
     *
     * @param array<string, string> $dirs
     */
    public static function prefixes(array $dirs): void
    {
        spl_autoload_register(static function (string $class) use ($dirs): void {
            foreach ($dirs as $prefix => $dir) {
                // Tuf\Native\ is the extension's namespace, never a file.
                if (str_starts_with($class, $prefix) && !str_starts_with($class, 'Tuf\\Native\\')) {
                    $file = rtrim($dir, '/') . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
                    if (is_file($file)) {
                        require $file;
                    }
                    return;
                }
            }
        });
    }

    /** Debian's autoloaders of the shim's dependencies; exits if one is missing. */
    public static function debianLibraries(): void
    {
        foreach ([
            '/usr/share/php/Psr/Http/Message/autoload.php',
            '/usr/share/php/GuzzleHttp/Psr7/autoload.php',
            '/usr/share/php/GuzzleHttp/Promise/autoload.php',
        ] as $autoload) {
            if (!is_file($autoload)) {
                fwrite(STDERR, "missing $autoload: apt-get install php-guzzlehttp-psr7 php-guzzlehttp-promises\n");
                exit(1);
            }
            require_once $autoload;
        }
    }
}
