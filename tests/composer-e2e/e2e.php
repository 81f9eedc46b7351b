<?php

/**
 * The real Composer path, end to end: Composer with
 * php-tuf/composer-integration (from ../shared/reference, a path
 * repository) and the shim (php/, replacing php-tuf/php-tuf), PHP with the
 * tuf_native extension, against the generated Drupal-shaped repository
 * served by `php -S` (router.php) on 127.0.0.1.
 *
 *   php e2e.php EXT REPO WORK
 *
 * EXT: the built extension; REPO: the output of generate.py; WORK: an
 * empty scratch directory. Prints one line per check (with Composer's
 * output when it failed, or always with E2E_SHOW=1 in the environment)
 * and "N passed, N failed"; exits 1 if any failed.
 *
 * The server, the site's composer.json and Composer runs are lib.php's;
 * PHP libraries come from Debian (guzzlehttp/psr7, guzzlehttp/promises,
 * psr/http-message; see lib.php). E2E_DELAY_MS=N in the environment
 * delays every answer of the server by N ms (see startServer()).
 * E2E_PREFETCH=1 adds tuf-native's prefetch plugin (php/prefetch): every
 * check holds as without it, and a cold install fetches its hashed bins in
 * one batch (in parallel, checked when E2E_DELAY_MS is set).
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

// EXT is the extension's shared object, loaded with -d extension=; or
// "installed": the one PHP loads itself (a Debian package's conf.d link).
[, $ext, $repo, $work] = $argv + [null, null, null, null];
$installed = $ext === 'installed';
if ((!$installed && !is_file((string) $ext)) || !is_file("$repo/VERSION") || !is_dir((string) $work)) {
    fwrite(STDERR, "usage: php e2e.php EXT|installed REPO WORK\n");
    exit(2);
}
if ($installed && !extension_loaded('tuf_native')) {
    fwrite(STDERR, "composer-e2e: 'installed' given, but PHP loads no tuf_native\n");
    exit(2);
}
$work = realpath($work);
$source = dirname(__DIR__, 2);
$shared = realpath("$source/../shared/reference/composer-integration") ?: setupFailed('no composer-integration at ../shared/reference/composer-integration');

$passed = 0;
$failed = 0;
$composerRuns = 0;
$started = microtime(true);

function check(bool $ok, string $what, string $detail = ''): bool
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    // E2E_SHOW=1: the details (Composer's output) of passing checks too.
    $show = (!$ok || getenv('E2E_SHOW')) && $detail !== '';
    echo ($ok ? 'ok     ' : 'FAILED ') . $what . ($show ? "\n" . preg_replace('/^/m', '         | ', rtrim($detail)) : '') . "\n";
    return $ok;
}

/**
 * Names of the stored TUF files that differ from what $state published
 * (root.json compared with the newest N.root.json): the top-level roles
 * must be there; hashed bins are fetched when a lookup needs them, so each
 * stored one must be as published, and some must be stored.
 */
function storedDiffers(string $dir, string $state): array
{
    global $repo, $tufDir;
    $published = "$repo/$state/metadata";
    $differ = [];
    $bins = 0;
    foreach (glob("$published/*.json") as $file) {
        $name = basename($file);
        if (preg_match('/^\d+\.root\.json$/', $name)) {
            continue;
        }
        $stored = "$dir/$tufDir/$name";
        if (!in_array($name, ['timestamp.json', 'snapshot.json', 'targets.json'], true)) {
            if (!is_file($stored)) {
                continue;
            }
            $bins++;
        }
        if (@file_get_contents($stored) !== file_get_contents($file)) {
            $differ[] = $name;
        }
    }
    if ($bins === 0) {
        $differ[] = '(no hashed bin stored)';
    }
    $roots = glob("$published/*.root.json");
    natsort($roots);
    if (@file_get_contents("$dir/$tufDir/root.json") !== file_get_contents(end($roots))) {
        $differ[] = 'root.json';
    }
    return $differ;
}

/** The error blocks Symfony Console printed: each one's title lines. */
function errorTitles(string $output): array
{
    preg_match_all('/^\s+\[([A-Za-z_\\\\]+)(?: \(\d+\))?\]\s*$/m', $output, $m);
    return $m[1];
}

function tokenInfo(string $dir): string
{
    return (string) @file_get_contents("$dir/vendor/drupal/token/token.info.yml");
}

/**
 * The requests of a cold `composer install` with the prefetch plugin: the
 * hashed bins (every metadata file but the top-level roles) come in one
 * batch, each once, before any archive; with a delay per request, they
 * overlap in time (the batch is fetched in parallel).
 */
