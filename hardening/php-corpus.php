<?php

declare(strict_types=1);

/*
 * The fuzz corpus through the tuf_native extension (issue 5, item 5).
 *
 *   php -n -d extension=target/release/libtuf_native.so -d memory_limit=32M \
 *       hardening/php-corpus.php [--corpus fuzz/corpus] [--fixtures target/fixtures]
 *       [--prep DIR] [--limit N]
 *
 * Every file under --corpus (all four fuzz targets' inputs; a `metadata`
 * input loses its selector byte) is offered to the extension:
 *
 * - TrustedMetadata with the `attacks` fixture's root: as a root (new and
 *   updated), as timestamp, as snapshot (fresh and from cache) after the
 *   valid timestamp, as top-level targets after the valid snapshot, and as
 *   the delegated role `role1` returned by findTarget's $loadRole;
 * - with --prep (hardening/php-corpus-prep.py's output) also: snapshot and
 *   targets after a timestamp and snapshot listing versions only, and each
 *   re-signed `metadata` input in its slot, past the signature checks, with
 *   every TargetInfo getter on what findTarget() returns;
 * - Hashes::verifyString() and verifyFile() on the bytes, with the right
 *   digests (must pass), a wrong one (must be InvalidHashException), a
 *   shorter length (must be DownloadSizeException), digests and names made
 *   of the input (any Tuf\Native exception, or \ValueError for a name that
 *   is not UTF-8, as documented);
 * - Updater::withCallbacks() over the `drupal` fixture served from memory,
 *   with one file (2.root.json, timestamp, snapshot, targets or a hashed
 *   bin) replaced by the input, then by the fixture file mutated by the
 *   input (a byte flipped, cut short, the input spliced in); refresh(),
 *   getTargetInfo(), status().
 *
 * Nothing may escape but Tuf\Native exceptions. On success the only output
 * is one summary line on standard output, exit status 0; otherwise each
 * unexpected outcome on standard error and exit status 1. --limit N runs an
 * evenly spread subset of about N inputs (for valgrind).
 */

use Tuf\Native\Exception\TufException;
use Tuf\Native\Hashes;
use Tuf\Native\TargetInfo;
use Tuf\Native\TrustedMetadata;
use Tuf\Native\Tests\MemoryStore;
use Tuf\Native\Updater;

const REF_TIME = 1893456000; // 2030-01-01T00:00:00Z

if (!extension_loaded('tuf_native')) {
    fwrite(STDERR, "php-corpus.php: load the extension: php -d extension=.../libtuf_native.so\n");
    exit(2);
}
$root = dirname(__DIR__);
require "$root/tests/php-ext/MemoryStore.php";
$opt = getopt('', ['corpus:', 'fixtures:', 'prep:', 'limit:', 'passes:', 'verbose']);
$corpus = $opt['corpus'] ?? "$root/fuzz/corpus";
$fixtures = $opt['fixtures'] ?? (getenv('TUF_FIXTURES') ?: "$root/target/fixtures");
$prep = $opt['prep'] ?? null;
$limit = isset($opt['limit']) ? (int) $opt['limit'] : 0;
$passes = max(1, (int) ($opt['passes'] ?? 1));

final class Harness
{
    public int $calls = 0;
    /** @var array<string, int> operation => accepted */
    public array $accepted = [];
    /** @var array<string, int> exception class => count */
    public array $thrown = [];
    /** @var list<string> */
    public array $unexpected = [];
    public string $source = '';

    /** Runs $f; a Tuf\Native exception is counted, anything else recorded. */
    public function call(string $what, callable $f): mixed
    {
        $this->calls++;
        try {
            $r = $f();
            $this->accepted[$what] = ($this->accepted[$what] ?? 0) + 1;
            return $r;
        } catch (TufException $e) {
            $class = substr(strrchr(get_class($e), '\\'), 1);
            $this->thrown[$class] = ($this->thrown[$class] ?? 0) + 1;
            return null;
        } catch (\Throwable $e) {
            $this->unexpected[] = "$what on $this->source: " . get_class($e) . ': ' . $e->getMessage();
            return null;
        }
    }

