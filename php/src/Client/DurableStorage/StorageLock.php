<?php

declare(strict_types=1);

namespace Tuf\Client\DurableStorage;

use Tuf\Client\NativeErrors;
use Tuf\Metadata\StorageInterface;
use Tuf\Native\DirectoryLock;
use Tuf\Native\Exception\IoException;

/**
 * The exclusive lock on a FileStorage directory: the same lock (flock on
 * the directory, through Tuf\Native\DirectoryLock) and the same timeout
 * (60 s) as the tuf-native command-line client and the standalone
 * Tuf\Native\Updater hold on their cache directory, so that a Composer
 * run, Drupal's cron and a CLI refresh on one directory take turns. The
 * kernel releases it when its process dies, however it dies.
 *
 * Held around each refresh and target lookup of the Updater and each
 * write or delete of a FileStorage; re-entrant within a process (one flock
 * per directory, counted), since flock excludes a second descriptor of the
 * same process too.
 *
 * @internal Not part of php-tuf's API: used by Updater and FileStorage.
 */
final class StorageLock
{
    /**
     * Seconds to wait for another process; null: the extension's default
     * (60 s, the standalone updater's and the CLI's). For tests.
     */
    public static ?float $timeout = null;

    /**
     * Held locks by directory: [DirectoryLock, depth].
     *
     * @var array<string, array{0: DirectoryLock, 1: int}>
     */
    private static array $held = [];

    /**
     * Runs $operation with the storage's directory locked when $storage is
     * a FileStorage (other storages have no directory to lock).
     */
    public static function around(StorageInterface $storage, callable $operation): mixed
    {
        if (!$storage instanceof FileStorage) {
            return $operation();
        }
        $basePath = \Closure::bind(fn (): string => $this->basePath, $storage, FileStorage::class)();
        return self::run($basePath, $operation);
    }

    /**
     * Runs $operation with $directory locked.
     *
     * @throws \RuntimeException
     *   If the lock was not obtained in time (another process kept it), as
     *   for the storage's other I/O failures: a lock timeout is no verdict
     *   on the metadata, so no TufException. NativeErrors::causeOf() has the
     *   native IoException.
     */
    public static function run(string $directory, callable $operation): mixed
    {
        $key = realpath($directory);
        if ($key === false) {
            throw new \RuntimeException("Cannot lock '$directory': it is not a directory.");
        }
        if (isset(self::$held[$key])) {
            self::$held[$key][1]++;
        } else {
            if (!class_exists(DirectoryLock::class, false)) {
                // As the Updater says it: a setup error.
                throw new \RuntimeException('The tuf_native PHP extension is not loaded: add extension=tuf_native to php.ini (php --ini lists the files PHP reads).');
            }
            $options = self::$timeout === null ? [] : ['lockTimeout' => self::$timeout];
            try {
                self::$held[$key] = [new DirectoryLock($key, $options), 1];
            } catch (IoException $e) {
                // Not chained (Composer would print the message twice).
                throw NativeErrors::remember(new \RuntimeException('Cannot lock the TUF metadata: ' . $e->getMessage()), $e);
            }
        }
        try {
            return $operation();
        } finally {
            if (--self::$held[$key][1] === 0) {
                self::$held[$key][0]->release();
                unset(self::$held[$key]);
            }
        }
    }
}
