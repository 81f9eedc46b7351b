<?php

/**
 * IDE stub of the tuf_native extension (TUF client verification in Rust).
 *
 * Never loaded at run time: the extension defines these classes. Every
 * class, method, parameter, default and return type here is checked
 * against the built extension by tests/php-ext/StubTest.php.
 *
 * Strings are binary-safe: metadata and file contents cross as they are,
 * never checked for UTF-8. Text parameters (target names, role names, URLs)
 * must be valid UTF-8, else a \ValueError. Parameter types are checked
 * strictly, as under declare(strict_types=1): a wrong type is a \TypeError.
 * The full contract is docs/extension-api.md.
 */

namespace Tuf\Native\Exception {

    /**
     * Base of every exception the extension throws for a TUF failure.
     *
     * When a PHP callback (Updater::withCallbacks(), findTarget()) threw or
     * returned a wrong type, the native exception is an IoException whose
     * getPrevious() is the callback's exception (or the \TypeError).
     * A bug in the extension (a Rust panic) is a TufException whose message
     * starts with "internal error".
     */
    class TufException extends \RuntimeException
    {
        /** @var array<string, string|int>|null Set by the extension when it throws. */
        private $detail = null;

        /**
         * The facts of the failure, for code that words its own message
         * (never parse getMessage()): null, or ['kind' => ..., ...] with
         * one of these shapes (role and file names as the metadata spells
         * them; versions are ints, or decimal strings beyond PHP_INT_MAX):
         *
         * - threshold_not_met: role ("root" for every root check)
         * - expired: role, version, expires ("YYYY-MM-DDTHH:MM:SSZ")
         * - root_version: expected, actual (a new root other than N+1)
         * - timestamp_rollback: version, trusted
         * - snapshot_version_rollback: version, trusted (snapshot version
         *   the timestamp lists)
         * - meta_rollback: file ("targets.json"), version, trusted
         * - meta_dropped: file (listed by the trusted snapshot, not the new)
         * - version_mismatch: role, expected (what referrer lists), actual,
         *   referrer ("timestamp" or "snapshot")
         * - hash_mismatch: file, algorithm (the first listed one that differs)
         * - visit_limit: maxRoles (a delegation search gave up)
         *
         * @return array<string, string|int>|null
         */
        final public function getDetail(): ?array
        {
        }
    }

    /** Malformed metadata: bad JSON, wrong type, missing or invalid fields. */
    final class FormatException extends TufException
    {
    }

    /** Fewer valid signatures from distinct authorised keys than the threshold. */
    final class SignatureThresholdException extends TufException
    {
    }

    /** A version went down: older than trusted, or than the referring metadata lists. */
    final class RollbackException extends TufException
    {
    }

    /**
     * A fetched role is newer than the version trusted metadata lists: the
     * repository published during the update (not an attack). Thrown after
     * the updater restarted once and the repository still changed.
     */
    final class RepositoryChangedException extends TufException
    {
    }

    /** Metadata expired at the reference time (a freeze attack). */
    final class ExpiredException extends TufException
    {
    }

    /** Length or hash of a file does not match trusted metadata. */
    final class InvalidHashException extends TufException
    {
    }

    /** A download exceeded its byte limit, or a file has the wrong length. */
    final class DownloadSizeException extends TufException
    {
    }

    /** A metadata or target file does not exist (or no role lists the target). */
    final class NotFoundException extends TufException
    {
    }

    /** A configured bound was hit (roles visited, root rotations, time). */
    final class DenialOfServiceException extends TufException
    {
    }

    /** The API was used out of order, e.g. getTargetInfo() before refresh(). */
    final class StateException extends TufException
    {
    }

    /** Transport or filesystem failure, or a failing PHP callback. */
    final class IoException extends TufException
    {
    }
}

namespace Tuf\Native {

