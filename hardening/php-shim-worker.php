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

require_once __DIR__ . '/../php/bin/Autoloader.php';
\TufNative\Shim\Autoloader::prefixes([
    'Tuf\\' => $shimSrc,
    'TufNative\\Shim\\Tests\\Support\\' => __DIR__ . '/../php/tests/Support/',
]);
\TufNative\Shim\Autoloader::debianLibraries();

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
$stats = newStats();
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
                $target = pickTarget($targets);
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
printStats($stats);
