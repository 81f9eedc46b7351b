<?php

declare(strict_types=1);

namespace Tuf\Metadata;

use Tuf\Exception\MetadataException;

/**
 * Metadata that lists other metadata files under 'meta' (timestamp and
 * snapshot).
 */
abstract class FileInfoMetadataBase extends MetadataBase
{
    protected static function checkShape(array $data): void
    {
        parent::checkShape($data);
        $meta = $data['signed']['meta'] ?? null;
        if (!is_array($meta)) {
            throw new MetadataException("'meta' must be an object.");
        }
        foreach ($meta as $info) {
            if (!is_array($info) || !is_int($info['version'] ?? null)) {
                throw new MetadataException("Each 'meta' entry needs an integer 'version'.");
            }
        }
    }

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
        return $this->getSigned()['meta'][$key] ?? null;
    }
}