    /**
     * A TUF client (specification section 5), driven natively.
     */
    final class Updater
    {
        /**
         * The standalone updater: native HTTP(S) fetcher and a crash-safe
         * disk cache, locked (flock) against concurrent refreshes.
         *
         * @param string $metadataUrl Prefix the metadata file names are
         *     appended to: http://, https:// or file:///absolute/path/.
         * @param string $cacheDir Cache directory (created 0700 if missing).
         * @param array{maxRootRotations?: int, maxRolesVisited?: int,
         *     rootMaxLength?: int, timestampMaxLength?: int,
         *     snapshotMaxLength?: int, targetsMaxLength?: int,
         *     connectTimeout?: int|float, readTimeout?: int|float,
         *     deadline?: int|float, lowSpeedLimit?: int,
         *     lowSpeedTime?: int|float, lockTimeout?: int|float,
         *     targetBaseUrl?: string, fileMode?: int} $options
         * @throws \ValueError|\TypeError for a bad option
         * @throws Exception\IoException if the cache cannot be opened
         */
        public function __construct(string $metadataUrl, string $cacheDir, array $options = [])
        {
        }

        /**
         * An updater whose I/O is done by PHP callables.
         *
         * @param callable(string $fileName, int $maxBytes): ?string $fetch
         *     A repository file ("2.root.json", "timestamp.json",
         *     "snapshot.json" or "7.snapshot.json", "<encoded role>.json");
         *     null when it does not exist. A longer string than $maxBytes
         *     is a DownloadSizeException.
         * @param callable(string $role): ?string $load The stored bytes of a
         *     role ("root", "timestamp", ...), or null.
         * @param callable(string $role, string $bytes): void $store
         * @param callable(string $role): void $remove Forgets a stored role,
         *     stored or not (after a timestamp or snapshot key rotation,
         *     spec 5.3.11).
         * @param array{maxRootRotations?: int, maxRolesVisited?: int,
         *     rootMaxLength?: int, timestampMaxLength?: int,
         *     snapshotMaxLength?: int, targetsMaxLength?: int} $options
         */
        public static function withCallbacks(
            callable $fetch,
            callable $load,
            callable $store,
            callable $remove,
            array $options = []
        ): Updater {
        }

        /**
         * Stores $rootBytes as the trusted root unless the store already
         * holds a root that verifies. The root must be signed by its own
         * threshold of root keys.
         *
         * @return bool Whether the root was stored.
         */
        public function initRoot(string $rootBytes): bool
        {
        }

        /**
         * Refreshes root, timestamp, snapshot and top-level targets.
         *
         * @param int|null $referenceTime Unix time expiry is checked
         *     against (default: now).
         * @return array{root: int, timestamp: int, snapshot: int, targets: int,
         *     timestampUnchanged: bool}
         * @throws Exception\TufException
         */
        public function refresh(?int $referenceTime = null): array
        {
        }

        /**
         * The verified info of $target; null when no role lists it.
         *
         * @throws Exception\TufException
         */
        public function getTargetInfo(string $target): ?TargetInfo
        {
        }

        /**
         * The delegated roles the lookups of $targets would fetch next,
         * distinct, in first-needed order; fetches nothing (roles in the
         * store are verified on the way, as getTargetInfo() does).
         *
         * @param list<string> $targets Target names.
         * @return list<array{role: string, file: string, maxBytes: int}>
         *     file: relative to the metadata URL, as the fetch callback
         *     would be asked for it, with that cap.
         * @throws Exception\TufException
         */
        public function rolesToFetch(array $targets): array
        {
        }

        /**
         * Downloads and verifies $target into $destinationDir (standalone
         * updater only).
         *
         * @param string|null $targetBaseUrl Default: the targetBaseUrl option.
         * @return string The path of the verified file.
         * @throws Exception\TufException
         */
        public function download(string $target, string $destinationDir, ?string $targetBaseUrl = null): string
        {
        }

        /**
         * @return array{refreshed: bool, referenceTime: ?int,
         *     consistentSnapshot: ?bool, roles: array<string, array{version: ?int,
         *     expires: ?int, keyids: list<string>, threshold: int}>}
         */
        public function status(): array
        {
        }
    }