function checkOneBatch(array $requests, string $project, string $output): void
{
    $isBin = static fn (array $r): bool => str_starts_with($r['uri'], '/8/metadata/')
        && !preg_match('#/(\d+\.root|timestamp|snapshot|targets)\.json$#', $r['uri']);
    $positions = array_keys(array_filter($requests, $isBin));
    $bins = array_map(static fn (int $i): string => $requests[$i]['uri'], $positions);
    $firstArchive = array_key_first(array_filter($requests, static fn (array $r): bool => str_starts_with($r['uri'], '/8/dist/')));
    $stored = count(glob("$project/" . $GLOBALS['tufDir'] . '/[0-9a-f][0-9a-f][0-9a-f]-*.json'));
    check(count($bins) > 1 && count($bins) === $stored && count(array_unique($bins)) === count($bins)
        && $positions === range($positions[0], $positions[0] + count($positions) - 1) && end($positions) < $firstArchive,
        'prefetch: a cold install fetches its ' . count($bins) . ' bins in one batch, each once, before any archive',
        json_encode(array_map(static fn (array $r): string => $r['uri'], $requests), JSON_PRETTY_PRINT) . "\n" . $output);
    if ((int) getenv('E2E_DELAY_MS') > 0 && count($bins) > 1) {
        $batch = array_map(static fn (int $i): array => $requests[$i], $positions);
        $span = max(array_column($batch, 'end')) - min(array_column($batch, 'start'));
        $busy = array_sum(array_map(static fn (array $r): float => $r['end'] - $r['start'], $batch));
        check($span < 0.75 * $busy, sprintf('prefetch: the batch is served in parallel (%.0f ms for %.0f ms of requests)', $span * 1000, $busy * 1000));
    }
}

$url = startServer($work, $repo);

// ---------------------------------------------------------------- project

$project = "$work/project";
mkdir("$project/tuf", 0777, true);
// The root the project ships: composer-integration looks for
// tuf/<host>.json beside composer.json.
copy("$repo/1/metadata/1.root.json", "$project/tuf/127.0.0.1.json");
$prefetch = (bool) getenv('E2E_PREFETCH');
writeComposerJson($project, siteComposerJson($url, $shared, $prefetch ? clientShimPrefetch($source) : clientShim($source)));
if ($prefetch) {
    echo "composer-e2e: with the prefetch plugin (E2E_PREFETCH)\n";
}

// ---------------------------------------------------------------- the happy path

[$status, $out] = composer($project, ['update']);
check($status === 0 && isset(installed($project)['tuf-native/php-tuf-shim'], installed($project)['php-tuf/composer-integration']),
    'composer update installs composer-integration and the shim (TUF not yet on)', $out);

[$status, $out] = composer($project, ['tuf:protect', $url]);
$repos = json_decode(file_get_contents("$project/composer.json"), true)['repositories'];
check($status === 0 && str_contains($out, "'$url' is now protected by TUF.") && ($repos[0]['tuf'] ?? null) === true,
    'composer tuf:protect marks the repository as TUF-protected', $out);

$json = json_decode(file_get_contents("$project/composer.json"), true);
$json['require'] += SITE_MODULES;
writeComposerJson($project, $json);
$expected1 = SITE_STATE_1;
$before = count(requests());
[$status, $out] = composer($project, ['update']);
$got = drupalModules($project);
ksort($got);
check($status === 0 && $got === $expected1 && str_contains(tokenInfo($project), "version: '1.14.0'"),
    'composer update (state 1) installs the newest verified releases', $out . "\ninstalled: " . json_encode($got));
check(storedDiffers($project, '1') === [], 'the stored TUF state is what state 1 published',
    'differ: ' . implode(', ', storedDiffers($project, '1')));
$made = array_slice(requests(), $before);
$archives = array_filter($made, static fn ($r) => str_starts_with($r['uri'], '/8/dist/'));
check(count($archives) === 5 && count(array_filter($archives, static fn ($r) => $r['status'] === 200)) === 5,
    'the five archives were downloaded from the repository', json_encode(array_values($archives)));
$metadata = array_filter($made, static fn ($r) => str_starts_with($r['uri'], '/8/metadata/'));
$headers = array_unique(array_map(static fn ($r) => $r['x-php-tuf'], $metadata));
check($metadata !== [] && count($headers) === 1 && preg_match('/^client=[^;]*; plugin=1\.0\.0\.0-alpha14$/', (string) reset($headers)) === 1,
    'every TUF metadata request carries X-PHP-TUF with the plugin version', json_encode(array_values($headers)));
