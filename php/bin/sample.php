<?php

/**
 * What a Drupal site does with this package, on the built-in sample
 * repository: php-tuf/composer-integration's calls into php-tuf's API
 * (here served by the shim over the tuf_native extension), against a
 * TUF-protected Composer repository over HTTP.
 *
 * Usage: php -d extension=<tuf_native.so> php/bin/sample.php BASE_URL ROOT_FILE WORK_DIR
 *   BASE_URL   serves metadata/ and targets/ of the repository
 *   ROOT_FILE  the root metadata the site was set up with
 *   WORK_DIR   where the TUF storage lives (created)
 */

declare(strict_types=1);

use GuzzleHttp\Promise\Create;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Utils;
use Psr\Http\Message\StreamInterface;
use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Client\Updater;
use Tuf\Exception\Attack\InvalidHashException;
use Tuf\Exception\NotFoundException;
use Tuf\Loader\LoaderInterface;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\RootMetadata;

require __DIR__ . '/autoload.php';

[$base, $rootFile, $work] = array_slice($argv, 1) + [null, null, null];
if ($work === null) {
    fwrite(STDERR, "usage: php sample.php BASE_URL ROOT_FILE WORK_DIR\n");
    exit(2);
}

/** Fetches over HTTP, never more than $maxBytes (+1 to detect excess). */
function http_get(string $url, int $maxBytes): ?string
{
    $context = stream_context_create(['http' => ['ignore_errors' => true, 'timeout' => 10]]);
    $handle = @fopen($url, 'rb', false, $context);
    if ($handle === false) {
        throw new RuntimeException("cannot connect for $url");
    }
    try {
        $status = (int) (explode(' ', stream_get_meta_data($handle)['wrapper_data'][0] ?? '')[1] ?? 0);
        if ($status === 404) {
            return null;
        }
        if ($status !== 200) {
            throw new RuntimeException("$url: HTTP $status");
        }
        return (string) stream_get_contents($handle, $maxBytes + 1);
    } finally {
        fclose($handle);
    }
}

/** The metadata loader composer-integration gives php-tuf (over HTTP). */
$loader = new class ("$base/metadata/") implements LoaderInterface {
    public function __construct(private string $baseUrl)
    {
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        $body = http_get($this->baseUrl . $locator, $maxBytes);
        return $body === null
            ? Create::rejectionFor(new NotFoundException($locator))
            : Create::promiseFor(Utils::streamFor($body));
    }
};

/** As composer-integration's ComposerCompatibleUpdater. */
final class SiteUpdater extends Updater
{
    public function verify(string $target, StreamInterface $data): void
    {
        parent::verify($target, $data);
    }

    public function getLength(string $target): int
    {
        $this->refresh();
        $metadata = $this->getMetadataForTarget($target) ?? throw new NotFoundException($target, 'Target');
        return $metadata->getLength($target);
    }
}

/** Runs $step, printing its wall time; returns its result. */
function step(string $what, callable $step): mixed
{
    $start = hrtime(true);
    $result = $step();
    printf("   %-46s %7.2f ms\n", $what, (hrtime(true) - $start) / 1e6);
    return $result;
}

$info = new ReflectionExtension('tuf_native');
printf("tuf_native %s, PHP %s\n", $info->getVersion(), PHP_VERSION);

@mkdir($work, 0700, true);
$storage = new FileStorage($work);
step('trust the initial root (RootMetadata)', function () use ($storage, $rootFile): void {
    $storage->save(RootMetadata::createFromJson((string) file_get_contents($rootFile))->trust());
});
$updater = new SiteUpdater(new SizeCheckingLoader($loader), $storage);
step('refresh (root, timestamp, snapshot, targets)', fn () => $updater->refresh());

/** Downloads a target the way Composer does, then lets TUF verify it. */
$fetch = function (string $target) use ($updater, $base): string {
    $length = $updater->getLength($target);
    $body = http_get("$base/targets/$target", $length) ?? throw new RuntimeException("$target: 404");
    $updater->verify($target, Utils::streamFor($body));
    return $body;
};

$packages = json_decode(step('packages.json: length, download, verify', fn () => $fetch('packages.json')), true);
$verified = 1;
foreach ($packages['available-packages'] as $name) {
    $listing = json_decode(step("p2/$name.json", fn () => $fetch("p2/$name.json")), true);
    $verified++;
    foreach ($listing['packages'][$name] as $release) {
        $target = "$name/{$release['version_normalized']}";
        $zip = step("  $target (zip)", fn () => $fetch($target));
        printf("      %d bytes, sha256 %s…\n", strlen($zip), substr(hash('sha256', $zip), 0, 16));
        $verified++;
    }
}

step('tampered archive is refused', function () use ($updater, $base): void {
    $target = 'drupal/token/1.14.0.0';
    $zip = http_get("$base/targets/$target", $updater->getLength($target));
    $zip[100] = chr(ord($zip[100]) ^ 1);
    try {
        $updater->verify($target, Utils::streamFor($zip));
        throw new RuntimeException('a tampered archive was accepted');
    } catch (InvalidHashException) {
    }
});

$second = new SiteUpdater(new SizeCheckingLoader($loader), $storage);
step('next run: refresh, timestamp unchanged', fn () => $second->refresh());
printf("verified %d targets; trusted metadata in %s:\n", $verified, $work);
foreach (glob("$work/*.json") as $file) {
    $signed = json_decode((string) file_get_contents($file), true)['signed'];
    printf("   %-18s %-9s version %d, expires %s\n", basename($file), $signed['_type'], $signed['version'], $signed['expires']);
}
printf("peak PHP memory %.1f MB\n", memory_get_peak_usage(true) / 1048576);
