<?php

declare(strict_types=1);

namespace Tuf\Client;

use GuzzleHttp\Promise\PromiseInterface;
use Psr\Http\Message\StreamInterface;
use Tuf\Exception\NotFoundException;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\RootMetadata;
use Tuf\Metadata\SnapshotMetadata;
use Tuf\Metadata\TargetsMetadata;
use Tuf\Metadata\TimestampMetadata;

/**
 * Loads untrusted metadata from the repository, by role and version.
 *
 * The updater itself asks the loader for the file names the native core
 * needs; this class remains for callers that fetch metadata themselves.
 */
class Repository
{
    /**
     * Byte cap for metadata whose size no trusted metadata lists.
     *
     * The updater also applies it to the native core's caps when it is
     * changed from this default (composer-integration's "max-bytes").
     */
    public static int $maxBytes = 100000;

    public function __construct(private SizeCheckingLoader $sizeCheckingLoader)
    {
    }

    /**
     * Untrusted root metadata of a given version, or null if the repository
     * has no such version.
     */
    public function getRoot(int $version): ?RootMetadata
    {
        try {
            $data = $this->sizeCheckingLoader->load("$version.root.json", self::$maxBytes)->wait();
        } catch (NotFoundException) {
            return null;
        }
        return RootMetadata::createFromJson(self::contents($data));
    }

    /**
     * Untrusted timestamp metadata.
     */
    public function getTimestamp(): TimestampMetadata
    {
        $data = $this->sizeCheckingLoader->load('timestamp.json', self::$maxBytes)->wait();
        return TimestampMetadata::createFromJson(self::contents($data));
    }

    /**
     * Untrusted snapshot metadata.
     *
     * @param int|null $version
     *   The version, with consistent snapshots; null otherwise.
     * @param int|null $maxBytes
     *   The exact length timestamp lists, if it does.
     */
    public function getSnapshot(?int $version, ?int $maxBytes = null): SnapshotMetadata
    {
        $name = $version === null ? 'snapshot.json' : "$version.snapshot.json";
        $data = $this->sizeCheckingLoader->load($name, $maxBytes ?? self::$maxBytes, $maxBytes !== null)->wait();
        return SnapshotMetadata::createFromJson(self::contents($data));
    }

    /**
     * Untrusted metadata of a targets role.
     *
     * @param int|null $version
     *   The version, with consistent snapshots; null otherwise.
     * @param string $role
     *   'targets' or a delegated role.
     * @param int|null $maxBytes
     *   The exact length snapshot lists, if it does.
     *
     * @return PromiseInterface
     *   Fulfilled with a TargetsMetadata.
     */
    public function getTargets(?int $version, string $role = 'targets', ?int $maxBytes = null): PromiseInterface
    {
        // Percent-encoded as python-tuf publishes it ("a/b" -> "a%2Fb").
        $file = rawurlencode($role) . '.json';
        $name = $version === null ? $file : "$version.$file";
        return $this->sizeCheckingLoader->load($name, $maxBytes ?? self::$maxBytes, $maxBytes !== null)
            ->then(static fn (StreamInterface $data) => TargetsMetadata::createFromJson(self::contents($data), $role));
    }

    private static function contents(StreamInterface $data): string
    {
        if ($data->isSeekable()) {
            $data->rewind();
        }
        return $data->getContents();
    }
}
