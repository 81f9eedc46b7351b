<?php

/**
 * Autoloading for running the shim without Composer: the shim's classes
 * (Tuf\ -> ../src/) and Debian's packaged PSR-7, Guzzle PSR-7 and promises
 * (php-psr-http-message, php-guzzlehttp-psr7, php-guzzlehttp-promises).
 * Under Composer, vendor/autoload.php does all of this instead.
 */

declare(strict_types=1);

require_once __DIR__ . '/Autoloader.php';

\TufNative\Shim\Autoloader::prefixes(['Tuf\\' => __DIR__ . '/../src/']);
\TufNative\Shim\Autoloader::debianLibraries();

if (!extension_loaded('tuf_native')) {
    fwrite(STDERR, "the tuf_native extension is not loaded: php -d extension=<path from scripts/build-ext> ...\n");
    exit(1);
}
