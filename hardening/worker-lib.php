<?php

/**
 * What the PHP torture workers (php-worker.php over the extension,
 * php-shim-worker.php over the shim) share: the failure-message
 * normalisation concurrency.py tallies by, and the reader of the targets
 * the publisher has announced so far.
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