    /** Runs $f, which must throw exactly $class (a short or full name). */
    public function expectThrow(string $what, string $class, callable $f): void
    {
        $this->calls++;
        try {
            $f();
            $this->unexpected[] = "$what on $this->source: accepted, expected $class";
        } catch (\Throwable $e) {
            $got = get_class($e);
            if ($got !== $class && $got !== "Tuf\\Native\\Exception\\$class") {
                $this->unexpected[] = "$what on $this->source: $got (" . $e->getMessage() . "), expected $class";
                return;
            }
            $short = substr(strrchr('\\' . $got, '\\'), 1);
            $this->thrown[$short] = ($this->thrown[$short] ?? 0) + 1;
        }
    }

    public function targetInfo(?TargetInfo $info): void
    {
        if ($info === null) {
            return;
        }
        $this->call('TargetInfo getters', function () use ($info): void {
            $info->getPath();
            $info->getLength();
            $info->getHashes();
            $info->getCustomJson();
            $info->getRole();
        });
    }
}

/** Valid UTF-8 (mbstring is not assumed: the harness runs under php -n). */
function is_utf8(string $s): bool
{
    return preg_match('//u', $s) === 1;
}

/** Resident set size of this process in MB (Linux), or 0. */
function rss_mb(): float
{
    $statm = @file_get_contents('/proc/self/statm');
    return $statm === false ? 0.0 : (int) explode(' ', $statm)[1] * 4096 / 1048576;
}

function read(string $path): string
{
    $b = file_get_contents($path);
    if ($b === false) {
        fwrite(STDERR, "cannot read $path\n");
        exit(2);
    }
    return $b;
}

// The `attacks` chain for TrustedMetadata; the `drupal` repository for the
// callbacks.
$attacks = "$fixtures/attacks/1/metadata";
$A = [];
foreach (['1.root.json', 'timestamp.json', 'snapshot.json', 'targets.json', 'role1.json'] as $name) {
    $A[$name] = read("$attacks/$name");
}
if ($prep !== null) {
    $A['loose-timestamp'] = read("$prep/setup/loose-timestamp.json");
    $A['loose-snapshot'] = read("$prep/setup/loose-snapshot.json");
}
$drupal = [];
foreach (scandir("$fixtures/drupal/1/metadata") as $name) {
    if (str_ends_with($name, '.json')) {
        $drupal[$name] = read("$fixtures/drupal/1/metadata/$name");
    }
}
// drupal/pkg01/1.0.0.0 is in one hashed bin; its role file is a slot too.
$drupalTarget = 'drupal/pkg01/1.0.0.0';
$drupalBin = sprintf('%1$x00-%1$xff.json', hexdec(hash('sha256', $drupalTarget)[0]));
$slots = ['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json', $drupalBin];

$h = new Harness();

$fresh = fn (): TrustedMetadata => new TrustedMetadata($A['1.root.json'], REF_TIME);
$withTimestamp = function (bool $loose = false) use ($fresh, $A): TrustedMetadata {
    $tm = $fresh();
    $tm->updateTimestamp($A[$loose ? 'loose-timestamp' : 'timestamp.json']);
    return $tm;
};
$withSnapshot = function (bool $loose = false) use ($withTimestamp, $A): TrustedMetadata {
    $tm = $withTimestamp($loose);
    $tm->updateSnapshot($A[$loose ? 'loose-snapshot' : 'snapshot.json']);
    return $tm;
};
$withTargets = function (bool $loose = false) use ($withSnapshot, $A): TrustedMetadata {
    $tm = $withSnapshot($loose);
    $tm->updateTargets($A['targets.json']);
    return $tm;
};

/** Target names to look up: the fixture's, and any the input suggests. */
function targetNames(string $kind, string $raw, ?array $doc): array
{
    $names = ['file1.txt', 'r1/a.txt'];
    if ($kind === 'path_pattern' && ($nul = strpos($raw, "\0")) !== false) {
        $names[] = substr($raw, $nul + 1);
        $names[] = substr($raw, 0, $nul);
    }
    if (is_array($doc['signed']['targets'] ?? null)) {
        $names = array_merge($names, array_slice(array_map('strval', array_keys($doc['signed']['targets'])), 0, 8));
    }
    // Target names are text: the extension requires UTF-8 (else ValueError,
    // documented), so only those are offered here.
    return array_values(array_unique(array_filter($names, fn ($n) => is_utf8($n))));
}

