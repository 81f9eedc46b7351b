<?php

/**
 * Compares the reachable API of php-tuf 0.1.7 with the shim's: dumps each
 * with api-dump.php in its own process and reports every difference not
 * in api-allowlist.php, and every allow-list entry that matches nothing.
 *
 *   php api-diff.php PHP_TUF_SRC SHIM_SRC
 *
 * Exit status 0 when the only differences are the allowed ones.
 */

declare(strict_types=1);

[, $reference, $shim] = $argv + [null, '', ''];
if (!is_dir($reference) || !is_dir($shim)) {
    fwrite(STDERR, "usage: php api-diff.php PHP_TUF_SRC SHIM_SRC\n");
    exit(2);
}

function dump(string $src): array
{
    $command = escapeshellarg(PHP_BINARY) . ' -n -d display_errors=stderr -d error_reporting=24575 ' . escapeshellarg(__DIR__ . '/api-dump.php') . ' ' . escapeshellarg($src);
    exec($command, $lines, $status);
    if ($status !== 0) {
        fwrite(STDERR, "api-diff: dumping $src failed\n");
        exit(1);
    }
    return flatten(json_decode(implode("\n", $lines), true, 512, JSON_THROW_ON_ERROR));
}

/** One entry per class header, constant, property and method. */
function flatten(array $api): array
{
    $flat = [];
    foreach ($api as $class => $entry) {
        $members = ['constants' => '', 'properties' => '$', 'methods' => ''];
        $header = $entry;
        foreach (array_keys($members) as $kind) {
            unset($header[$kind]);
        }
        $flat[$class] = json_encode($header);
        foreach ($members as $kind => $sigil) {
            foreach ($entry[$kind] ?? [] as $name => $signature) {
                $flat["$class::$sigil$name"] = $signature;
            }
        }
    }
    return $flat;
}

$allow = require __DIR__ . '/api-allowlist.php';
$ref = dump($reference);
$ours = dump($shim);
$used = [];
$unexpected = [];
$names = array_unique([...array_keys($ref), ...array_keys($ours)]);
sort($names);
foreach ($names as $name) {
    $a = $ref[$name] ?? null;
    $b = $ours[$name] ?? null;
    if ($a === $b) {
        continue;
    }
    $class = explode('::', $name)[0];
    foreach ($allow as $pattern => $reason) {
        // A class pattern also covers the members of that class.
        if (fnmatch($pattern, $name, FNM_NOESCAPE) || (!str_contains($pattern, '::') && fnmatch($pattern, $class, FNM_NOESCAPE))) {
            $used[$pattern] = true;
            continue 2;
        }
    }
    $unexpected[] = sprintf("%s\n    php-tuf 0.1.7: %s\n    shim:          %s", $name, $a ?? '(absent)', $b ?? '(absent)');
}
$stale = array_diff(array_keys($allow), array_keys($used));
foreach ($unexpected as $line) {
    echo "DIFFERENT $line\n";
}
foreach ($stale as $pattern) {
    echo "UNUSED allow-list entry: $pattern\n";
}
printf("api-diff: %d names compared, %d allowed differences, %d unexpected, %d unused allow-list entries\n",
    count($names), count(array_filter($names, fn ($n) => ($ref[$n] ?? null) !== ($ours[$n] ?? null))) - count($unexpected),
    count($unexpected), count($stale));
exit($unexpected === [] && $stale === [] ? 0 : 1);
