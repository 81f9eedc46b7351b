<?php
/**
 * The tuf_native extension through the php-tuf shim (php/), called as
 * php-tuf/composer-integration calls php-tuf (see bench/run).
 *
 *   php -d extension=... shim.php scenario METADATA_URL CACHE_DIR REPO [--verify]
 *   php -d extension=... shim.php hash REPO
 *
 * scenario: a ComposerCompatibleUpdater-like subclass over FileStorage and a
 * curl loader (CurlLoader.php); getLength() (refresh on first use, then the target's
 * verified length) for each lookup of REPO/workload.json, as the plugin
 * does before every download; then (--verify) verify() on each real
 * archive, as the plugin does after Composer downloaded it. CACHE_DIR
 * must hold the trusted root.json.
 * hash: Tuf\Native\Hashes::verifyFile() on each archive with the length and
 * hashes workload.json lists.
 *
 * Prints one JSON line: CPU and wall time per phase ("setup" includes
 * autoloading the shim).
 */

declare(strict_types=1);

require __DIR__ . '/timing.php';

$root = dirname(__DIR__, 2);
// The shim without Composer, as php/bin/sample.php loads it.
require "$root/php/bin/autoload.php";
// The test suite's composer-integration-like updater, and a curl loader
// that reuses its connection as Composer's does.
require "$root/php/tests/Support/ComposerLikeUpdater.php";
require __DIR__ . '/CurlLoader.php';

use GuzzleHttp\Psr7\Utils;
use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Loader\SizeCheckingLoader;
use TufNative\Bench\CurlLoader;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;

function scenario(string $url, string $cache, string $repo, bool $verify): void
{
    $workload = workload($repo);
    // The benchmark's snapshot and timestamp list versions only, so every
    // metadata file is capped at Repository::$maxBytes (php-tuf's 100,000
    // by default): set as composer-integration's "max-bytes" option would,
    // to python-tuf's largest default cap.
    \Tuf\Client\Repository::$maxBytes = 5000000;
    $updater = new ComposerLikeUpdater(new SizeCheckingLoader(new CurlLoader($url, 30)), new FileStorage($cache));
    mark('setup');
    $updater->refresh();
    mark('refresh');
    $found = 0;
    foreach ($workload['lookups'] as $target) {
        $updater->getLength($target);
        $found++;
    }
    mark('lookups');
    $verified = 0;
    if ($verify) {
        foreach ($workload['archives'] as $a) {
            $updater->verify($a['target'], Utils::streamFor(Utils::tryFopen("$repo/{$a['file']}", 'r')));
            $verified++;
        }
        mark('verify');
    }
    echo json_encode(['client' => 'php-ext', 'phases' => phases(), 'found' => $found, 'verified' => $verified]), "\n";
}

function hash_only(string $repo): void
{
    $workload = workload($repo);
    mark('setup');
    foreach ($workload['archives'] as $a) {
        \Tuf\Native\Hashes::verifyFile("$repo/{$a['file']}", $a['length'], ['sha256' => $a['sha256'], 'sha512' => $a['sha512']], $a['target']);
    }
    mark('verify');
    echo json_encode(['client' => 'php-ext', 'phases' => phases(), 'verified' => count($workload['archives'])]), "\n";
}

match ($argv[1] ?? '') {
    'scenario' => scenario($argv[2], $argv[3], $argv[4], in_array('--verify', array_slice($argv, 5), true)),
    'hash' => hash_only($argv[2]),
    default => fwrite(STDERR, "usage: shim.php scenario URL CACHE REPO [--verify] | hash REPO\n"),
};