function metadataOps(Harness $h, string $b, array $names, callable $fresh, callable $withTimestamp, callable $withSnapshot, callable $withTargets, bool $loose): void
{
    $suffix = $loose ? ' (loose)' : '';
    if (!$loose) {
        $tm = $h->call('new TrustedMetadata(root)', fn () => new TrustedMetadata($b, REF_TIME));
        if ($tm !== null) {
            $h->call('versions', fn () => [$tm->versions(), $tm->consistentSnapshot()]);
        }
        $tm = $fresh();
        $h->call('updateRoot', fn () => $tm->updateRoot($b));
        $h->call('checkFinalRoot', fn () => $tm->checkFinalRoot());
        $tm = $fresh();
        $h->call('updateTimestamp', fn () => $tm->updateTimestamp($b));
        $h->call('versions', fn () => $tm->versions());
    }
    foreach ([false, true] as $fromCache) {
        $tm = $withTimestamp($loose);
        $h->call("updateSnapshot$suffix", fn () => $tm->updateSnapshot($b, $fromCache));
        foreach (['targets', 'role1'] as $role) {
            $h->call('snapshotMeta', fn () => $tm->snapshotMeta($role));
        }
    }
    $tm = $withSnapshot($loose);
    $h->call("updateTargets$suffix", fn () => $tm->updateTargets($b));
    foreach ($names as $name) {
        $h->targetInfo($h->call('findTarget', fn () => $tm->findTarget($name, fn (string $role) => $b)));
    }
    // As the delegated role1, through $loadRole.
    $tm = $withTargets($loose);
    foreach ($names as $name) {
        $h->targetInfo($h->call("findTarget role1$suffix", fn () => $tm->findTarget($name, fn (string $role) => $b, 4)));
    }
}

function hashOps(Harness $h, string $raw): void
{
    $len = strlen($raw);
    $good = ['sha256' => hash('sha256', $raw), 'sha512' => hash('sha512', $raw)];
    $h->call('verifyString good', fn () => Hashes::verifyString($raw, $len, $good));
    $wrong = $good;
    $wrong['sha256'][0] = $wrong['sha256'][0] === '0' ? '1' : '0';
    $h->expectThrow('verifyString wrong hash', 'InvalidHashException', fn () => Hashes::verifyString($raw, $len, $wrong));
    if ($len > 0) {
        $h->expectThrow('verifyString shorter length', 'DownloadSizeException', fn () => Hashes::verifyString($raw, $len - 1, $good));
    }
    $h->expectThrow('verifyString longer length', 'InvalidHashException', fn () => Hashes::verifyString($raw, $len + 1, $good));
    // Digests made of the input: hex of its bytes, the bytes themselves,
    // unknown algorithms named by it.
    $label = substr($raw, 0, 64);
    $label = 'x-' . (is_utf8($label) ? $label : bin2hex($label));
    $made = [
        ['sha256' => bin2hex(substr($raw, 0, 32))],
        ['sha512' => substr($raw, 0, 128)],
        ['sha256' => $raw],
        // (an "x-" prefix: a numeric string key would become an int key)
        [$label => 'ab'],
        [$label => 'ab', 'sha256' => $good['sha256']],
    ];
    foreach ($made as $hashes) {
        $h->call('verifyString made digests', fn () => Hashes::verifyString($raw, $len, $hashes));
    }
    // Not an array of algorithm names: argument errors, as documented.
    $h->expectThrow('verifyString key not UTF-8', \ValueError::class, fn () => Hashes::verifyString($raw, $len, ["\xff$label" => 'ab']));
    $h->expectThrow('verifyString int key', \ValueError::class, fn () => Hashes::verifyString($raw, $len, [0 => $good['sha256']]));
    $h->expectThrow('verifyString digest type', \TypeError::class, fn () => Hashes::verifyString($raw, $len, ['sha256' => strlen($raw)]));
    // $name only labels messages: any bytes (converted lossily), by design.
    $h->call('verifyString named', fn () => Hashes::verifyString($raw, $len, $good, $raw));
    $h->expectThrow('verifyString named, wrong', 'InvalidHashException', fn () => Hashes::verifyString($raw, $len, $wrong, $raw));
    static $file = null;
    if ($file === null) {
        $file = tempnam(sys_get_temp_dir(), 'tuf-corpus-');
        register_shutdown_function(function () use ($file): void {
            @unlink($file);
        });
    }
    file_put_contents($file, $raw);
    $h->call('verifyFile good', fn () => Hashes::verifyFile($file, $len, $good));
    $h->expectThrow('verifyFile wrong hash', 'InvalidHashException', fn () => Hashes::verifyFile($file, $len, $wrong));
    $h->expectThrow('verifyFile other length', 'InvalidHashException', fn () => Hashes::verifyFile($file, $len + 1, $good));
}

