<?php

declare(strict_types=1);

namespace Tuf\Client;

use GuzzleHttp\Promise\PromiseInterface;
use Tuf\Client\DurableStorage\StorageLock;
use Psr\Http\Message\StreamInterface;
use Tuf\Exception\Attack\DenialOfServiceAttackException;
use Tuf\Exception\Attack\FreezeAttackException;
use Tuf\Exception\Attack\InvalidHashException;
use Tuf\Exception\Attack\RollbackAttackException;
use Tuf\Exception\Attack\SignatureThresholdException;
use Tuf\Exception\DownloadSizeException;
use Tuf\Exception\MetadataException;
use Tuf\Exception\NotFoundException;
use Tuf\Helper\Clock;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\MetadataBase;
use Tuf\Metadata\RootMetadata;
use Tuf\Metadata\SnapshotMetadata;
use Tuf\Metadata\StorageBase;
use Tuf\Metadata\StorageInterface;
use Tuf\Metadata\TargetsMetadata;
use Tuf\Metadata\TimestampMetadata;
use Tuf\Native\Exception as Native;
use Tuf\Native\Hashes;
use Tuf\Native\TargetInfo;

/**
 * A TUF client for one repository, with php-tuf's API.
 *
 * The TUF workflow (spec 5: root rotation, timestamp, snapshot, targets,
 * delegation search) and every check on the way (signatures, thresholds,
 * versions, expiry, lengths, hashes, canonical JSON) run natively in the
 * tuf_native extension. This class moves bytes: metadata comes from the
 * repository through $serverLoader and goes, byte for byte as received, to
 * $storage once verified; errors come back as php-tuf's exceptions.
 */
class Updater
{
    /**
     * The most root versions fetched in one refresh. Later versions wait
     * for the next refresh.
     */
    const MAX_ROOT_DOWNLOADS = 1024;

    /**
     * The most delegated targets roles consulted in one target search (the
     * top-level targets role not counted).
     */
    const MAXIMUM_TARGET_ROLES = 100;

    /**
     * Whether refresh() succeeded since the last forced refresh.
     */
    protected bool $isRefreshed = false;

    /**
     * The time source for expiry checks.
     */
    protected Clock $clock;

    /**
     * Untrusted metadata by role, for callers that want it.
     */
    protected Repository $server;

    private ?\Tuf\Native\Updater $native = null;

    /**
     * Native calls under way: above 0 while a native callback runs.
     */
    private int $nativeCalls = 0;

    /**
     * Whether a nested native updater has stored metadata (see
     * storeTrusted()).
     */
    private bool $nestedStored = false;

    /**
     * The Repository::$maxBytes the native updater was created with: its
     * cap for every metadata file whose length no trusted metadata lists.
     */
    private int $nativeMaxBytes = 0;

    /**
     * The first "not found" a loader reported for a required file during
     * the current native call: rethrown as the cause when the core gives up.
     */
    private ?\Throwable $notFound = null;

    /**
     * Lookups answered since the trusted timestamp last changed, by target
     * (null: no role lists it). composer-integration asks for the same
     * target's length, download and verification in turn: one native
     * lookup serves all three.
     *
     * @var array<string, TargetsMetadata|null>
     */
    private array $listings = [];

    /**
     * The bytes of the roles most recently handed to or received from the
     * native updater, by role, so that the view of the role a lookup found
     * is built from the bytes the core verified instead of a second read
     * of the storage. Bounded: a Drupal.org lookup run touches ~190 bins.
     *
     * @var array<string, string>
     */
    private array $recentRoles = [];

    /**
     * How many roles $recentRoles holds at most.
     */
    private const RECENT_ROLES = 16;

    /**
     * Metadata files prefetch() fetched in one batch, by file name: the
     * native fetch callback takes each from here first, once.
     *
     * @var array<string, string>
     */
    private array $prefetched = [];

