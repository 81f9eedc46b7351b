<?php

/**
 * The latency mode of the Composer end-to-end test: TUF's added wall time
 * for a cold `composer install` and a `composer update` of the e2e's
 * Drupal site, per TUF client, with the local server delaying every
 * request by a fixed time (a network round trip).
 *
 *   php latency.php EXT REPO WORK OUT --delays 30,0 --runs 3
 *
 * EXT: the built extension (for the clients that need it); REPO: the
 * output of generate.py; WORK: an empty scratch directory; OUT: the
 * directory that receives latency.json and latency.md. bench/latency runs
 * it in the lab.
 *
 * For each delay and client: the site is installed once from state 1 with
 * TUF on (the base). Then, `runs` times each, alternating TUF on and off
 * (the repository's "tuf": false, everything else equal):
 *   install: a copy of the base without vendor/ (so no stored TUF state),
 *            `composer install` from the lock: the 5 archives;
 *   update:  a copy of the base, the server on state 2 (drupal/token
 *            1.15.0 released), `composer update`: new timestamp, snapshot
 *            and bin, the listings, one archive.
 * Composer's cache is empty on every run. Added time = median wall time
 * with TUF minus median without; TUF requests = requests under
 * /8/metadata/ in the router's log during a run with TUF.
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

$args = $argv;
array_shift($args);
$options = ['--delays' => '30,0', '--runs' => '3'];
$positional = [];
while ($args !== []) {
    $arg = array_shift($args);
    if (array_key_exists($arg, $options) && $args !== []) {
        $options[$arg] = array_shift($args);
    } else {
        $positional[] = $arg;
    }
}
[$ext, $repo, $work, $out] = $positional + [null, null, null, null];
$delays = array_map('trim', explode(',', $options['--delays']));
$runs = (int) $options['--runs'];
if (count($positional) !== 4 || !is_file((string) $ext) || !is_file("$repo/VERSION") || !is_dir((string) $work)
    || $runs < 1 || array_filter($delays, static fn ($d) => !ctype_digit($d)) !== []) {
    fwrite(STDERR, "usage: php latency.php EXT REPO WORK OUT [--delays MS,MS...] [--runs N]\n");
    exit(2);
}
$installed = false;
$composerRuns = 0;
$work = realpath($work);
$source = dirname(__DIR__, 2);
$integration = realpath("$source/../shared/reference/composer-integration") ?: setupFailed('no composer-integration at ../shared/reference/composer-integration');
$reference = realpath("$source/../shared/reference/php-tuf-0.1.7") ?: setupFailed('no php-tuf 0.1.7 at ../shared/reference/php-tuf-0.1.7');

/**
 * The clients measured, one row of the table each (label => client, see
 * lib.php's clientShim()): a new configuration is one more entry.
 */
$clients = [
    'php-tuf 0.1.7' => clientPhpTuf($reference),
    'shim' => clientShim($source),
    'shim + prefetch' => clientShimPrefetch($source),
];

function median(array $values): float
{
    sort($values);
    $n = count($values);
    return $n % 2 === 1 ? $values[intdiv($n, 2)] : ($values[$n / 2 - 1] + $values[$n / 2]) / 2;
}

/** $dir's composer.json with the TUF flag of the repository set to $tuf. */
function setTuf(string $dir, bool $tuf): void
{
    $json = json_decode(file_get_contents("$dir/composer.json"), true);
    $json['repositories'][0]['tuf'] = $tuf;
    writeComposerJson($dir, $json);
}

/**
 * One timed Composer run; fails the measurement unless it succeeded with
 * $expect installed (a failed run's time means nothing).
 *
 * @return array{wall: float, tuf_requests: int, requests: int}
 */
function timedRun(string $dir, array $command, bool $extension, array $expect): array
{
    $before = count(requests());
    [$status, $output, $wall] = composer($dir, $command, $extension);
    $got = drupalModules($dir);
    ksort($got);
    if ($status !== 0 || $got !== $expect) {
        setupFailed("composer " . implode(' ', $command) . " in $dir failed (status $status, installed " . json_encode($got) . "):\n$output");
    }
    $made = array_slice(requests(), $before);
    $metadata = array_filter($made, static fn ($r) => str_starts_with($r['uri'], '/8/metadata/'));
    return [
        'wall' => round($wall, 4),
        'tuf_requests' => count($metadata),
        'requests' => count($made),
        'tuf_uris' => array_map(static fn ($r) => "{$r['status']} {$r['uri']}", array_values($metadata)),
    ];
}

/**
 * $runs runs with TUF on and off, alternating; $prepare(dir) makes each
 * run's project.
 */
function measure(int $runs, callable $prepare, array $command, bool $extension, array $expect, string $scratch): array
{
    $samples = ['on' => [], 'off' => []];
    for ($i = 0; $i < $runs; $i++) {
        foreach (['on' => true, 'off' => false] as $mode => $tuf) {
            $prepare($scratch);
            setTuf($scratch, $tuf);
            $samples[$mode][] = timedRun($scratch, $command, $extension, $expect);
        }
    }
    $column = static fn (string $mode, string $key) => array_column($samples[$mode], $key);
    $offTuf = array_sum($column('off', 'tuf_requests'));
    $offTuf === 0 || setupFailed("with \"tuf\": false, $offTuf TUF metadata requests were made");
    in_array(0, $column('on', 'tuf_requests'), true) && setupFailed('a run with TUF on made no TUF metadata request');
    $on = median($column('on', 'wall'));
    $off = median($column('off', 'wall'));
    return [
        'added_s' => round($on - $off, 3),
        'wall_on_s' => $on,
        'wall_off_s' => $off,
        'tuf_requests' => (int) median($column('on', 'tuf_requests')),
        'requests_on' => (int) median($column('on', 'requests')),
        'requests_off' => (int) median($column('off', 'requests')),
        'runs' => $samples,
    ];
}

