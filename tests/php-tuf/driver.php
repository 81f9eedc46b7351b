<?php

/**
 * Drives one implementation of php-tuf's API through the differential
 * scenarios and prints, as JSON, what each step did: its outcome (the
 * downloaded data's digest, or the exception's class and message), the
 * loader requests it made (locator and maxBytes, in order) and the files
 * in the storage afterwards.
 *
 *   php driver.php php-tuf PHP_TUF_SRC FIXTURES    (php-tuf 0.1.7 itself)
 *   php -d extension=... driver.php shim - FIXTURES (the shim in php/src)
 *
 * Both define the Tuf\ namespace, so each runs in its own process;
 * compare.php runs both and compares. FIXTURES is target/fixtures/php-tuf
 * (tests/fixtures/generate.py, php_tuf()). php-tuf is only a test oracle.
 */

declare(strict_types=1);

use GuzzleHttp\Promise\Create;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Utils;
use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Client\Repository;
use Tuf\Client\Updater;
use Tuf\Exception\NotFoundException;
use Tuf\Loader\LoaderInterface;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\RootMetadata;

[, $impl, $phpTufSrc, $fixtures] = $argv + [null, '', '', ''];
if (!in_array($impl, ['php-tuf', 'shim'], true) || !is_dir($fixtures)) {
    fwrite(STDERR, "usage: php driver.php php-tuf|shim PHP_TUF_SRC|- FIXTURES\n");
    exit(2);
}

if ($impl === 'shim') {
    require __DIR__ . '/../../php/bin/autoload.php';
} else {
    spl_autoload_register(static function (string $class) use ($phpTufSrc): void {
        if (str_starts_with($class, 'Tuf\\')) {
            $file = $phpTufSrc . '/' . str_replace('\\', '/', substr($class, 4)) . '.php';
            if (is_file($file)) {
                require $file;
            }
        }
    });
    // php-tuf's dependencies, as Debian packages them.
    foreach (['GuzzleHttp/Psr7', 'GuzzleHttp/Promise', 'Symfony/Component/Validator'] as $package) {
        require_once "/usr/share/php/$package/autoload.php";
    }
}

/**
 * Serves one fixture state: a locator is a metadata file name if the state
 * has it, else a target path. Records every request; $missing hides files.
 */
final class StateLoader implements LoaderInterface
{
    public string $state = '';

    /** @var list<array{0: string, 1: int}> */
    public array $requests = [];

    /** @var list<string> */
    public array $missing = [];

    public function __construct(private string $repo, private string $storageDir)
    {
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        foreach (['metadata', 'targets'] as $kind) {
            $path = "$this->repo/$this->state/$kind/$locator";
            if (!in_array($locator, $this->missing, true) && !str_contains($locator, '..') && is_file($path)) {
                $this->requests[] = [$locator, $maxBytes, $kind === 'metadata' && $this->isStored($locator, $path)];
                return Create::promiseFor(Utils::streamFor(fopen($path, 'rb')));
            }
        }
        $this->requests[] = [$locator, $maxBytes, false];
        return Create::rejectionFor(new NotFoundException($locator));
    }

    /**
     * Whether the storage already holds exactly the snapshot or targets
     * file served for $locator ("3.snapshot.json", "a%2Fb.json"...).
     */
    private function isStored(string $locator, string $path): bool
    {
        if ($locator === 'timestamp.json' || preg_match('/^\d+\.root\.json$/', $locator)) {
            return false;
        }
        $role = rawurldecode(preg_replace('/^\d+\./', '', substr($locator, 0, -strlen('.json'))));
        $stored = "$this->storageDir/" . urlencode($role) . '.json';
        return is_file($stored) && file_get_contents($stored) === file_get_contents($path);
    }
}

/** Exposes verify() as composer-integration's ComposerCompatibleUpdater does. */
final class DriverUpdater extends Updater
{
    public function verifyData(string $target, string $data): void
    {
        $this->verify($target, Utils::streamFor($data));
    }
}

/** An application that lowers php-tuf's root rotation limit. */
final class OneRootUpdater extends Updater
{
    const MAX_ROOT_DOWNLOADS = 1;
}

/**
 * The scenarios: a repository of target/fixtures/php-tuf and its steps.
 * ['session', STATE]: a new updater (a new Composer run) refreshing
 * against STATE; ['download', TARGET]: download() and wait; ['verify',
 * TARGET, STATE]: verify() of the file STATE serves for TARGET;
 * ['missing', FILE...]: the loader reports FILEs as not found from now
 * on; ['maxBytes', N]: Repository::$maxBytes = N for the next sessions;
 * ['forget', FILE]: FILE is deleted from the storage directory;
 * ['one-root-session', STATE]: a session of an updater whose
 * MAX_ROOT_DOWNLOADS is 1.
 */