/** The fixture file changed by the input: a byte flipped, cut, spliced. */
function mutate(string $file, string $raw): string
{
    $n = strlen($file);
    $seed = crc32($raw);
    $at = $seed % max(1, $n);
    return match ($seed % 3) {
        0 => substr_replace($file, chr(ord($file[$at]) ^ (1 + ($seed >> 8) % 255)), $at, 1),
        1 => substr($file, 0, $at),
        2 => substr_replace($file, $raw, $at, 0),
    };
}

function callbackOps(Harness $h, array $drupal, string $slot, string $body, string $target): void
{
    $served = $drupal;
    $served[$slot] = $body;
    $stored = ['root' => $drupal['1.root.json']];
    $u = Updater::withCallbacks(
        fn (string $name, int $max): ?string => $served[$name] ?? null,
        ...MemoryStore::callbacks($stored)
    );
    $h->call("callbacks refresh ($slot)", fn () => $u->refresh(REF_TIME));
    $h->targetInfo($h->call('callbacks getTargetInfo', fn () => $u->getTargetInfo($target)));
    $h->call('callbacks status', fn () => $u->status());
}

// The inputs, sorted; --limit keeps an evenly spread subset.
$inputs = [];
foreach (['metadata', 'canonical_json', 'path_pattern', 'refresh'] as $kind) {
    $dir = "$corpus/$kind";
    if (!is_dir($dir)) {
        continue;
    }
    $names = array_values(array_filter(scandir($dir), fn ($n) => $n[0] !== '.'));
    sort($names, SORT_STRING);
    foreach ($names as $name) {
        $inputs[] = [$kind, "$dir/$name"];
    }
}
if ($inputs === []) {
    fwrite(STDERR, "php-corpus.php: no corpus under $corpus\n");
    exit(2);
}
if ($limit > 0 && $limit < count($inputs)) {
    $step = count($inputs) / $limit;
    $inputs = array_map(fn ($i) => $inputs[(int) floor($i * $step)], range(0, $limit - 1));
}
$signed = [];
if ($prep !== null) {
    foreach (file("$prep/manifest.jsonl", FILE_IGNORE_NEW_LINES) as $line) {
        $m = json_decode($line, true);
        $signed[basename($m['source'])] = [$m['slot'], read("$prep/" . $m['file'])];
    }
}

