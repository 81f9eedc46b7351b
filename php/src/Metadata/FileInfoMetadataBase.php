<?php

declare(strict_types=1);

namespace Tuf\Metadata;

/**
 * Metadata that lists other metadata files under 'meta' (timestamp and
 * snapshot).
 */
abstract class FileInfoMetadataBase extends MetadataBase
{
    /**
     * The entry for a file under 'meta' (e.g. 'snapshot.json'): 'version',
     * and 'length' and 'hashes' where listed.
     *
     * @throws \RuntimeException
     *   If the metadata is not trusted and $allowUntrustedAccess is false.
     */
    public function getFileMetaInfo(string $key, bool $allowUntrustedAccess = false): ?array
    {
        $this->ensureIsTrusted($allowUntrustedAccess);
        return $this->signed['meta'][$key] ?? null;
    }
}
