<?php

declare(strict_types=1);

/*
 * Bootstrap of the tuf_native PHPUnit suite: the extension must already be
 * loaded (php -d extension=...), the python-tuf fixtures must exist.
 */

if (!extension_loaded('tuf_native')) {
    fwrite(STDERR, "tuf_native is not loaded: run php -d extension=\"\$(scripts/build-ext)\" /usr/bin/phpunit -c tests/php-ext/phpunit.xml\n");
    exit(1);
}

// The fixture reader both PHPUnit suites share.
require __DIR__ . '/../../php/tests/Support/FixtureFiles.php';
require __DIR__ . '/Support.php';
require __DIR__ . '/MemoryStore.php';
require __DIR__ . '/ApiDescription.php';

$fixtures = \Tuf\Native\Tests\Fixtures::root();
if (!is_file($fixtures . '/VERSION')) {
    fwrite(STDERR, "python-tuf fixtures missing at $fixtures: run target/pyenv/bin/python tests/fixtures/generate.py target/fixtures (scripts/test does it)\n");
    exit(1);
}