    /**
     * @param SizeCheckingLoader $serverLoader
     *   Loads repository files: metadata by file name ("timestamp.json",
     *   "2.root.json"...), and targets by path for download().
     * @param StorageInterface $storage
     *   The trusted metadata, which must already hold the root metadata the
     *   application ships.
     */
    public function __construct(private SizeCheckingLoader $serverLoader, protected StorageInterface $storage)
    {
        $this->server = new Repository($this->serverLoader);
        $this->clock = new Clock();
    }

    /**
     * Brings the trusted metadata up to date with the repository (spec 5.1
     * to 5.6), once per instance unless forced.
     *
     * @param bool $force
     *   Refresh even if this instance already did.
     *
     * @return bool
     *   True once the metadata is up to date.
     *
     * @throws \LogicException
     *   If the storage holds no root metadata.
     * @throws \Tuf\Exception\TufException
     *   If the repository's metadata cannot be trusted: one of the
     *   \Tuf\Exception\Attack exceptions for attacks, MetadataException for
     *   malformed or inconsistent metadata, NotFoundException for missing
     *   files, DownloadSizeException for oversized ones.
     */
    public function refresh(bool $force = false): bool
    {
        if ($force) {
            $this->isRefreshed = false;
            $this->prefetched = [];
        }
        if ($this->isRefreshed) {
            return true;
        }
        // Fails as php-tuf does when the application saved no root.
        $this->storage->getRoot();
        $this->listings = [];
        $this->callNative(null);
        $this->isRefreshed = true;
        return true;
    }

    /**
     * Checks downloaded data against the trusted length and hashes of a
     * target; refreshes first if needed.
     *
     * @throws NotFoundException
     *   If no trusted role lists the target.
     * @throws InvalidHashException
     *   If the data does not match (its stream is in the exception).
     * @throws DownloadSizeException
     *   If the data is longer than the trusted length.
     */
    protected function verify(string $target, StreamInterface $data): void
    {
        $this->refresh();
        $metadata = $this->getMetadataForTarget($target);
        if ($metadata === null) {
            throw new NotFoundException($target, 'Target');
        }
        $length = $metadata->getLength($target);
        $hashes = $metadata->getHashes($target);
        if ($hashes === []) {
            // § 5.7.2
            throw new MetadataException("No trusted hashes are available for '$target'");
        }
        $path = null;
        // Data of another length than the trusted one cannot have the
        // trusted hashes: php-tuf, which checks the hashes in the order
        // listed, reports the first one.
        $algo = (string) array_key_first($hashes);
        $mismatch = in_array($algo, hash_algos(), true) ? "Invalid $algo hash for $target" : null;
        try {
            $path = self::localFile($data);
            if ($path !== null) {
                // The native length rule is the same for files and strings:
                // the wrong size is refused before a byte is read.
                Hashes::verifyFile($path, $length, $hashes, $target);
            } else {
                Hashes::verifyString(self::readAtMost($data, $length + 1), $length, $hashes, $target);
            }
        } catch (Native\InvalidHashException | Native\DownloadSizeException $e) {
            // The core names the file it read first; for Composer that is a
            // temporary download path, which says nothing to the user.
            $message = $path !== null && str_starts_with($e->getMessage(), "$path: ")
                ? substr($e->getMessage(), strlen($path) + 2)
                : $e->getMessage();
            throw NativeErrors::remember(new InvalidHashException($data, $mismatch ?? $message), $e);
        } catch (Native\TufException $e) {
            throw $this->translate($e);
        } finally {
            if ($data->isSeekable()) {
                $data->rewind();
            }
        }
    }

    /**
     * Downloads a target through the loader, capped at its trusted length,
     * and verifies it.
     *
     * @return PromiseInterface
     *   Fulfilled with the verified StreamInterface; rejected with
     *   InvalidHashException, DownloadSizeException or the loader's error.
     *
     * @throws NotFoundException
     *   If no trusted role lists the target.
     */
    public function download(string $target): PromiseInterface
    {
        $this->refresh();
        $metadata = $this->getMetadataForTarget($target);
        if ($metadata === null) {
            throw new NotFoundException($target, 'Target');
        }
        return $this->serverLoader->load($target, $metadata->getLength($target))
            ->then(function (StreamInterface $stream) use ($target): StreamInterface {
                $this->verify($target, $stream);
                return $stream;
            });
    }

