<?php

declare(strict_types=1);

namespace Tuf\Client\DurableStorage;

use Tuf\Metadata\StorageBase;

/**
 * Keeps each role's metadata in "<basePath>/<url-encoded role>.json".
 *
 * Unlike php-tuf's, writes are atomic: the data goes to a temporary file in
 * the same directory and is renamed over the old file, so a reader (or a
 * crash) never sees a half-written file. Durability follows trust, as in
 * the native cache: the rollback baselines (root, timestamp, snapshot) are
 * flushed to disk, file and directory, before and after the rename;
 * targets roles are not, because every load re-verifies them against the
 * snapshot, so a lost or stale copy is fetched again. Writes and
 * deletes hold the directory's exclusive lock (StorageLock), the one the
 * Updater holds around each refresh and lookup and the tuf-native CLI and
 * standalone updater hold on their cache.
 */
class FileStorage extends StorageBase
{
    /**
     * The roles whose stored versions later ones are compared with (spec
     * 5.3 to 5.5): written durably.
     */
    private const BASELINES = ['root', 'timestamp', 'snapshot'];

    /**
     * @param string $basePath
     *   An existing directory.
     *
     * @throws \RuntimeException
     *   If $basePath is not a directory.
     */
    public function __construct(protected string $basePath)
    {
        if (!is_dir($basePath)) {
            throw new \RuntimeException("Cannot initialize filesystem local state: '$basePath' is not a directory.");
        }
    }

    /**
     * The file that holds $name.
     *
     * urlencode() keeps upper-case letters, so on a case-insensitive
     * filesystem a delegated role "Root" or "TIMESTAMP" would share the
     * trusted root's or the rollback baseline's file. Upper-case letters
     * are therefore encoded too ("Root" is "%52oot.json"): escapes use
     * upper-case hex and a literal "%" is "%25", so no two names differ
     * only in case, and the names are ASCII, so a normalising filesystem
     * has nothing to change. Lower-case names keep their old files.
     */
    protected function toPath(string $name): string
    {
        $encoded = preg_replace_callback(
            '/%[0-9A-F]{2}|[A-Z]/',
            static fn (array $m): string => strlen($m[0]) === 3 ? $m[0] : sprintf('%%%02X', ord($m[0])),
            urlencode($name)
        );
        return $this->basePath . DIRECTORY_SEPARATOR . $encoded . '.json';
    }

    protected function read(string $name): ?string
    {
        $path = $this->toPath($name);
        if (!is_file($path)) {
            return null;
        }
        $data = @file_get_contents($path);
        if ($data === false) {
            throw new \RuntimeException("Cannot read '$path'.");
        }
        return $data;
    }

    protected function write(string $name, string $data): void
    {
        StorageLock::run($this->basePath, fn () => $this->writeLocked($name, $data));
    }

    private function writeLocked(string $name, string $data): void
    {
        $path = $this->toPath($name);
        // fsync() is PHP 8.1's; this package requires 8.1.
        $durable = in_array($name, self::BASELINES, true);
        $temp = @tempnam(dirname($path), '.tmp-');
        if ($temp === false) {
            throw new \RuntimeException("Cannot create a temporary file next to '$path'.");
        }
        try {
            // "c", not "w": tempnam() made the file empty, and truncating
            // it would make ext4 write it out on close (auto_da_alloc); a
            // rename over an existing file still does, on cold runs not.
            $handle = @fopen($temp, 'cb');
            if ($handle === false) {
                throw new \RuntimeException("Cannot open '$temp'.");
            }
            try {
                $written = 0;
                $length = strlen($data);
                while ($written < $length) {
                    $n = @fwrite($handle, substr($data, $written));
                    if ($n === false || $n === 0) {
                        throw new \RuntimeException("Cannot write '$temp'.");
                    }
                    $written += $n;
                }
                if (!fflush($handle) || ($durable && !@fsync($handle))) {
                    throw new \RuntimeException("Cannot flush '$temp' to disk.");
                }
            } finally {
                fclose($handle);
            }
            // tempnam() creates the file 0600; give it the mode a plain
            // file_put_contents() would have.
            @chmod($temp, 0666 & ~umask());
            if (!@rename($temp, $path)) {
                throw new \RuntimeException("Cannot replace '$path'.");
            }
            if ($durable) {
                $this->syncDirectory();
            }
        } catch (\Throwable $e) {
            @unlink($temp);
            throw $e;
        }
    }

    /**
     * Flushes the directory entry of a rename to disk: without it, a power
     * failure can bring back the baseline the rename replaced.
     */
    private function syncDirectory(): void
    {
        $handle = @fopen($this->basePath, 'r');
        if ($handle === false || !@fsync($handle)) {
            if ($handle !== false) {
                fclose($handle);
            }
            throw new \RuntimeException("Cannot flush the directory '{$this->basePath}' to disk.");
        }
        fclose($handle);
    }

    public function delete(string $name): void
    {
        StorageLock::run($this->basePath, fn () => $this->deleteLocked($name));
    }

    private function deleteLocked(string $name): void
    {
        $path = $this->toPath($name);
        if (file_exists($path) && !@unlink($path)) {
            throw new \RuntimeException("Cannot delete '$path'.");
        }
        // Forgetting a baseline (spec 5.3.11) must survive a power failure
        // as its writes do.
        if (in_array($name, self::BASELINES, true)) {
            $this->syncDirectory();
        }
    }
}
