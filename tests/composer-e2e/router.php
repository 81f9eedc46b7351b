<?php

/**
 * php -S router: serves one state of the generated repository as
 * packages.drupal.org/8 lays it out, and logs every request.
 *
 *   /8/metadata/<file>                     <state>/metadata/<file>
 *   /8/packages.json, /8/p2/<v>/<n>.json   <state>/targets/...
 *   /8/dist/<v>/<n>/<version>.zip          <state>/targets/<v>/<n>/<version>
 *
 * Environment: E2E_REPO (the generated repository), E2E_STATE (a file
 * naming the state to serve, read on every request, so the test switches
 * states between Composer runs), E2E_LOG (one JSON line per request),
 * E2E_DELAY_MS (optional: wait that long before answering any request, a
 * network round trip's latency).
 */

declare(strict_types=1);

$start = microtime(true);
$delay = (int) getenv('E2E_DELAY_MS');
if ($delay > 0) {
    usleep($delay * 1000);
}

$uri = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?: '/';
$state = trim((string) @file_get_contents(getenv('E2E_STATE')));
$file = null;
if (preg_match('#^/8/(metadata|dist|p2)/([A-Za-z0-9_./~-]+)$#', $uri, $m) && !str_contains($m[2], '..') && $state !== '') {
    $file = match ($m[1]) {
        'metadata' => "metadata/$m[2]",
        'p2' => "targets/p2/$m[2]",
        'dist' => preg_match('#^(.+)\.zip$#', $m[2], $d) ? "targets/$d[1]" : null,
    };
} elseif ($uri === '/8/packages.json' && $state !== '') {
    $file = 'targets/packages.json';
}
$path = $file === null ? null : getenv('E2E_REPO') . "/$state/$file";
$status = $path !== null && is_file($path) ? 200 : 404;

file_put_contents(getenv('E2E_LOG'), json_encode([
    'state' => $state,
    'uri' => $uri,
    'status' => $status,
    'x-php-tuf' => $_SERVER['HTTP_X_PHP_TUF'] ?? null,
    // When the request came and when it was answered (seconds), to tell
    // requests served in parallel from one after another.
    'start' => $start,
    'end' => microtime(true),
]) . "\n", FILE_APPEND | LOCK_EX);

http_response_code($status);
if ($status === 404) {
    header('Content-Type: text/plain');
    echo "not found\n";
    return true;
}
header('Content-Type: ' . (str_ends_with($path, '.json') ? 'application/json' : 'application/zip'));
header('Content-Length: ' . filesize($path));
readfile($path);
return true;