$results = [];
$state2 = SITE_STATE_1;
$state2['drupal/token'] = '1.15.0';
foreach ($delays as $delay) {
    $delay = (int) $delay;
    putenv("E2E_DELAY_MS=$delay");
    $here = "$work/delay-$delay";
    mkdir($here);
    $url = startServer($here, $repo);
    foreach ($clients as $label => $client) {
        $slug = preg_replace('/[^a-z0-9]+/', '-', strtolower($label));
        $base = "$here/$slug-base";
        mkdir("$base/tuf", 0777, true);
        // The root the project ships (composer-integration reads tuf/<host>.json).
        copy("$repo/1/metadata/1.root.json", "$base/tuf/127.0.0.1.json");
        $json = siteComposerJson($url, $integration, $client);
        $json['repositories'][0]['tuf'] = true;
        writeComposerJson($base, $json);
        serve('1');
        echo "== latency: $delay ms, $label: installing the base site\n";
        // composer-integration first: only packages loaded while its plugin
        // is active get the TUF target in their (locked) transport options,
        // without which their archives are never verified.
        timedRun($base, ['update'], $client['extension'], []);
        $json['require'] += SITE_MODULES;
        writeComposerJson($base, $json);
        timedRun($base, ['update'], $client['extension'], SITE_STATE_1);
        $scratch = "$here/$slug-run";
        echo "== latency: $delay ms, $label: composer install, $runs runs with TUF and without\n";
        $install = measure($runs, static function (string $dir) use ($base): void {
            copyProject($base, $dir);
            exec('rm -rf ' . escapeshellarg("$dir/vendor"));
        }, ['install'], $client['extension'], SITE_STATE_1, $scratch);
        serve('2');
        echo "== latency: $delay ms, $label: composer update, $runs runs with TUF and without\n";
        $update = measure($runs, static fn (string $dir) => copyProject($base, $dir), ['update'], $client['extension'], $state2, $scratch);
        $results[] = ['delay_ms' => $delay, 'client' => $label, 'install' => $install, 'update' => $update];
    }
}

// ---------------------------------------------------------------- report

/** Added time in round trips of $delay ms; null at 0 ms. */
function roundTrips(float $added, int $delay): ?float
{
    return $delay === 0 ? null : round($added / ($delay / 1000), 1);
}

$composerVersion = trim((string) shell_exec('composer --version 2>/dev/null | awk \'{print $3}\''));
$load = implode(' ', array_map(static fn ($l) => number_format($l, 2), sys_getloadavg() ?: []));
$when = gmdate('Y-m-d H:i') . ' UTC';
$report = [
    'what' => "TUF's added wall time (median with TUF - median with \"tuf\": false) in the Composer end-to-end site, per request delay",
    'php' => PHP_VERSION,
    'composer' => $composerVersion,
    'runs' => $runs,
    'date' => $when,
    'load_average' => $load,
    'results' => $results,
];
$fmt = static fn (?float $v, int $decimals) => $v === null ? 'n/a' : number_format($v, $decimals, '.', '');
$md = "| delay | client | install added (s) | install TUF requests | install round trips | update added (s) | update TUF requests | update round trips |\n"
    . "|---:|---|---:|---:|---:|---:|---:|---:|\n";
foreach ($results as $r) {
    $row = ["{$r['delay_ms']} ms", $r['client']];
    foreach (['install', 'update'] as $op) {
        $row[] = $fmt($r[$op]['added_s'], 2);
        $row[] = (string) $r[$op]['tuf_requests'];
        $row[] = $fmt(roundTrips($r[$op]['added_s'], $r['delay_ms']), 1);
    }
    $md .= '| ' . implode(' | ', $row) . " |\n";
}
$md .= "\nMedian wall time of $runs runs (s), with TUF / without; requests to the server per run, with TUF / without:\n\n"
    . "| delay | client | install with / without | install requests | update with / without | update requests |\n"
    . "|---:|---|---:|---:|---:|---:|\n";
foreach ($results as $r) {
    $row = ["{$r['delay_ms']} ms", $r['client']];
    foreach (['install', 'update'] as $op) {
        $row[] = $fmt($r[$op]['wall_on_s'], 2) . ' / ' . $fmt($r[$op]['wall_off_s'], 2);
        $row[] = "{$r[$op]['requests_on']} / {$r[$op]['requests_off']}";
    }
    $md .= '| ' . implode(' | ', $row) . " |\n";
}
$md .= "\nPHP " . PHP_VERSION . ", Composer $composerVersion, $when, load average $load at the end; round trips = added time / delay.\n";
is_dir($out) || mkdir($out, 0777, true);
file_put_contents("$out/latency.json", json_encode($report, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");
file_put_contents("$out/latency.md", $md);
echo "\n$md\nlatency: $composerRuns Composer runs; written to $out/latency.json and $out/latency.md\n";
