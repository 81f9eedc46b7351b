<?php

declare(strict_types=1);

/*
 * One PHP process of the concurrency torture (hardening/concurrency.py)
 * driving the php-tuf shim as php-tuf/composer-integration does: each
 * iteration (a `composer` run, or a Drupal cron request) builds a
 * FileStorage on the shared directory and an updater over an HTTP loader,
 * refreshes, and every other time asks getLength() for one to three
 * listed targets, downloads each capped at that length and verify()s it.
 *
 *   php -d extension=.../libtuf_native.so hardening/php-shim-worker.php \
 *       SHIM_SRC METADATA_URL TARGETS_URL STORAGE_DIR SECONDS TARGETS_JSONL SEED [LOAD_DELAY_MS]
 *
 * SHIM_SRC is the shim's src/ directory (php/src; another checkout's to
 * measure it). LOAD_DELAY_MS slows every metadata load, widening the
 * window in which the repository publishes during a refresh. Failures are
 * counted by exception class and normalised message; anything that is not
 * a php-tuf exception (Tuf\Exception\TufException) or the lock's
 * \RuntimeException is a crash. Prints exactly one line, a JSON object.
 */

use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Utils;
use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Exception\TufException;
use Tuf\Loader\LoaderInterface;
use Tuf\Loader\SizeCheckingLoader;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\HttpLoader;

if ($argc < 8) {
    fwrite(STDERR, "usage: php-shim-worker.php SHIM_SRC METADATA_URL TARGETS_URL STORAGE_DIR SECONDS TARGETS_JSONL SEED [LOAD_DELAY_MS]\n");
    exit(2);
}
[, $shimSrc, $metadataUrl, $targetsUrl, $storageDir, $seconds, $targetsFile, $seed] = $argv;
$delayMs = (int) ($argv[8] ?? 0);

spl_autoload_register(static function (string $class) use ($shimSrc): void {
    $prefixes = [
        'Tuf\\' => rtrim($shimSrc, '/') . '/',
        'TufNative\\Shim\\Tests\\Support\\' => __DIR__ . '/../php/tests/Support/',
    ];
    foreach ($prefixes as $prefix => $dir) {
        if (str_starts_with($class, $prefix) && !str_starts_with($class, 'Tuf\\Native\\')) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
foreach (['Psr/Http/Message', 'GuzzleHttp/Psr7', 'GuzzleHttp/Promise'] as $package) {
    require_once "/usr/share/php/$package/autoload.php";
}

mt_srand((int) $seed);
$deadline = microtime(true) + (float) $seconds;

require_once __DIR__ . '/worker-lib.php';

/** The HTTP loader, each load slowed by $delayMs. */
final class SlowLoader implements LoaderInterface
{
    public function __construct(private LoaderInterface $inner, private int $delayMs)
    {
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        if ($this->delayMs > 0) {
            usleep($this->delayMs * 1000);
        }
        return $this->inner->load($locator, $maxBytes);
    }
}

$targets = [];
$targetsRead = 0;
$stats = [
    'refreshes' => 0,
    'refreshesOk' => 0,
    'downloads' => 0,
    'downloadsOk' => 0,
    'failures' => [],
    'crashes' => [],
];
$iteration = 0;
while (microtime(true) < $deadline) {
    $iteration++;
    $op = 'refresh';
    try {
        $loader = new SlowLoader(new HttpLoader($metadataUrl), $delayMs);
        $updater = new ComposerLikeUpdater(new SizeCheckingLoader($loader), new FileStorage($storageDir));
        $stats['refreshes']++;
        $updater->refresh();
        $stats['refreshesOk']++;
        if ($iteration % 2 === 0) {
            if ($iteration % 20 === 0 || $targets === []) {
                readTargets($targetsFile, $targets, $targetsRead);
            }
            $n = count($targets);
            for ($k = mt_rand(1, 3); $k > 0 && $n > 0; $k--) {
                $op = 'download';
                // Mostly recent releases, sometimes the fixture's own.
                $target = $targets[mt_rand(0, 3) === 0 ? mt_rand(0, $n - 1) : max(0, $n - 1 - mt_rand(0, min(40, $n - 1)))];
                $stats['downloads']++;
                $max = $updater->getLength($target);
                $url = $targetsUrl . implode('/', array_map('rawurlencode', explode('/', $target)));
                $data = HttpLoader::get($url, $target, $max - 1);
                $updater->verify($target, Utils::streamFor($data));
                $stats['downloadsOk']++;
            }
        }
    } catch (TufException $e) {
        countFailure($stats, $op, $e);
    } catch (\RuntimeException $e) {
        // The storage's own I/O failures, the lock timeout among them.
        countFailure($stats, $op, $e, 'RuntimeException');
    } catch (\Throwable $e) {
        $stats['crashes'][] = get_class($e) . ': ' . $e->getMessage();
    }
    unset($updater, $loader);
}
$stats['failures'] = (object) $stats['failures'];
echo json_encode($stats, JSON_UNESCAPED_SLASHES), "\n";