function scenarios(): array
{
    $s = [];
    $s['drupal'] = ['drupal', [
        ['session', '1'],
        ['download', 'drupal/pkg01/1.0.0.0'], ['download', 'p2/drupal/pkg01.json'], ['download', 'drupal/absent/1.0.0.0'],
        ['session', '1'], ['download', 'drupal/pkg01/1.1.0.0'],
        ['session', '2'], ['download', 'drupal/newpkg/1.0.0.0'],
        ['session', '3'], ['download', 'drupal/newpkg/1.0.0.0'], ['download', 'drupal/pkg19/1.2.0.0'],
    ]];
    $s['composer'] = ['composer', [
        ['session', '1'],
        ['download', 'packages.json'], ['download', 'p2/drupal/token.json'], ['download', 'drupal/token/1.13.0.0'],
        ['verify', 'drupal/token/1.13.0.0', '1'], ['verify', 'drupal/token/1.14.0.0', '1'],
        ['session', '2'], ['download', 'p2/drupal/token.json'], ['download', 'drupal/token/1.15.0.0'],
    ]];
    $s['consistent'] = ['consistent', [
        ['session', '1'], ['download', 'hello.txt'], ['download', 'files/one.txt'],
    ]];
    $s['delegations'] = ['delegations', [
        ['session', '1'],
        ['download', 'top.txt'], ['download', 'a/one.txt'], ['download', 'a/sub/file.txt'],
        ['download', 'outside/file.txt'], ['download', 'b/one.txt'], ['download', 'b/evil.txt'],
        ['download', 'shared/x.txt'], ['download', 'shared/y.txt'], ['download', 'shared/z.txt'],
        ['download', 'c/one.txt'], ['download', 'a/leaf/x.txt'],
    ]];
    // shared-leaf through d is delegated to another key than through a.
    $s['delegations-other-key'] = ['delegations', [['session', '1'], ['download', 'c/leaf.txt']]];
    $s['delegations-other-key-after-a'] = ['delegations', [
        ['session', '1'], ['download', 'a/leaf/x.txt'], ['download', 'c/leaf.txt'],
    ]];
    $s['many-roles'] = ['many-roles', [
        ['session', '1'], ['download', 'many/099.txt'], ['download', 'many/100.txt'], ['download', 'many/101.txt'],
    ]];
    // State 3 serves 2.root.json, 3.root.json and 4.root.json.
    $s['rotation-max-root-downloads'] = ['rotation', [
        ['session', '1'], ['one-root-session', '3'], ['one-root-session', '3'], ['one-root-session', '3'], ['download', 'hello.txt'],
    ]];
    $s['rotation'] = ['rotation', [['session', '1'], ['download', 'hello.txt'], ['session', '2'], ['session', '3'], ['download', 'hello.txt']]];
    foreach (['bad-new-threshold', 'bad-old-threshold', 'wrong-version', 'final-expired', 'snapshot-key-only'] as $state) {
        $s["rotation-$state"] = ['rotation', [['session', '1'], ['session', $state], ['download', 'hello.txt']]];
    }
    foreach ([
        'ts-rollback', 'ts-expired', 'ts-snapshot-version-rollback', 'ts-wrong-key', 'ts-wrong-type',
        'snapshot-hash-mismatch', 'snapshot-length-mismatch', 'snapshot-version-mismatch',
        'snapshot-rollback-targets', 'snapshot-role-removed', 'snapshot-expired', 'snapshot-wrong-key',
        'targets-version-mismatch', 'targets-hash-mismatch', 'targets-expired', 'targets-wrong-key',
        'role1-wrong-key', 'role1-expired', 'mix-and-match', 'target-tampered', 'target-longer', 'next-version',
    ] as $state) {
        $s["attacks-$state"] = ['attacks', [
            ['session', '1'], ['download', 'r1/a.txt'],
            ['session', $state], ['download', 'file1.txt'], ['download', 'r1/a.txt'], ['verify', 'file1.txt', $state],
        ]];
    }
    // Repository::$maxBytes caps what no trusted metadata gives a length:
    // root, timestamp (434 bytes here), and targets.json in mix-and-match.
    $s['size-max-bytes-timestamp'] = ['drupal', [['maxBytes', 300], ['session', '1']]];
    $s['size-max-bytes-targets'] = ['attacks', [['session', '1'], ['maxBytes', 1000], ['session', 'mix-and-match']]];
    $s['size-max-bytes-large'] = ['drupal', [['maxBytes', 5000000], ['session', '1'], ['download', 'drupal/pkg01/1.0.0.0']]];
    $s['no-trusted-root'] = ['drupal', [['forget', 'root.json'], ['session', '1']]];
    $s['missing-timestamp'] = ['drupal', [['missing', 'timestamp.json'], ['session', '1']]];
    $s['missing-snapshot'] = ['drupal', [['missing', 'snapshot.json'], ['session', '1']]];
    $s['missing-targets'] = ['drupal', [['missing', 'targets.json'], ['session', '1']]];
    $s['missing-bin'] = ['drupal', [['session', '1'], ['missing', '400-4ff.json'], ['download', 'drupal/pkg01/1.0.0.0']]];
    $s['missing-target-file'] = ['drupal', [['session', '1'], ['missing', 'drupal/pkg01/1.0.0.0'], ['download', 'drupal/pkg01/1.0.0.0']]];
    return $s;
}

