<?php

declare(strict_types=1);

// Autoloading without Composer or Packagist: the shim's classes (Tuf\ ->
// src/), the test helpers (TufNative\Shim\Tests\ -> tests/), and Debian's
// packaged PSR-7 and Guzzle autoloaders (php-guzzlehttp-psr7,
// php-guzzlehttp-promises, php-psr-http-message).

error_reporting(E_ALL);

require_once __DIR__ . '/../bin/Autoloader.php';

\TufNative\Shim\Autoloader::prefixes([
    'Tuf\\' => __DIR__ . '/../src/',
    'TufNative\\Shim\\Tests\\' => __DIR__ . '/',
]);

$vendor = getenv('TUF_SHIM_VENDOR_AUTOLOAD');
if (is_string($vendor) && $vendor !== '') {
    // A Composer vendor/autoload.php, for running against current releases.
    require $vendor;
} else {
    \TufNative\Shim\Autoloader::debianLibraries();
}

if (!extension_loaded('tuf_native') && getenv('TUF_SHIM_ALLOW_NO_EXT') !== '1') {
    fwrite(STDERR, "The tuf_native extension is not loaded: run php -d extension=<path from scripts/build-ext> /usr/bin/phpunit -c php/phpunit.xml\n");
    exit(1);
}

// Tests that need the extension are skipped without it only when
// TUF_SHIM_ALLOW_NO_EXT=1 (for working on the PHP side alone).