    /**
     * Looks up many targets at once, fetching the delegated roles they need
     * in one parallel batch (an addition to php-tuf's API, for Composer
     * plugins that know every package they will download).
     *
     * Refreshes if needed, asks the native core which roles the lookups of
     * $targets would fetch (it searches what is trusted or stored, without
     * any request), hands their file names to $fetchAll, then runs the
     * lookups, which take those files through the usual fetch callback
     * (same caps) and verify and store them as always: no trust decision
     * changes. Roles below the ones fetched, if any, are fetched by the
     * lookups one at a time. The later getLength(), download() and verify()
     * calls then find the roles trusted.
     *
     * @param string[] $targets
     *   Target paths.
     * @param callable(array<string, int>): array<string, ?string> $fetchAll
     *   Given metadata file names (relative to the metadata URL, as the
     *   loader is asked for them) mapped to their byte caps, returns file
     *   name => bytes, or null for a file it could not fetch; files it
     *   leaves out or that break their cap are fetched later as usual.
     *
     * @throws \Throwable
     *   A failure of the refresh, of asking which roles are needed (a
     *   target that is not a string, say) or of $fetchAll, at once; else
     *   the first failed lookup, after every target was tried. Safe to
     *   ignore: the later calls take the usual path and report the same
     *   failures.
     */
    public function prefetch(array $targets, callable $fetchAll): void
    {
        $this->refresh();
        $targets = array_values(array_unique(array_map('strval', $targets)));
        $first = null;
        try {
            $roles = $this->callNative(static fn (\Tuf\Native\Updater $native): array => $native->rolesToFetch($targets));
            $wanted = array_column($roles, 'maxBytes', 'file');
            if ($wanted !== []) {
                $fetched = $fetchAll($wanted);
                foreach ($wanted as $file => $maxBytes) {
                    $bytes = is_array($fetched) ? ($fetched[$file] ?? null) : null;
                    if (is_string($bytes) && strlen($bytes) <= $maxBytes) {
                        $this->prefetched[$file] = $bytes;
                    }
                }
            }
            foreach ($targets as $target) {
                try {
                    // The native answer alone: the metadata view comes
                    // when Composer asks for the target.
                    $this->callNative(static fn (\Tuf\Native\Updater $native): ?TargetInfo => $native->getTargetInfo($target));
                } catch (\Throwable $e) {
                    $first ??= $e;
                }
            }
        } finally {
            // Only for these lookups: a later refresh may need other bytes
            // under the same names (without consistent snapshots).
            $this->prefetched = [];
        }
        if ($first !== null) {
            throw $first;
        }
    }

    /**
     * The trusted targets metadata that lists a target, found by the
     * native delegation search (spec 5.6.7), or null if no role on the
     * search path lists it.
     *
     * @throws \Tuf\Exception\TufException
     *   If a delegated role on the search path cannot be trusted, or the
     *   search exceeds static::MAXIMUM_TARGET_ROLES roles
     *   (DenialOfServiceAttackException).
     */
    protected function getMetadataForTarget(string $target): ?TargetsMetadata
    {
        $this->refresh();
        if (array_key_exists($target, $this->listings)) {
            return $this->listings[$target];
        }
        $info = $this->callNative(static function (\Tuf\Native\Updater $native) use ($target): ?TargetInfo {
            try {
                return $native->getTargetInfo($target);
            } catch (Native\DenialOfServiceException $e) {
                // § 5.6.7.1: as in php-tuf, a search that reaches
                // static::MAXIMUM_TARGET_ROLES delegated roles finds nothing.
                if ($e->getPrevious() === null && ($e->getDetail()['kind'] ?? null) === 'visit_limit') {
                    return null;
                }
                throw $e;
            }
        });
        return $this->listings[$target] = $info === null ? null : $this->metadataListing($info, $target);
    }