// composer-integration puts InstalledVersions::getVersion('php-tuf/php-tuf')
// in client=. Composer records no version for a replaced package (only
// 'replaced' => ['^0.1.7']), so client= is empty whatever the shim's own
// version; what the shim can give is a real version of its own.
$installedPhp = is_file("$project/vendor/composer/installed.php") ? require "$project/vendor/composer/installed.php" : [];
check(($installedPhp['versions']['tuf-native/php-tuf-shim']['version'] ?? null) === '0.1.0.0'
    && ($installedPhp['versions']['php-tuf/php-tuf']['replaced'] ?? null) === ['^0.1.7'],
    'InstalledVersions: the shim at 0.1.0.0, replacing php-tuf/php-tuf ^0.1.7 (header sent: ' . reset($headers) . ')',
    json_encode($installedPhp['versions']['tuf-native/php-tuf-shim'] ?? null) . json_encode($installedPhp['versions']['php-tuf/php-tuf'] ?? null));
$lock1 = file_get_contents("$project/composer.lock");

// composer install from the lock, in a fresh checkout (no vendor/, so no
// stored TUF state: the shipped root is trusted again).
exec('rm -rf ' . escapeshellarg("$project/vendor"));
$before = count(requests());
// -v: the plugin's note on what it prefetched (or why not).
[$status, $out] = composer($project, $prefetch ? ['install', '-v'] : ['install']);
$coldInstall = array_slice(requests(), $before);
$got = drupalModules($project);
ksort($got);
check($status === 0 && $got === $expected1 && file_get_contents("$project/composer.lock") === $lock1,
    'composer install from the lock installs the locked releases', $out);
check(storedDiffers($project, '1') === [], 'after install, the stored TUF state is what state 1 published',
    'differ: ' . implode(', ', storedDiffers($project, '1')));
if ($prefetch) {
    checkOneBatch($coldInstall, $project, $out);
}

serve('2');
[$status, $out] = composer($project, $prefetch ? ['update', '-v'] : ['update']);
check($status === 0 && (drupalModules($project)['drupal/token'] ?? null) === '1.15.0' && str_contains(tokenInfo($project), "version: '1.15.0'"),
    'composer update (state 2) installs drupal/token 1.15.0', $out);
if ($prefetch) {
    // The plugin was active from the start: it ran on Composer's list of
    // operations (pre-operations-exec), for the one package it updates.
    check(preg_match('/^\[TUF\] Prefetched \d+ metadata files for 1 packages in one batch\.$/m', $out) === 1,
        'prefetch: an update runs the prefetch on Composer\'s operations (the one package it updates)', $out);
}
check(storedDiffers($project, '2') === [], 'the stored TUF state is what state 2 published',
    'differ: ' . implode(', ', storedDiffers($project, '2')));

// ---------------------------------------------------------------- attacks

$base = "$work/base";
copyProject($project, $base);
$baseLock = file_get_contents("$base/composer.lock");

