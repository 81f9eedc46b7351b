<?php
/**
 * PHP's own hash_file() on the archives (scenario "hash"): the length,
 * sha256 and sha512 that workload.json lists, as a pure-PHP client checks
 * them (php-tuf uses hash_file()/hash_update_stream()).
 *
 *   php hash_file.php REPO
 */

declare(strict_types=1);

function bench_cpu(): float
{
    $r = getrusage();
    return $r['ru_utime.tv_sec'] * 1e3 + $r['ru_utime.tv_usec'] / 1e3
        + $r['ru_stime.tv_sec'] * 1e3 + $r['ru_stime.tv_usec'] / 1e3;
}

$cpu = bench_cpu();
$wall = hrtime(true);
$repo = $argv[1];
$workload = json_decode(file_get_contents("$repo/workload.json"), true, 512, JSON_THROW_ON_ERROR);
$phases = ['setup' => ['cpu_ms' => bench_cpu() - $cpu, 'wall_ms' => (hrtime(true) - $wall) / 1e6]];
$cpu = bench_cpu();
$wall = hrtime(true);
foreach ($workload['archives'] as $a) {
    $path = "$repo/{$a['file']}";
    if (filesize($path) !== $a['length']
        || !hash_equals($a['sha256'], hash_file('sha256', $path))
        || !hash_equals($a['sha512'], hash_file('sha512', $path))) {
        fwrite(STDERR, "{$a['target']}: does not verify\n");
        exit(1);
    }
}
$phases['verify'] = ['cpu_ms' => bench_cpu() - $cpu, 'wall_ms' => (hrtime(true) - $wall) / 1e6];
echo json_encode(['client' => 'php-hash_file', 'phases' => $phases, 'verified' => count($workload['archives'])]), "\n";