    /**
     * The trusted-metadata state machine, fed with bytes by PHP code that
     * does its own I/O. Call the update methods in specification order.
     */
    final class TrustedMetadata
    {
        /**
         * @param string $rootBytes The trusted root, signed by its own
         *     threshold of root keys.
         * @param int|null $referenceTime Unix time (default: now).
         * @throws Exception\TufException
         */
        public function __construct(string $rootBytes, ?int $referenceTime = null)
        {
        }

        /** @throws Exception\TufException */
        public function updateRoot(string $bytes): void
        {
        }

        /** @throws Exception\ExpiredException */
        public function checkFinalRoot(): void
        {
        }

        /**
         * @return bool False when the timestamp equals the trusted one.
         * @throws Exception\TufException
         */
        public function updateTimestamp(string $bytes): bool
        {
        }

        /** @throws Exception\TufException */
        public function updateSnapshot(string $bytes, bool $fromCache = false): void
        {
        }

        /** @throws Exception\TufException */
        public function updateTargets(string $bytes): void
        {
        }

        /**
         * @return array{version: int, length: ?int, hashes: ?array<string, string>}
         * @throws Exception\TufException
         */
        public function snapshotMeta(string $role): array
        {
        }

        /**
         * Searches the delegations for $target.
         *
         * @param callable(string $role): ?string $loadRole Bytes of a
         *     delegated role (null: not available, a NotFoundException).
         * @param int|null $maxRoles Roles visited at most (default 32).
         * @throws Exception\TufException
         */
        public function findTarget(string $target, callable $loadRole, ?int $maxRoles = null): ?TargetInfo
        {
        }

        /** @return array{root: int, timestamp: ?int, snapshot: ?int, targets: ?int} */
        public function versions(): array
        {
        }

        public function consistentSnapshot(): bool
        {
        }
    }

    /**
     * What trusted metadata says about one target. Made by the extension
     * only.
     */
    final class TargetInfo
    {
        private function __construct()
        {
        }

        public function getPath(): string
        {
        }

        public function getLength(): int
        {
        }

        /** @return array<string, string> algorithm => hex digest */
        public function getHashes(): array
        {
        }

        /** The target's "custom" object as signed JSON text, or null. */
        public function getCustomJson(): ?string
        {
        }

        /** The role whose metadata lists the target. */
        public function getRole(): string
        {
        }
    }

    /**
     * Length and hash checks for callers that fetch targets themselves.
     */
    final class Hashes
    {
        private function __construct()
        {
        }

        /**
         * @param array<string, string> $hashes algorithm => hex digest
         * @throws Exception\DownloadSizeException|Exception\InvalidHashException|Exception\FormatException
         */
        public static function verifyString(string $data, int $length, array $hashes, string $name = 'data'): void
        {
        }

        /**
         * @param array<string, string> $hashes algorithm => hex digest
         * @param string|null $name Names the file in messages (default: $path).
         * @throws Exception\DownloadSizeException|Exception\InvalidHashException|Exception\IoException
         */
        public static function verifyFile(string $path, int $length, array $hashes, ?string $name = null): void
        {
        }
    }

    /**
     * The exclusive lock (flock) on a metadata directory that the
     * standalone Updater and the tuf-native CLI hold while they use their
     * cache, for PHP code doing its own I/O on such a directory. Released
     * by release(), when the object is freed, or when the process ends.
     */
    final class DirectoryLock
    {
        /**
         * Takes the lock on the existing directory, removing temporary
         * files (.tmp-*) of writers killed mid-write.
         *
         * @param array{lockTimeout?: int|float} $options Seconds to wait
         *     for another holder (default 60).
         * @throws Exception\IoException On timeout, or if $directory is not
         *     a directory (or is a symbolic link).
         */
        public function __construct(string $directory, array $options = [])
        {
        }

        /** Releases the lock; again does nothing. */
        public function release(): void
        {
        }

        public function isHeld(): bool
        {
        }
    }
}