$attacks = [
    // state => [exception class, message fragment, stored roles that must stay as in state 2]
    'archive-shorter' => ['Tuf\Exception\Attack\InvalidHashException', 'drupal/token/1.16.0.0', null],
    'archive-longer' => ['Tuf\Exception\Attack\InvalidHashException', 'drupal/token/1.16.0.0', null],
    'p2-flipped' => ['Tuf\Exception\Attack\InvalidHashException', 'p2/drupal/token.json', null],
    'wrong-sha512' => ['Tuf\Exception\Attack\InvalidHashException', 'drupal/token/1.16.0.0', null],
    // Spec 5.4.4 before 5.4.5: the expired timestamp is never stored.
    'timestamp-expired' => ['Tuf\Exception\Attack\FreezeAttackException', 'timestamp', ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json']],
    'timestamp-old-snapshot' => ['Tuf\Exception\Attack\RollbackAttackException', 'snapshot', ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json']],
    'replay' => ['Tuf\Exception\Attack\RollbackAttackException', 'timestamp', ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json']],
];
foreach ($attacks as $state => [$class, $fragment, $unchanged]) {
    $dir = "$work/attack-$state";
    copyProject($base, $dir);
    serve($state);
    [$status, $out] = composer($dir, ['update', '-v']);
    $titles = errorTitles($out);
    check($status !== 0 && in_array($class, $titles, true), "$state: refused with $class", $out);
    $untouched = static fn (): bool => drupalModules($dir) === drupalModules($base) && tokenInfo($dir) === tokenInfo($base)
        && !file_exists("$dir/vendor/drupal/token/EVIL.txt");
    $lockSame = file_get_contents("$dir/composer.lock") === $baseLock;
    if (str_starts_with($state, 'archive-') || $state === 'wrong-sha512') {
        // The listings are authentic, so Composer 2.8 writes drupal/token
        // 1.16.0 into the lock before it downloads (as with php-tuf); the
        // archive is then refused, and refused again by an install.
        check($untouched(), "$state: nothing installed", json_encode(drupalModules($dir)) . ' vs ' . json_encode(drupalModules($base)));
        [$again, $out2] = composer($dir, ['install', '-v']);
        check($again !== 0 && errorTitles($out2) === [$class] && $untouched(),
            "$state: composer install from the lock it left is refused too, nothing installed", $out2);
    } else {
        check($untouched() && $lockSame, "$state: nothing installed, the lock unchanged",
            json_encode(drupalModules($dir)) . ' vs ' . json_encode(drupalModules($base)) . ($lockSame ? '' : ' (lock changed)'));
    }
    check(count($titles) === 1 && !str_contains($out, 'Tuf\Native\\'),
        "$state: exactly one error block, no native exception in it", implode("\n", $titles) . "\n---\n" . $out);
    // The block's message: what comes after the title, up to the blank line.
    $message = preg_match('/^\s+\[' . preg_quote($class, '/') . '\][ ]*\n((?: +\S.*\n)+)/m', $out, $m) ? trim(preg_replace('/\s+/', ' ', $m[1])) : '';
    check(str_contains($message, $fragment) && !str_contains($message, $work) && !str_contains($message, '/tmp'),
        "$state: the message names the target, with no local path in front: \"$message\"", $out);
    if ($unchanged !== null) {
        $changed = array_intersect($unchanged, storedDiffers($dir, '2'));
        check($changed === [], "$state: trusted metadata on disk not rolled back or replaced", 'changed: ' . implode(', ', $changed));
    }
}

// The endless-data attack: a 1 MiB "archive". Composer stops it at the cap
// composer-integration took from TUF (max_file_size, the trusted length
// + 1), before TUF sees it; Composer 2.8.8 on PHP 8.4 then reports a curl
// ErrorException instead of its MaxFileSizeExceededException (as it would
// with php-tuf). Refused, and nothing installed, is what is asserted.
$dir = "$work/attack-archive-endless";
copyProject($base, $dir);
serve('archive-endless');
[$status, $out] = composer($dir, ['update', '-vvv']);
// The trusted length (of the real 1.16.0 archive, served in p2-flipped) + 1.
$cap = filesize("$repo/p2-flipped/targets/drupal/token/1.16.0.0") + 1;
check($status !== 0 && count(errorTitles($out)) === 1 && str_contains($out, "[TUF] Target 'drupal/token/1.16.0.0' limited to $cap bytes.")
    && drupalModules($dir) === drupalModules($base) && tokenInfo($dir) === tokenInfo($base),
    "archive-endless: refused at the cap TUF set ($cap bytes; Composer reports " . implode(', ', errorTitles($out)) . '), nothing installed', $out);

// The control: the same swapped archive with TUF off is installed, so the
// checks above can fail.
$dir = "$work/control";
copyProject($base, $dir);
$json = json_decode(file_get_contents("$dir/composer.json"), true);
$json['repositories'][0]['tuf'] = false;
writeComposerJson($dir, $json);
serve('archive-shorter');
[$status, $out] = composer($dir, ['update']);
check($status === 0 && (drupalModules($dir)['drupal/token'] ?? null) === '1.16.0' && is_file("$dir/vendor/drupal/token/EVIL.txt"),
    'control: with "tuf": false the swapped archive IS installed', $out);

// ---------------------------------------------------------------- no extension

$dir = "$work/no-extension";
copyProject($base, $dir);
serve('2');
[$status, $out] = composer($dir, ['update'], false);
$lines = array_values(array_filter(array_map('trim', explode("\n", $out)), static fn ($l) => str_contains($l, 'tuf_native')));
check($status !== 0 && count($lines) === 1 && str_contains($lines[0], 'extension=tuf_native') && !str_contains($out, 'Exception trace')
    && !preg_match('/^#\d+ /m', $out) && !str_contains($out, 'LogicException'),
    'without the extension: one clear line naming extension=tuf_native, no stack trace: "' . ($lines[0] ?? '') . '"', $out);

printf("composer-e2e: %d Composer runs in %.1f s\n", $composerRuns, microtime(true) - $started);
echo "composer-e2e: $passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
