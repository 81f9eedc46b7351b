<?php

/**
 * Autoloading for running the shim without Composer: the shim's classes
 * (Tuf\ -> ../src/) and Debian's packaged PSR-7, Guzzle PSR-7 and promises
 * (php-psr-http-message, php-guzzlehttp-psr7, php-guzzlehttp-promises).
 * Under Composer, vendor/autoload.php does all of this instead.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    // Tuf\Native\ is the extension's namespace, never a file.
    if (str_starts_with($class, 'Tuf\\') && !str_starts_with($class, 'Tuf\\Native\\')) {
        $file = __DIR__ . '/../src/' . str_replace('\\', '/', substr($class, 4)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

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

if (!extension_loaded('tuf_native')) {
    fwrite(STDERR, "the tuf_native extension is not loaded: php -d extension=<path from scripts/build-ext> ...\n");
    exit(1);
}
