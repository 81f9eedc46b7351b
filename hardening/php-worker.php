<?php

declare(strict_types=1);

/*
 * One PHP process of the concurrency torture (hardening/concurrency.py):
 * a long-lived worker, as under PHP-FPM, that keeps refreshing and
 * downloading through the standalone Tuf\Native\Updater with the cache
 * directory shared by every process, until its time is up.
 *
 *   php -d extension=.../libtuf_native.so hardening/php-worker.php \
 *       METADATA_URL TARGETS_URL CACHE_DIR TARGET_DIR SECONDS TARGETS_JSONL SEED
 *
 * Each iteration is one "request": a new Updater, refresh(), and every
 * other time the download of a target the publisher has listed
 * (TARGETS_JSONL, one JSON object per line with "path"). Failures are
 * counted by exception class and normalised message. Prints exactly one
 * line on standard output, a JSON object, and nothing else on success.
 */

use Tuf\Native\Exception\TufException;
use Tuf\Native\Updater;

if ($argc !== 8) {
    fwrite(STDERR, "usage: php-worker.php METADATA_URL TARGETS_URL CACHE_DIR TARGET_DIR SECONDS TARGETS_JSONL SEED\n");
    exit(2);
}
[, $metadataUrl, $targetsUrl, $cacheDir, $targetDir, $seconds, $targetsFile, $seed] = $argv;
mt_srand((int) $seed);
$deadline = microtime(true) + (float) $seconds;

require_once __DIR__ . '/worker-lib.php';
$targets = [];
$targetsRead = 0;

$stats = newStats();
$stats['maxVersions'] = ['root' => 0];
$iteration = 0;
while (microtime(true) < $deadline) {
    $iteration++;
    $op = 'refresh';
    try {
        $u = new Updater($metadataUrl, $cacheDir, ['targetBaseUrl' => $targetsUrl, 'lockTimeout' => 120]);
        $stats['refreshes']++;
        $r = $u->refresh();
        $stats['refreshesOk']++;
        $stats['maxVersions']['root'] = max($stats['maxVersions']['root'], $r['root']);
        if ($iteration % 2 === 0) {
            if ($iteration % 20 === 0 || $targets === []) {
                readTargets($targetsFile, $targets, $targetsRead);
            }
            if ($targets !== []) {
                $op = 'download';
                $target = pickTarget($targets);
                $stats['downloads']++;
                $u->download($target, $targetDir);
                $stats['downloadsOk']++;
            }
        }
    } catch (TufException $e) {
        countFailure($stats, $op, $e);
    } catch (\Throwable $e) {
        $stats['crashes'][] = get_class($e) . ': ' . $e->getMessage();
    }
    unset($u);
}
printStats($stats);
