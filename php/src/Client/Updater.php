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
use Tuf\Exception\RepoFileNotFound;
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
     * The first "not found" a loader reported for a required file during
     * the current native call: rethrown as the cause when the core gives up.
     */
    private ?\Throwable $notFound = null;

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
        }
        if ($this->isRefreshed) {
            return true;
        }
        // Fails as php-tuf does when the application saved no root.
        $this->storage->getRoot();
        $native = $this->nativeUpdater();
        $this->notFound = null;
        try {
            // Under the storage directory's lock, as the CLI's refresh: two
            // processes never interleave their reads and writes of it.
            StorageLock::around($this->storage, fn () => $native->refresh($this->clock->getCurrentTime()));
        } catch (Native\TufException $e) {
            throw $this->translate($e);
        }
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
            throw new MetadataException("No trusted hashes are listed for '$target'.");
        }
        try {
            $path = self::localFile($data);
            if ($path !== null) {
                // Longer than trusted is a size error, as for data in memory.
                $size = @filesize($path);
                if (is_int($size) && $size > $length) {
                    throw new DownloadSizeException("$target: $size bytes, more than the $length bytes listed by trusted metadata");
                }
                Hashes::verifyFile($path, $length, $hashes, $target);
            } else {
                Hashes::verifyString(self::readAtMost($data, $length + 1), $length, $hashes, $target);
            }
        } catch (Native\InvalidHashException $e) {
            throw new InvalidHashException($data, $e->getMessage(), 0, $e);
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
        $this->notFound = null;
        $native = $this->nativeUpdater();
        try {
            // Locked as refresh(): a lookup stores the roles it fetches. If
            // the repository changed since refresh(), the native lookup
            // refreshes once more and looks up again.
            return StorageLock::around($this->storage, function () use ($native, $target): ?TargetsMetadata {
                $info = $native->getTargetInfo($target);
                return $info === null ? null : $this->metadataListing($info, $target);
            });
        } catch (Native\TufException $e) {
            // A failed re-refresh leaves nothing trusted: refresh next time.
            $this->isRefreshed = $native->status()['refreshed'];
            throw $this->translate($e);
        }
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
        $source = $this->readStored($role);
        if ($source === null) {
            // Unreachable: the core only reports roles it read through the
            // callbacks below.
            throw new \LogicException("The verified metadata of role '$role' is not available.");
        }
        return TargetsMetadata::fromVerifiedRole($source, $role === 'targets' ? null : $role, $info);
    }

    /**
     * The native updater, created on first use with this class's limits.
     */
    private function nativeUpdater(): \Tuf\Native\Updater
    {
        if ($this->native !== null) {
            return $this->native;
        }
        if (!class_exists(\Tuf\Native\Updater::class, false)) {
            throw new \LogicException('The tuf_native PHP extension is not loaded (add extension=tuf_native to php.ini).');
        }
        // The callbacks hold the updater weakly: no reference cycle through
        // the native object, which PHP's cycle collector cannot see into.
        $self = \WeakReference::create($this);
        $this->native = \Tuf\Native\Updater::withCallbacks(
            static fn (string $fileName, int $maxBytes): ?string => $self->get()?->fetchMetadata($fileName, $maxBytes),
            static fn (string $role): ?string => $self->get()?->loadTrusted($role),
            static function (string $role, string $bytes) use ($self): void {
                $self->get()?->storeTrusted($role, $bytes);
            },
            static function (string $role) use ($self): void {
                $self->get()?->storage->delete($role);
            },
            $this->nativeOptions(),
        );
        return $this->native;
    }

    /**
     * The native limits: this class's constants, and Repository::$maxBytes
     * when an application changed it.
     */
    private function nativeOptions(): array
    {
        $options = [
            'maxRootRotations' => max(1, min((int) static::MAX_ROOT_DOWNLOADS, 0x7fffffff)),
            // php-tuf's limit leaves the top-level targets role out.
            'maxRolesVisited' => max(1, min((int) static::MAXIMUM_TARGET_ROLES, 0x7ffffffe) + 1),
        ];
        if (Repository::$maxBytes !== 100000 && Repository::$maxBytes > 0) {
            foreach (['rootMaxLength', 'timestampMaxLength', 'snapshotMaxLength', 'targetsMaxLength'] as $key) {
                $options[$key] = Repository::$maxBytes;
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
        try {
            $stream = $this->serverLoader->load($fileName, $maxBytes)->wait();
        } catch (NotFoundException | RepoFileNotFound $e) {
            // A missing next root is the normal end of the root chain.
            if (!preg_match('/^[0-9]+\.root\.json$/', $fileName)) {
                $this->notFound ??= $e;
            }
            return null;
        }
        $data = self::readAtMost($stream, $maxBytes + 1);
        if (strlen($data) > $maxBytes) {
            throw new DownloadSizeException("$fileName is larger than $maxBytes bytes");
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
            return $bytes;
        }
        return null;
    }

    /**
     * $store callback: persists a role's bytes, verified natively.
     */
    private function storeTrusted(string $role, string $bytes): void
    {
        // Verified natively: the views are not decoded just to be stored.
        $metadata = match ($role) {
            RootMetadata::TYPE => RootMetadata::fromVerifiedJson($bytes),
            TimestampMetadata::TYPE => TimestampMetadata::fromVerifiedJson($bytes),
            SnapshotMetadata::TYPE => SnapshotMetadata::fromVerifiedJson($bytes),
            default => TargetsMetadata::fromVerifiedRole($bytes, $role === 'targets' ? null : $role),
        };
        $this->storage->save($metadata);
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
        return $metadata instanceof MetadataBase ? $metadata->getSource() : null;
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
        $message = $e->getMessage();
        return match (true) {
            $e instanceof Native\SignatureThresholdException => new SignatureThresholdException($message, 0, $e),
            $e instanceof Native\RollbackException => new RollbackAttackException($message, 0, $e),
            // Newer than listed: the repository published during the update
            // (php-tuf's class and message for a version other than listed).
            $e instanceof Native\RepositoryChangedException => new MetadataException(self::versionMismatch($message), 0, $e),
            $e instanceof Native\ExpiredException => new FreezeAttackException($message, 0, $e),
            $e instanceof Native\DenialOfServiceException => new DenialOfServiceAttackException($message, 0, $e),
            $e instanceof Native\DownloadSizeException => new DownloadSizeException($message, 0, $e),
            $e instanceof Native\NotFoundException => $this->notFound ?? new NotFoundException($message, 'Metadata', $e),
            $e instanceof Native\FormatException,
            $e instanceof Native\InvalidHashException => new MetadataException($message, 0, $e),
            $e instanceof Native\StateException => new \LogicException($message, 0, $e),
            default => new \RuntimeException($message, 0, $e),
        };
    }

    /**
     * php-tuf's message for a role whose version differs from the one
     * listed, from the native "repository changed" message.
     */
    private static function versionMismatch(string $native): string
    {
        if (preg_match('/role "([^"\\\\]*)" version (\d+) is newer than version (\d+) listed/', $native, $m)) {
            return "Expected {$m[1]} version {$m[3]} does not match actual version {$m[2]}.";
        }
        return $native;
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
