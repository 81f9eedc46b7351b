<?php

/**
 * What the Composer end-to-end test (e2e.php) and its latency measurement
 * (latency.php) share: the local repository server, the Drupal site's
 * composer.json for each TUF client, and Composer runs.
 *
 * The caller sets the globals $work (scratch directory), $ext (the
 * extension's shared object, or "installed"), $installed and
 * $composerRuns before calling these.
 *
 * PHP libraries come from Debian (/usr/share/php), not Packagist: a
 * Composer "package" repository describes each one Composer must resolve
 * with the version dpkg reports, a "path" dist at its Debian directory and
 * Debian's autoload.php as its autoloader (which loads the Debian
 * libraries it depends on itself).
 */

declare(strict_types=1);

function setupFailed(string $why): never
{
    fwrite(STDERR, "composer-e2e: $why\n");
    exit(1);
}


// ---------------------------------------------------------------- server

/**
 * Starts `php -S` with router.php on a free port of 127.0.0.1, serving
 * state 1 of $repo; returns the repository's URL. Sets the globals
 * $stateFile, $log (the request log) and $tufDir (where
 * composer-integration stores the TUF state, relative to the project).
 *
 * E2E_DELAY_MS in the environment (the delay mode) is handed to the
 * router, which waits that long before answering each request; the
 * server then runs several workers, so that Composer's parallel downloads
 * overlap their waits as they would over a real network, instead of
 * queueing behind one another.
 */