function outcome(callable $step): string
{
    try {
        $result = $step();
        return is_string($result) ? 'ok ' . $result : 'ok';
    } catch (\Throwable $e) {
        return get_class($e) . ': ' . $e->getMessage();
    }
}

function storageContents(string $dir): array
{
    $files = [];
    foreach (scandir($dir) as $name) {
        if ($name[0] !== '.') {
            $data = file_get_contents("$dir/$name");
            $files[$name] = substr(hash('sha256', $data), 0, 16);
        }
    }
    return $files;
}

function run(string $fixtures, string $repo, array $steps): array
{
    $storageDir = sys_get_temp_dir() . '/php-tuf-diff-' . bin2hex(random_bytes(6));
    mkdir($storageDir);
    $storage = new FileStorage($storageDir);
    $storage->save(RootMetadata::createFromJson(file_get_contents("$fixtures/$repo/1/metadata/1.root.json"))->trust());
    $loader = new StateLoader("$fixtures/$repo", $storageDir);
    Repository::$maxBytes = 100000;
    $updater = null;
    $record = [];
    foreach ($steps as $step) {
        $loader->requests = [];
        $outcome = match ($step[0]) {
            'session' => outcome(static function () use (&$updater, $loader, $storage, $step): void {
                $loader->state = $step[1];
                $updater = new DriverUpdater(new SizeCheckingLoader($loader), $storage);
                $updater->refresh();
            }),
            'one-root-session' => outcome(static function () use (&$updater, $loader, $storage, $step): void {
                $loader->state = $step[1];
                $updater = new OneRootUpdater(new SizeCheckingLoader($loader), $storage);
                $updater->refresh();
            }),
            'download' => outcome(static fn () => 'sha256:' . substr(hash('sha256', $updater->download($step[1])->wait()->getContents()), 0, 16)),
            'verify' => outcome(static function () use ($updater, $fixtures, $repo, $step): void {
                $updater->verifyData($step[1], file_get_contents("$fixtures/$repo/$step[2]/targets/$step[1]"));
            }),
            'missing' => outcome(static function () use ($loader, $step): void {
                array_push($loader->missing, ...array_slice($step, 1));
            }),
            'forget' => outcome(static function () use ($storageDir, $step): void {
                unlink("$storageDir/$step[1]");
            }),
            'maxBytes' => outcome(static function () use ($step): void {
                Repository::$maxBytes = $step[1];
            }),
        };
        $record[] = [
            'step' => implode(' ', $step),
            'outcome' => $outcome,
            // " (stored)": the storage held that file, byte for byte.
            'requests' => array_map(static fn (array $r) => "$r[0] $r[1]" . ($r[2] ? ' (stored)' : ''), $loader->requests),
            'storage' => storageContents($storageDir),
        ];
    }
    array_map('unlink', glob("$storageDir/*"));
    foreach (glob("$storageDir/.*") as $hidden) {
        if (is_file($hidden)) {
            unlink($hidden);
        }
    }
    rmdir($storageDir);
    return $record;
}

if (getenv('TUF_DIFF_LIST')) {
    echo json_encode(array_keys(scenarios())), "\n";
    exit(0);
}
$only = getenv('TUF_DIFF_ONLY') ?: null;
$results = [];
foreach (scenarios() as $name => [$repo, $steps]) {
    if ($only === null || $only === $name) {
        $results[$name] = run($fixtures, $repo, $steps);
    }
}
echo json_encode($results, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