    /**
     * The verified metadata of the role that lists a target.
     */
    private function metadataListing(TargetInfo $info, string $target): TargetsMetadata
    {
        $role = $info->getRole();
        // Read back from the storage rather than kept in memory: a refresh
        // and 200 lookups touch some 190 roles (5 MB on Drupal.org). The
        // target's length and hashes come from the native answer itself,
        // so they are what was verified even if the storage changed since.
        $source = $this->recentRoles[$role] ?? $this->readStored($role);
        if ($source === null) {
            // Unreachable: the core only reports roles it read through the
            // callbacks below.
            throw new \LogicException("The verified metadata of role '$role' is not available.");
        }
        return self::verifiedView($role, $source, $info);
    }

    /**
     * Refreshes (with $call null), or runs $call on, the native updater,
     * translating its exceptions.
     *
     * A call can come while the native updater is busy in one of its own
     * callbacks: Composer's HttpDownloader, waiting for the response our
     * loader asked for, runs the handlers of other downloads, and those
     * verify their files (php-tuf allows such nested calls). The busy
     * updater refuses to be reentered, so a second one, refreshed from the
     * storage and the loader (composer-integration caches what it loaded),
     * answers the nested call. Both store what they verified (see
     * storeTrusted() for a repository that changes in between).
     *
     * The second one asks for no root versions: the outer refresh of this
     * process fetches the root chain (spec 5.3), and a request here would
     * make Composer run more handlers inside this one, which it refuses
     * ("Circular call to script handler 'post-file-download'").
     */
    private function callNative(?\Closure $call): mixed
    {
        $nested = $this->nativeCalls > 0;
        $native = $nested ? $this->createNativeUpdater(true) : ($this->native ??= $this->createNativeUpdater(false));
        $outerNotFound = $this->notFound;
        $this->notFound = null;
        $this->nativeCalls++;
        try {
            // Under the storage directory's lock, the one the CLI and the
            // standalone updater hold (re-entrant for nested calls): two
            // processes never interleave their reads and writes of it.
            return StorageLock::around($this->storage, function () use ($call, $nested, $native): mixed {
                if ($call === null || $nested) {
                    $native->refresh($this->clock->getCurrentTime());
                }
                return $call === null ? null : $call($native);
            });
        } catch (Native\TufException $e) {
            // A lookup whose re-refresh failed (the repository changed
            // since refresh()) leaves nothing trusted: refresh next time.
            if ($call !== null && !$nested && !$native->status()['refreshed']) {
                $this->isRefreshed = false;
            }
            throw $this->translate($e);
        } finally {
            $this->nativeCalls--;
            $this->notFound = $outerNotFound;
        }
    }

    /**
     * A native updater over this object's loader and storage, with this
     * class's limits.
     */
    private function createNativeUpdater(bool $nested): \Tuf\Native\Updater
    {
        if (!class_exists(\Tuf\Native\Updater::class, false)) {
            // A setup error, not a bug: not a LogicException, for which
            // Composer prints a stack trace.
            throw new \RuntimeException('The tuf_native PHP extension is not loaded: add extension=tuf_native to php.ini (php --ini lists the files PHP reads).');
        }
        // The callbacks hold the updater weakly: no reference cycle through
        // the native object, which PHP's cycle collector cannot see into.
        $self = \WeakReference::create($this);
        return \Tuf\Native\Updater::withCallbacks(
            static fn (string $fileName, int $maxBytes): ?string => $nested && preg_match('/^[0-9]+\.root\.json$/', $fileName)
                ? null
                : $self->get()?->fetchMetadata($fileName, $maxBytes),
            static fn (string $role): ?string => $self->get()?->loadTrusted($role),
            static function (string $role, string $bytes) use ($self): void {
                $self->get()?->storeTrusted($role, $bytes);
            },
            static function (string $role) use ($self): void {
                $self->get()?->storage->delete($role);
            },
            $this->nativeOptions(),
        );
    }