function startServer(string $work, string $repo): string
{
    global $stateFile, $log, $tufDir;
    $stateFile = "$work/state";
    $log = "$work/requests.log";
    file_put_contents($stateFile, "1\n");
    touch($log);
    $serverErr = "$work/server.err";
    $env = ['E2E_REPO' => realpath($repo), 'E2E_STATE' => $stateFile, 'E2E_LOG' => $log, 'PATH' => getenv('PATH')];
    $delay = getenv('E2E_DELAY_MS');
    if ($delay !== false) {
        ctype_digit($delay) || setupFailed("E2E_DELAY_MS must be a whole number of milliseconds, not '$delay'");
        $env += ['E2E_DELAY_MS' => $delay, 'PHP_CLI_SERVER_WORKERS' => '16'];
    } elseif (getenv('E2E_PREFETCH')) {
        // Parallel requests are answered in parallel, as a real server does.
        $env += ['PHP_CLI_SERVER_WORKERS' => '16'];
    }
    // Bounded lifetime: killed at exit, and by timeout(1) in any case.
    $server = proc_open(
        ['timeout', '3600', PHP_BINARY, '-n', '-S', '127.0.0.1:0', __DIR__ . '/router.php'],
        [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', $serverErr, 'w']],
        $pipes,
        $work,
        $env,
    );
    register_shutdown_function(static function () use ($server): void {
        proc_terminate($server);
        proc_close($server);
    });
    $port = null;
    for ($i = 0; $i < 100 && $port === null; $i++) {
        usleep(50000);
        if (preg_match('#http://127\.0\.0\.1:(\d+)#', (string) @file_get_contents($serverErr), $m)) {
            $port = (int) $m[1];
        }
    }
    $port ?? setupFailed("php -S did not start:\n" . @file_get_contents($serverErr));
    $url = "http://127.0.0.1:$port/8";
    // composer-integration: vendor/composer/tuf/<URL, non-alphanumerics as ->.
    $tufDir = 'vendor/composer/tuf/' . preg_replace('/[^[:alnum:]\.]/', '-', $url);
    return $url;
}

function serve(string $state): void
{
    global $stateFile;
    file_put_contents($stateFile, "$state\n");
}

/** @return list<array{state: string, uri: string, status: int, x-php-tuf: ?string}> */
function requests(): array
{
    global $log;
    return array_map(static fn ($l) => json_decode($l, true), array_filter(explode("\n", file_get_contents($log))));
}

// ---------------------------------------------------------------- project

/** A Debian library as a Composer package, at the version dpkg reports. */
function debian(string $name, string $deb, string $dir, array $require = []): array
{
    $version = trim((string) shell_exec('dpkg-query -W -f \'${Version}\' ' . escapeshellarg($deb) . ' 2>/dev/null'));
    // 2.7.1-1+deb13u2 -> 2.7.1, 6.4.50+dfsg-0+deb13u1 -> 6.4.50: no
    // epoch, no Debian revision, no repack suffix.
    $version = preg_replace(['/^\d+:/', '/-[^-]*$/', '/\+[^+]*$/'], '', $version);
    if ($version === '' || !is_file("$dir/autoload.php")) {
        setupFailed("Debian package $deb is missing (apt-get install $deb)");
    }
    return [
        'name' => $name,
        'version' => $version,
        'type' => 'library',
        'dist' => ['type' => 'path', 'url' => $dir],
        'transport-options' => ['symlink' => true],
        'autoload' => ['files' => ['autoload.php']],
    ] + ($require === [] ? [] : ['require' => $require]);
}

/**
 * A TUF client the site runs under composer-integration: the repositories
 * and Debian packages it comes from, what the site requires for it, and
 * whether Composer's PHP loads tuf_native.
 *
 * @return array{repositories: list<array>, packages: list<array>, require: array<string, string>, extension: bool}
 */
function clientShim(string $source): array
{
    return [
        'repositories' => [['type' => 'path', 'url' => "$source/php", 'options' => ['symlink' => true]]],
        'packages' => [],
        'require' => ['tuf-native/php-tuf-shim' => '*'],
        'extension' => true,
    ];
}

/**
 * The shim with tuf-native's prefetch plugin (php/prefetch): the TUF
 * metadata of every package Composer will download, fetched in one
 * parallel batch before it downloads them.
 */
function clientShimPrefetch(string $source): array
{
    $client = clientShim($source);
    $client['repositories'][] = ['type' => 'path', 'url' => "$source/php/prefetch", 'options' => ['symlink' => true]];
    $client['require']['tuf-native/composer-prefetch'] = '*';
    return $client;
}

/** php-tuf 0.1.7 itself, from its sources ($reference), the extension not loaded. */
function clientPhpTuf(string $reference): array
{
    return [
        'repositories' => [['type' => 'path', 'url' => $reference, 'options' => ['symlink' => true, 'versions' => ['php-tuf/php-tuf' => '0.1.7']]]],
        'packages' => [
            debian('symfony/validator', 'php-symfony-validator', '/usr/share/php/Symfony/Component/Validator'),
            // Debian has no sodium_compat. It is a polyfill that defers to
            // ext-sodium, built into Debian's PHP, and php-tuf calls the
            // sodium_* functions directly: a metapackage requiring
            // ext-sodium stands for it.
            ['name' => 'paragonie/sodium_compat', 'version' => '1.21.1', 'type' => 'metapackage', 'require' => ['ext-sodium' => '*']],
        ],
        'require' => ['php-tuf/php-tuf' => '0.1.7'],
        'extension' => false,
    ];
}

/**
 * The Drupal site's composer.json: the TUF-protectable repository at $url
 * (TUF not yet on), composer-integration from $integration, and $client.
 */
function siteComposerJson(string $url, string $integration, array $client): array
{
    return [
        'name' => 'example/drupal-site',
        'type' => 'project',
        'description' => 'A Drupal site whose packages come from a TUF-protected repository.',
        'repositories' => [
            ['type' => 'composer', 'url' => $url],
            ...$client['repositories'],
            ['type' => 'path', 'url' => $integration, 'options' => ['symlink' => true, 'versions' => ['php-tuf/composer-integration' => '1.0.0-alpha14']]],
            ['type' => 'package', 'package' => [
                debian('psr/http-message', 'php-psr-http-message', '/usr/share/php/Psr/Http/Message'),
                debian('guzzlehttp/promises', 'php-guzzlehttp-promises', '/usr/share/php/GuzzleHttp/Promise'),
                debian('guzzlehttp/psr7', 'php-guzzlehttp-psr7', '/usr/share/php/GuzzleHttp/Psr7', ['psr/http-message' => '^1.1 || ^2.0']),
                ...$client['packages'],
            ]],
            ['packagist.org' => false],
        ],
        'require' => [
            'php-tuf/composer-integration' => '1.0.0-alpha14',
            ...$client['require'],
        ],
        'minimum-stability' => 'alpha',
        'config' => [
            'allow-plugins' => ['php-tuf/composer-integration' => true, 'tuf-native/composer-prefetch' => true],
            'secure-http' => false,
            'audit' => ['abandoned' => 'ignore'],
        ],
    ];
}

/** The Drupal modules the site requires, and what state 1 resolves them to. */
const SITE_MODULES = ['drupal/token' => '^1.13', 'drupal/pathauto' => '^1.12', 'drupal/admin_toolbar' => '^3.4', 'drupal/redirect' => '^1.9'];
const SITE_STATE_1 = ['drupal/admin_toolbar' => '3.5.0', 'drupal/ctools' => '4.1.0', 'drupal/pathauto' => '1.13.0', 'drupal/redirect' => '1.10.0', 'drupal/token' => '1.14.0'];

/** Writes $json as $dir/composer.json. */
function writeComposerJson(string $dir, array $json): void
{
    file_put_contents("$dir/composer.json", json_encode($json, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");
}

/**
 * A copy of the scan directory PHP reads (conf.d) without tuf_native's
 * ini file, for the run without the extension when it is installed.
 */
function withoutTufNative(): string
{
    global $work;
    $dir = "$work/conf.d-without-tuf_native";
    if (!is_dir($dir)) {
        mkdir($dir);
        $scanned = php_ini_scanned_files();
        foreach ($scanned === false ? [] : array_map('trim', explode(',', $scanned)) as $file) {
            if ($file !== '' && !str_contains(basename($file), 'tuf_native')) {
                copy($file, "$dir/" . basename($file));
            }
        }
    }
    return $dir;
}

/**
 * Runs Composer in $dir (a clean cache each time, so every archive and
 * listing is really downloaded); returns [exit status, output, wall
 * time of the Composer process in seconds].
 *
 * @return array{0: int, 1: string, 2: float}
 */
function composer(string $dir, array $args, bool $withExtension = true): array
{
    global $work, $ext, $installed, $composerRuns;
    $composerRuns++;
    $cache = "$work/cache";
    exec('rm -rf ' . escapeshellarg($cache));
    $php = [PHP_BINARY];
    $scanDir = getenv('PHP_INI_SCAN_DIR');
    if ($withExtension && !$installed) {
        $php = [PHP_BINARY, '-d', "extension=$ext"];
    } elseif (!$withExtension && $installed) {
        // The installed module off: PHP's conf.d without its ini file.
        $scanDir = withoutTufNative();
    }
    $out = "$work/composer.out";
    $handle = fopen($out, 'w');
    $start = hrtime(true);
    $proc = proc_open(
        ['timeout', '300', ...$php, '/usr/bin/composer', '--no-ansi', '--no-interaction', ...$args],
        [0 => ['file', '/dev/null', 'r'], 1 => $handle, 2 => $handle],
        $pipes,
        $dir,
        [
            'HOME' => "$work/home",
            'COMPOSER_HOME' => "$work/composer-home",
            'COMPOSER_CACHE_DIR' => $cache,
            'COMPOSER_ALLOW_SUPERUSER' => '1',
            'COMPOSER_NO_AUDIT' => '1',
            // Wide enough that Symfony Console does not cut messages.
            'COLUMNS' => '400',
            'PATH' => getenv('PATH'),
        ] + ($scanDir === false ? [] : ['PHP_INI_SCAN_DIR' => $scanDir]),
    );
    $status = proc_close($proc);
    $wall = (hrtime(true) - $start) / 1e9;
    fclose($handle);
    return [$status, (string) file_get_contents($out), $wall];
}

/** Package name => installed version, from vendor/composer/installed.json. */
function installed(string $dir): array
{
    $file = "$dir/vendor/composer/installed.json";
    if (!is_file($file)) {
        return [];
    }
    $versions = [];
    foreach (json_decode(file_get_contents($file), true)['packages'] as $package) {
        $versions[$package['name']] = $package['version'];
    }
    return $versions;
}

function drupalModules(string $dir): array
{
    return array_filter(installed($dir), static fn ($name) => str_starts_with($name, 'drupal/'), ARRAY_FILTER_USE_KEY);
}

function copyProject(string $from, string $to): void
{
    exec('rm -rf ' . escapeshellarg($to) . ' && cp -a ' . escapeshellarg($from) . ' ' . escapeshellarg($to), $o, $status);
    $status === 0 || setupFailed("cannot copy $from");
}