$started = microtime(true);
$byKind = [];
$signedRun = 0;
$inputCount = count($inputs);
$rss = [];
for ($pass = 1; $pass <= $passes; $pass++) {
    foreach ($inputs as $i => [$kind, $path]) {
        $raw = read($path);
        $h->source = "$kind/" . basename($path);
        if ($pass === 1) {
            $byKind[$kind] = ($byKind[$kind] ?? 0) + 1;
        }
        $body = $kind === 'metadata' ? substr($raw, 1) : $raw;
        $doc = json_decode($body, true, 64);
        $names = targetNames($kind, $raw, is_array($doc) ? $doc : null);

        metadataOps($h, $body, $names, $fresh, $withTimestamp, $withSnapshot, $withTargets, false);
        if ($prep !== null) {
            metadataOps($h, $body, $names, $fresh, $withTimestamp, $withSnapshot, $withTargets, true);
        }
        hashOps($h, $raw);
        $slot = $slots[$i % count($slots)];
        callbackOps($h, $drupal, $slot, $body, $drupalTarget);
        callbackOps($h, $drupal, $slot, mutate($drupal[$slot] ?? $drupal['timestamp.json'], $raw), $drupalTarget);

        // A re-signed form of this input, in its own slot.
        if ($kind === 'metadata' && isset($signed[basename($path)])) {
            [$sslot, $s] = $signed[basename($path)];
            $signedRun += $pass === 1 ? 1 : 0;
            $sdoc = json_decode($s, true, 64);
            $snames = targetNames('metadata', $s, is_array($sdoc) ? $sdoc : null);
            switch ($sslot) {
                case 'root':
                    $tm = $fresh();
                    $h->call('signed updateRoot', fn () => $tm->updateRoot($s));
                    $h->call('signed checkFinalRoot', fn () => $tm->checkFinalRoot());
                    $h->call('signed versions', fn () => $tm->versions());
                    break;
                case 'timestamp':
                    $tm = $fresh();
                    $h->call('signed updateTimestamp', fn () => $tm->updateTimestamp($s));
                    $h->call('signed updateSnapshot after', fn () => $tm->updateSnapshot($A['loose-snapshot']));
                    break;
                case 'snapshot':
                    $tm = $withTimestamp(true);
                    $h->call('signed updateSnapshot', fn () => $tm->updateSnapshot($s));
                    $h->call('signed snapshotMeta', fn () => $tm->snapshotMeta('targets'));
                    $h->call('signed updateTargets after', fn () => $tm->updateTargets($A['targets.json']));
                    break;
                case 'targets':
                    $tm = $withSnapshot(true);
                    $h->call('signed updateTargets', fn () => $tm->updateTargets($s));
                    foreach ($snames as $name) {
                        $h->targetInfo($h->call('signed findTarget', fn () => $tm->findTarget($name, fn (string $r) => $A['role1.json'])));
                    }
                    break;
                case 'role1':
                    $tm = $withTargets(true);
                    foreach ($snames as $name) {
                        $h->targetInfo($h->call('signed findTarget role1', fn () => $tm->findTarget($name, fn (string $r) => $s)));
                    }
                    break;
            }
        }
        if ($i % 64 === 0) {
            gc_collect_cycles();
        }
    }
    gc_collect_cycles();
    $rss[] = rss_mb();
}

// The right digests must always have passed.
foreach (['verifyString good', 'verifyFile good'] as $op) {
    if (($h->accepted[$op] ?? 0) !== count($inputs) * $passes) {
        $h->unexpected[] = "$op passed " . ($h->accepted[$op] ?? 0) . ' of ' . count($inputs) * $passes . ' times';
    }
}

$accepted = array_sum($h->accepted);
// \ValueError and \TypeError come only from the deliberate argument checks.
$argumentErrors = ($h->thrown['ValueError'] ?? 0) + ($h->thrown['TypeError'] ?? 0);
unset($h->thrown['ValueError'], $h->thrown['TypeError']);
ksort($h->thrown);
if (isset($opt['verbose'])) {
    ksort($h->accepted);
    foreach ($h->accepted as $op => $n) {
        fprintf(STDERR, "%7d returned  %s\n", $n, $op);
    }
}
$kinds = implode(', ', array_map(fn ($k, $n) => "$k $n", array_keys($byKind), $byKind));
$thrown = implode(', ', array_map(fn ($k, $n) => "$k $n", array_keys($h->thrown), $h->thrown));
$peak = memory_get_peak_usage(true) / 1048576;
if ($h->unexpected !== []) {
    foreach (array_slice($h->unexpected, 0, 50) as $u) {
        fwrite(STDERR, "UNEXPECTED: $u\n");
    }
    fwrite(STDERR, count($h->unexpected) . " unexpected outcomes\n");
    exit(1);
}
printf(
    "php-corpus: %d inputs (%s; %d re-signed) x %d passes, %d calls: %d returned, %d Tuf\\Native exceptions (%s), %d argument errors as expected, 0 unexpected; peak PHP memory %.1f MB of %s, RSS after each pass %s MB, %.1f s\n",
    count($inputs), $kinds, $signedRun, $passes, $h->calls, $accepted, array_sum($h->thrown), $thrown, $argumentErrors,
    $peak, ini_get('memory_limit'), implode('/', array_map(fn ($r) => sprintf('%.1f', $r), $rss)), microtime(true) - $started
);
