<?php

declare(strict_types=1);

namespace Tuf;

use Tuf\Exception\MetadataException;

/**
 * A public key as listed in root or delegating targets metadata.
 */
final class Key
{
    use CanonicalJsonTrait;

    private function __construct(public readonly string $type, private string $scheme, public readonly string $public, private array $info)
    {
    }

    /**
     * @param array $keyInfo
     *   The key's entry ('keytype', 'scheme', 'keyval' with 'public').
     *
     * @throws MetadataException
     *   If the entry is malformed.
     */
    public static function createFromMetadata(array $keyInfo): self
    {
        $type = $keyInfo['keytype'] ?? null;
        $scheme = $keyInfo['scheme'] ?? null;
        $public = $keyInfo['keyval']['public'] ?? null;
        if (!is_string($type) || !is_string($scheme) || !is_string($public)) {
            throw new MetadataException("A key needs 'keytype', 'scheme' and 'keyval.public' strings.");
        }
        return new self($type, $scheme, $public, $keyInfo);
    }

    /**
     * The key ID by php-tuf's formula: the hex SHA-256 of the canonical JSON
     * of the key with "keyid_hash_algorithms": ["sha256", "sha512"] (the
     * listed value if the entry has one). That is how securesystemslib
     * before 0.21 made key IDs, and how the keys of packages.drupal.org are
     * identified; keys made by newer tools have IDs without that field.
     * Verification does not depend on it: the native core uses the key IDs
     * as listed.
     */
    public function getComputedKeyId(): string
    {
        return hash('sha256', self::encodeJson([
            'keytype' => $this->type,
            'scheme' => $this->scheme,
            'keyid_hash_algorithms' => $this->info['keyid_hash_algorithms'] ?? ['sha256', 'sha512'],
            'keyval' => ['public' => $this->public],
        ]));
    }
}
