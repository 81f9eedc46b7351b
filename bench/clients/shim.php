<?php
/**
 * The tuf_native extension through the php-tuf shim (php/), called as
 * php-tuf/composer-integration calls php-tuf (see bench/run).
 *
 *   php -d extension=... shim.php scenario METADATA_URL CACHE_DIR REPO [--verify]
 *   php -d extension=... shim.php hash REPO
 *
 * scenario: a ComposerCompatibleUpdater-like subclass over FileStorage and a
 * plain HTTP loader; getLength() (refresh on first use, then the target's
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

function bench_cpu(): float
{
    $r = getrusage();
    return $r['ru_utime.tv_sec'] * 1e3 + $r['ru_utime.tv_usec'] / 1e3
        + $r['ru_stime.tv_sec'] * 1e3 + $r['ru_stime.tv_usec'] / 1e3;
}

$GLOBALS['bench'] = ['cpu' => bench_cpu(), 'wall' => hrtime(true), 'phases' => []];

function mark(string $name): void
{
    $cpu = bench_cpu();
    $wall = hrtime(true);
    $b = &$GLOBALS['bench'];
    $b['phases'][$name] = ['cpu_ms' => $cpu - $b['cpu'], 'wall_ms' => ($wall - $b['wall']) / 1e6];
    $b['cpu'] = $cpu;
    $b['wall'] = $wall;
}

$root = dirname(__DIR__, 2);
// The shim without Composer, as php/bin/sample.php loads it.
require "$root/php/bin/autoload.php";

use GuzzleHttp\Promise\Create;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Utils;
use Psr\Http\Message\StreamInterface;
use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Client\Updater;
use Tuf\Exception\DownloadSizeException;
use Tuf\Exception\NotFoundException;
use Tuf\Loader\LoaderInterface;
use Tuf\Loader\SizeCheckingLoader;

/** composer-integration's ComposerCompatibleUpdater, in short. */
final class ComposerCompatibleUpdater extends Updater
{
    public function verify(string $target, StreamInterface $data): void
    {
        parent::verify($target, $data);
    }

    public function getLength(string $target): int
    {
        $this->refresh();
        $metadata = $this->getMetadataForTarget($target);
        if ($metadata === null) {
            throw new NotFoundException($target, 'Target');
        }
        return $metadata->getLength($target) + 1;
    }
}

/** A plain HTTP loader (PHP's http stream wrapper), 404 as NotFoundException. */
final class HttpLoader implements LoaderInterface
{
    public function __construct(private string $baseUrl)
    {
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        try {
            $url = $this->baseUrl . implode('/', array_map('rawurlencode', explode('/', $locator)));
            $context = stream_context_create(['http' => ['ignore_errors' => true, 'timeout' => 30, 'follow_location' => 0]]);
            $handle = @fopen($url, 'rb', false, $context);
            if ($handle === false) {
                throw new \RuntimeException("Cannot connect for $url");
            }
            try {
                $headers = stream_get_meta_data($handle)['wrapper_data'] ?? [];
                $status = preg_match('#^HTTP/\S+ (\d{3})#', $headers[0] ?? '', $m) ? (int) $m[1] : 0;
                if ($status === 404) {
                    throw new NotFoundException($locator);
                }
                if ($status !== 200) {
                    throw new \RuntimeException("$url: HTTP $status");
                }
                $body = stream_get_contents($handle, $maxBytes + 1);
                if (strlen($body) > $maxBytes) {
                    throw new DownloadSizeException("$locator is larger than $maxBytes bytes");
                }
            } finally {
                fclose($handle);
            }
            return Create::promiseFor(Utils::streamFor($body));
        } catch (\Throwable $e) {
            return Create::rejectionFor($e);
        }
    }
}

function workload(string $repo): array
{
    return json_decode(file_get_contents("$repo/workload.json"), true, 512, JSON_THROW_ON_ERROR);
}

function scenario(string $url, string $cache, string $repo, bool $verify): void
{
    $workload = workload($repo);
    // The benchmark's snapshot and timestamp list versions only, so every
    // metadata file is capped at Repository::$maxBytes (php-tuf's 100,000
    // by default): set as composer-integration's "max-bytes" option would,
    // to python-tuf's largest default cap.
    \Tuf\Client\Repository::$maxBytes = 5000000;
    $updater = new ComposerCompatibleUpdater(new SizeCheckingLoader(new HttpLoader($url)), new FileStorage($cache));
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
    echo json_encode(['client' => 'php-ext', 'phases' => $GLOBALS['bench']['phases'], 'found' => $found, 'verified' => $verified]), "\n";
}

function hash_only(string $repo): void
{
    $workload = workload($repo);
    mark('setup');
    foreach ($workload['archives'] as $a) {
        \Tuf\Native\Hashes::verifyFile("$repo/{$a['file']}", $a['length'], ['sha256' => $a['sha256'], 'sha512' => $a['sha512']], $a['target']);
    }
    mark('verify');
    echo json_encode(['client' => 'php-ext', 'phases' => $GLOBALS['bench']['phases'], 'verified' => count($workload['archives'])]), "\n";
}

match ($argv[1] ?? '') {
    'scenario' => scenario($argv[2], $argv[3], $argv[4], in_array('--verify', array_slice($argv, 5), true)),
    'hash' => hash_only($argv[2]),
    default => fwrite(STDERR, "usage: shim.php scenario URL CACHE REPO [--verify] | hash REPO\n"),
};