    /**
     * The native limits: this class's constants, and Repository::$maxBytes
     * (php-tuf's cap for every metadata file whose length no trusted
     * metadata lists; composer-integration sets it from "max-bytes").
     */
    private function nativeOptions(): array
    {
        $options = [
            'maxRootRotations' => max(1, min((int) static::MAX_ROOT_DOWNLOADS, 0x7fffffff)),
            // php-tuf's limit leaves the top-level targets role out.
            'maxRolesVisited' => max(1, min((int) static::MAXIMUM_TARGET_ROLES, 0x7ffffffe) + 1),
        ];
        $this->nativeMaxBytes = Repository::$maxBytes;
        if ($this->nativeMaxBytes > 0) {
            foreach (['rootMaxLength', 'timestampMaxLength', 'snapshotMaxLength', 'targetsMaxLength'] as $key) {
                $options[$key] = $this->nativeMaxBytes;
            }
        }
        return $options;
    }

    /**
     * $fetch callback: a repository file through the loader, or null if
     * the loader reports it missing.
     */
    private function fetchMetadata(string $fileName, int $maxBytes): ?string
    {
        $isRoot = preg_match('/^[0-9]+\.root\.json$/', $fileName) === 1;
        // As php-tuf's Repository: a snapshot or targets file whose length
        // trusted metadata lists (the native cap is then that length, not
        // Repository::$maxBytes) must be exactly that long (5.5.1, 5.6.1).
        $exact = !$isRoot && $fileName !== 'timestamp.json' && $maxBytes !== $this->nativeMaxBytes;
        $prefetched = $this->prefetched[$fileName] ?? null;
        if ($prefetched !== null) {
            // Fetched by prefetch(), served once under the same rules as a
            // loader's answer; else the loader's own error stands.
            unset($this->prefetched[$fileName]);
            if (strlen($prefetched) === $maxBytes || (!$exact && strlen($prefetched) < $maxBytes)) {
                return $prefetched;
            }
        }
        try {
            $stream = $this->serverLoader->load($fileName, $maxBytes, $exact)->wait();
        } catch (NotFoundException $e) {
            // A missing next root is the normal end of the root chain.
            if (!$isRoot) {
                $this->notFound ??= $e;
            }
            return null;
        }
        $data = self::readAtMost($stream, $maxBytes + 1);
        if (strlen($data) > $maxBytes) {
            // A stream that understated its size to SizeCheckingLoader.
            throw new DownloadSizeException("$fileName exceeded $maxBytes bytes");
        }
        return $data;
    }

    /**
     * $load callback: the stored bytes of a role, or null.
     */
    private function loadTrusted(string $role): ?string
    {
        $bytes = $this->readStored($role);
        if ($bytes !== null && $bytes !== '') {
            $this->remember($role, $bytes);
            return $bytes;
        }
        return null;
    }

    /**
     * Keeps a role's bytes in $recentRoles, dropping the oldest entry.
     */
    private function remember(string $role, string $bytes): void
    {
        unset($this->recentRoles[$role]);
        $this->recentRoles[$role] = $bytes;
        if (count($this->recentRoles) > self::RECENT_ROLES) {
            unset($this->recentRoles[array_key_first($this->recentRoles)]);
        }
    }

    /**
     * $store callback: persists a role's bytes, verified natively.
     */
    private function storeTrusted(string $role, string $bytes): void
    {
        if ($this->nativeCalls > 1) {
            $this->nestedStored = true;
        } elseif ($this->nestedStored && self::versionOf($this->readStored($role)) > self::versionOf($bytes)) {
            // A nested updater (see callNative()) stored a newer version
            // while this one waited in its callback: the repository moved
            // on meanwhile. Never lower what is on disk.
            return;
        }
        if ($role === TimestampMetadata::TYPE) {
            // The repository moved on (a lookup refreshed again after it
            // changed): earlier answers may be stale.
            $this->listings = [];
        }
        $this->remember($role, $bytes);
        $this->storage->save(self::verifiedView($role, $bytes));
    }

