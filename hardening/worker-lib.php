<?php

/**
 * What the PHP torture workers (php-worker.php over the extension,
 * php-shim-worker.php over the shim) share: the failure-message
 * normalisation concurrency.py tallies by, the reader of the targets the
 * publisher has announced so far, the choice of one, and the tally each
 * prints.
 */

declare(strict_types=1);

/** Same normalisation as hardening/concurrency.py's normalise(). */
function normalise(string $message): string
{
    $m = preg_replace('~(https?|file)://\S+~', 'URL', $message);
    $m = preg_replace('~/\S+~', 'PATH', $m);
    $m = preg_replace('~\d+~', 'N', $m);
    return substr($m, 0, 160);
}

/**
 * Appends to $targets the paths of the JSON lines the publisher added to
 * $file since $offset (a line still being written is read next time).
 */
function readTargets(string $file, array &$targets, int &$offset): void
{
    $f = @fopen($file, 'rb');
    if ($f === false) {
        return;
    }
    fseek($f, $offset);
    while (($line = fgets($f)) !== false) {
        if (!str_ends_with($line, "\n")) {
            break;
        }
        $offset += strlen($line);
        $t = json_decode($line, true);
        if (is_array($t) && isset($t['path'])) {
            $targets[] = $t['path'];
        }
    }
    fclose($f);
}

/**
 * Counts a clean failure of $op in $stats['failures'], keyed by operation,
 * exception class (without namespace, or $class) and normalised message.
 */
function countFailure(array &$stats, string $op, \Throwable $e, ?string $class = null): void
{
    $class ??= substr(strrchr('\\' . get_class($e), '\\'), 1);
    $key = "$op $class: " . normalise($e->getMessage());
    $stats['failures'][$key] = ($stats['failures'][$key] ?? 0) + 1;
}

/** One of $targets (not empty): mostly recent releases, sometimes the fixture's own. */
function pickTarget(array $targets): string
{
    $n = count($targets);
    return $targets[mt_rand(0, 3) === 0 ? mt_rand(0, $n - 1) : max(0, $n - 1 - mt_rand(0, min(40, $n - 1)))];
}

/** The counters a worker starts with. */
function newStats(): array
{
    return [
        'refreshes' => 0,
        'refreshesOk' => 0,
        'downloads' => 0,
        'downloadsOk' => 0,
        'failures' => [],   // "op Class: normalised message" => count
        'crashes' => [],    // anything that is not a clean failure
    ];
}

/** The one line a worker prints: $stats as a JSON object. */
function printStats(array $stats): void
{
    $stats['failures'] = (object) $stats['failures'];
    echo json_encode($stats, JSON_UNESCAPED_SLASHES), "\n";
}
