<?php

/**
 * The differential test: every scenario of driver.php through php-tuf
 * 0.1.7 and through the shim, each scenario in two fresh processes (php-tuf
 * caches metadata objects per process), compared step by step: outcome
 * (exception class and message), loader requests (locator, maxBytes) and
 * storage contents must be equal, except where differences.php lists a
 * deliberate difference, whose steps must show the shim's listed behaviour.
 *
 *   php compare.php PHP_TUF_SRC FIXTURES EXTENSION
 *
 * Prints one line per scenario and "N passed, N failed"; exit status 1 on
 * any failure.
 */

declare(strict_types=1);

[, $phpTufSrc, $fixtures, $extension] = $argv + [null, '', '', ''];
if (!is_dir($phpTufSrc) || !is_dir($fixtures) || !is_file($extension)) {
    fwrite(STDERR, "usage: php compare.php PHP_TUF_SRC FIXTURES EXTENSION\n");
    exit(2);
}

function drive(array $phpArgs, string $impl, string $src, string $fixtures, array $env): array
{
    $command = [PHP_BINARY, ...$phpArgs, __DIR__ . '/driver.php', $impl, $src, $fixtures];
    $process = proc_open($command, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env + getenv());
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    $status = proc_close($process);
    if ($status !== 0) {
        throw new RuntimeException("driver $impl failed ($status): $err");
    }
    return json_decode($out, true, 512, JSON_THROW_ON_ERROR);
}

$phpTuf = static fn (array $env) => drive(['-d', 'display_errors=stderr', '-d', 'error_reporting=E_ALL & ~E_DEPRECATED & ~E_WARNING'], 'php-tuf', $phpTufSrc, $fixtures, $env);
$shim = static fn (array $env) => drive(['-d', 'display_errors=stderr', '-d', "extension=$extension"], 'shim', '-', $fixtures, $env);

/**
 * The requests less the snapshot and targets files downloaded although
 * storage held them byte for byte (driver.php marks them "(stored)"):
 * php-tuf downloads the snapshot and targets again whenever the timestamp
 * changes, and every delegated role once per process; the shim, as
 * python-tuf, uses such verified files from storage (README: "Where the
 * shim differs"). Every other request must be the same, in the same
 * order, with the same maxBytes.
 */
function withoutRedownloads(array $requests): array
{
    return array_values(array_filter($requests, static fn (string $r): bool => !str_ends_with($r, ' (stored)')));
}

$differences = require __DIR__ . '/differences.php';
$names = $shim(['TUF_DIFF_LIST' => '1']);
$passed = $failed = 0;
$seen = [];
foreach ($names as $name) {
    $env = ['TUF_DIFF_ONLY' => $name];
    $theirs = $phpTuf($env)[$name];
    $ours = $shim($env)[$name];
    $difference = $differences[$name] ?? null;
    $from = $difference['from'] ?? count($ours);
    $problems = [];
    foreach ($ours as $i => $step) {
        $theirs[$i]['requests'] = withoutRedownloads($theirs[$i]['requests']);
        $step['requests'] = $ours[$i]['requests'] = withoutRedownloads($step['requests']);
        if ($i < $from) {
            foreach (['outcome', 'requests', 'storage'] as $aspect) {
                if ($step[$aspect] !== $theirs[$i][$aspect]) {
                    $problems[] = sprintf("step %d (%s) %s:\n      php-tuf: %s\n      shim:    %s", $i, $step['step'], $aspect,
                        json_encode($theirs[$i][$aspect], JSON_UNESCAPED_SLASHES), json_encode($step[$aspect], JSON_UNESCAPED_SLASHES));
                }
            }
            continue;
        }
        // A listed difference: the shim's outcome is the one listed, and
        // php-tuf's really differs somewhere from here on.
        $expected = $difference['shim'][$i - $from] ?? '(not listed)';
        if (!fnmatch($expected, $step['outcome'], FNM_NOESCAPE)) {
            $problems[] = sprintf("step %d (%s): expected shim outcome %s, got %s", $i, $step['step'], $expected, $step['outcome']);
        }
    }
    if ($difference !== null) {
        $seen[$name] = true;
        $same = array_column(array_slice($theirs, $from), 'outcome') === array_column(array_slice($ours, $from), 'outcome')
            && array_column(array_slice($theirs, $from), 'requests') === array_column(array_slice($ours, $from), 'requests')
            && array_column(array_slice($theirs, $from), 'storage') === array_column(array_slice($ours, $from), 'storage');
        if ($same) {
            $problems[] = 'listed as a difference, but php-tuf now behaves the same';
        }
    }
    if ($problems === []) {
        $passed++;
        printf("ok     %s%s\n", $name, $difference ? " (differs from step $from: {$difference['why']})" : '');
    } else {
        $failed++;
        printf("FAILED %s\n    %s\n", $name, implode("\n    ", $problems));
        if (getenv('TUF_DIFF_VERBOSE')) {
            echo "  php-tuf: ", json_encode($theirs, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
            echo "  shim: ", json_encode($ours, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
        }
    }
}
foreach (array_diff(array_keys($differences), array_keys($seen)) as $name) {
    $failed++;
    echo "FAILED differences.php lists $name, which is no scenario\n";
}
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