    /**
     * A trusted view of a role's natively verified bytes, not decoded just
     * to be stored or looked up; $found is the entry a lookup found in it.
     */
    private static function verifiedView(string $role, string $bytes, ?TargetInfo $found = null): MetadataBase
    {
        // Closures bound to the metadata classes reach their private
        // constructors of lazy views, which are not php-tuf API.
        static $lazy = null, $describe = null;
        $lazy ??= \Closure::bind(static fn (string $class, string $json): MetadataBase => $class::lazy($json), null, MetadataBase::class);
        $class = match ($role) {
            RootMetadata::TYPE => RootMetadata::class,
            TimestampMetadata::TYPE => TimestampMetadata::class,
            SnapshotMetadata::TYPE => SnapshotMetadata::class,
            default => TargetsMetadata::class,
        };
        $view = $lazy($class, $bytes);
        if ($view instanceof TargetsMetadata) {
            $describe ??= \Closure::bind(
                static fn (TargetsMetadata $view, ?string $name, ?TargetInfo $found): TargetsMetadata => $view->describe($name, $found),
                null,
                TargetsMetadata::class,
            );
            $describe($view, $role === 'targets' ? null : $role, $found);
        }
        return $view;
    }

    /**
     * The version in metadata bytes, or -1.
     */
    private static function versionOf(?string $bytes): int
    {
        $version = $bytes === null ? null : (json_decode($bytes, true)['signed']['version'] ?? null);
        return is_int($version) ? $version : -1;
    }

    /**
     * The stored bytes of a role: as written for StorageBase storages, or
     * the source of the metadata object the storage returns.
     */
    private function readStored(string $role): ?string
    {
        if ($this->storage instanceof StorageBase) {
            $read = fn (string $name): ?string => $this->read($name);
            return $read->call($this->storage, $role);
        }
        try {
            $metadata = match ($role) {
                RootMetadata::TYPE => $this->storage->getRoot(),
                TimestampMetadata::TYPE => $this->storage->getTimestamp(),
                SnapshotMetadata::TYPE => $this->storage->getSnapshot(),
                default => $this->storage->getTargets($role),
            };
        } catch (\LogicException | \JsonException | MetadataException) {
            // Absent or unreadable: the core treats both as "not stored".
            return null;
        }
        return $metadata instanceof MetadataBase ? $metadata->source : null;
    }

    /**
     * php-tuf's exception for a native one. A PHP exception thrown by a
     * loader or the storage inside a callback is returned as it is.
     */
    private function translate(Native\TufException $e): \Throwable
    {
        $previous = $e->getPrevious();
        if ($previous !== null && !$previous instanceof Native\TufException) {
            return $previous;
        }
        if ($e instanceof Native\NotFoundException && $this->notFound !== null) {
            return $this->notFound;
        }
        [$message, $versionMismatch] = self::phpTufMessage($e);
        // The native exception is not chained as getPrevious() (Composer
        // would print the message twice): NativeErrors::causeOf() has it.
        return NativeErrors::remember(match (true) {
            $e instanceof Native\SignatureThresholdException => new SignatureThresholdException($message),
            // php-tuf reports a version other than the listed one (5.5.4,
            // 5.6.4) as malformed metadata, not as a rollback.
            $versionMismatch => new MetadataException($message),
            $e instanceof Native\RollbackException => new RollbackAttackException($message),
            $e instanceof Native\ExpiredException => new FreezeAttackException($message),
            $e instanceof Native\DenialOfServiceException => new DenialOfServiceAttackException($message),
            $e instanceof Native\DownloadSizeException => new DownloadSizeException($message),
            $e instanceof Native\NotFoundException => new NotFoundException($message, 'Metadata'),
            $e instanceof Native\FormatException,
            $e instanceof Native\InvalidHashException => new MetadataException($message),
            $e instanceof Native\StateException => new \LogicException($message),
            default => new \RuntimeException($message),
        }, $e);
    }

