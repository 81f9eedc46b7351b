<?php
/**
 * What the PHP bench clients share: CPU and wall time per phase, and the
 * workload list bench/generate.py writes (REPO/workload.json).
 *
 * Timing starts when this file is loaded; mark() closes a phase, and
 * phases() is what each client prints in its JSON line.
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

/** @return array<string, array{cpu_ms: float, wall_ms: float}> */
function phases(): array
{
    return $GLOBALS['bench']['phases'];
}

function workload(string $repo): array
{
    return json_decode(file_get_contents("$repo/workload.json"), true, 512, JSON_THROW_ON_ERROR);
}
