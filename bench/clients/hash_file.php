<?php
/**
 * PHP's own hash_file() on the archives (scenario "hash"): the length,
 * sha256 and sha512 that workload.json lists, as a pure-PHP client checks
 * them (php-tuf uses hash_file()/hash_update_stream()).
 *
 *   php hash_file.php REPO
 */

declare(strict_types=1);

require __DIR__ . '/timing.php';

$repo = $argv[1];
$workload = workload($repo);
mark('setup');
foreach ($workload['archives'] as $a) {
    $path = "$repo/{$a['file']}";
    if (filesize($path) !== $a['length']
        || !hash_equals($a['sha256'], hash_file('sha256', $path))
        || !hash_equals($a['sha512'], hash_file('sha512', $path))) {
        fwrite(STDERR, "{$a['target']}: does not verify\n");
        exit(1);
    }
}
mark('verify');
echo json_encode(['client' => 'php-hash_file', 'phases' => phases(), 'verified' => count($workload['archives'])]), "\n";