    /**
     * php-tuf 0.1.7's message for the failure a native exception reports
     * (its own message when php-tuf has no equivalent), and whether it is
     * a version mismatch (5.5.4, 5.6.4). Worded from the exception's
     * getDetail() (docs/extension-api.md), never from the native message.
     *
     * @return array{0: string, 1: bool}
     */
    private static function phpTufMessage(Native\TufException $e): array
    {
        $d = $e->getDetail() ?? ['kind' => null];
        $message = match ($d['kind']) {
            // 5.3.4, 5.4.2, 5.5.3, 5.6.3
            'threshold_not_met' => 'Signature threshold not met on ' . $d['role'],
            // 5.3.10, 5.4.4, 5.5.6, 5.6.5
            'expired' => sprintf('Remote %s metadata expired on %s', $d['role'], (new \DateTimeImmutable($d['expires']))->format('c')),
            // 5.3.5 (php-tuf's message has a stray "$" before each number
            // and a missing "match": both fixed here).
            'root_version' => "Remote 'root' metadata version \"{$d['actual']}\" does not match the expected version \"{$d['expected']}\"",
            // 5.4.3 (php-tuf's stray "$" fixed)
            'timestamp_rollback' => "Remote timestamp metadata version \"{$d['version']}\" is less than previously seen timestamp version \"{$d['trusted']}\"",
            'snapshot_version_rollback' => "Remote timestamp metadata file 'snapshot.json' version \"{$d['version']}\" is less than previously seen  version \"{$d['trusted']}\"",
            // 5.5.5
            'meta_rollback' => "Remote snapshot metadata file '{$d['file']}' version \"{$d['version']}\" is less than previously seen  version \"{$d['trusted']}\"",
            'meta_dropped' => "Remote snapshot metadata file references '{$d['file']}' but this is not present in the remote file",
            // 5.5.4, 5.6.4: older (a rollback) or newer (the repository
            // changed during the update, still after one restart)
            'version_mismatch' => "Expected {$d['role']} version {$d['expected']} does not match actual version {$d['actual']}.",
            // 5.5.2, 5.6.2: metadata files, "<role>.json" (a target keeps
            // the native message)
            'hash_mismatch' => str_ends_with($d['file'], '.json')
                ? self::hashMismatchMessage(substr($d['file'], 0, -5), $d['algorithm'])
                : $e->getMessage(),
            default => $e->getMessage(),
        };
        return [$message, $d['kind'] === 'version_mismatch'];
    }

    /**
     * php-tuf's message for metadata of $role whose $algorithm digest is
     * not the one its referrer (timestamp for the snapshot) lists.
     */
    private static function hashMismatchMessage(string $role, string $algorithm): string
    {
        return "The '" . rawurldecode($role) . "' contents does not match hash '$algorithm' specified in the '"
            . ($role === 'snapshot' ? 'timestamp' : 'snapshot') . "' metadata.";
    }

    /**
     * The path of a stream backed by a local file, or null.
     */
    private static function localFile(StreamInterface $data): ?string
    {
        $uri = $data->getMetadata('uri');
        if (is_string($uri) && $data->getMetadata('wrapper_type') === 'plainfile' && is_file($uri)) {
            return $uri;
        }
        return null;
    }

    /**
     * Up to $limit bytes of a stream, from its start when it can seek.
     */
    private static function readAtMost(StreamInterface $stream, int $limit): string
    {
        if ($stream->isSeekable()) {
            $stream->rewind();
        }
        $data = '';
        while (strlen($data) < $limit && !$stream->eof()) {
            $chunk = $stream->read(min($limit - strlen($data), 1 << 20));
            if ($chunk === '') {
                break;
            }
            $data .= $chunk;
        }
        return $data;
    }
}
