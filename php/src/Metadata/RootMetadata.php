<?php

declare(strict_types=1);

namespace Tuf\Metadata;

use Tuf\Key;
use Tuf\Role;

/**
 * root.json: the keys and thresholds of the top-level roles.
 *
 * Ship the first one with the application and hand it to the storage:
 * `$storage->save(RootMetadata::createFromJson($json)->trust())`.
 */
class RootMetadata extends MetadataBase
{
    public const TYPE = 'root';

    /**
     * The top-level roles, keyed by name.
     *
     * @return Role[]
     *
     * @throws \RuntimeException
     *   If the metadata is not trusted and $allowUntrustedAccess is false.
     */
    public function getRoles(bool $allowUntrustedAccess = false): array
    {
        $this->ensureIsTrusted($allowUntrustedAccess);
        $roles = [];
        foreach ($this->signed['roles'] as $name => $info) {
            $roles[$name] = Role::createFromMetadata($info, (string) $name);
        }
        return $roles;
    }

    /**
     * The keys, keyed by key ID.
     *
     * @return Key[]
     *
     * @throws \RuntimeException
     *   If the metadata is not trusted and $allowUntrustedAccess is false.
     */
    public function getKeys(bool $allowUntrustedAccess = false): array
    {
        $this->ensureIsTrusted($allowUntrustedAccess);
        $keys = [];
        foreach ($this->signed['keys'] as $keyId => $info) {
            $keys[(string) $keyId] = Key::createFromMetadata($info);
        }
        return $keys;
    }

    /**
     * Whether the repository publishes versioned metadata file names and
     * hash-prefixed target file names.
     *
     * @throws \RuntimeException
     *   If the metadata is not trusted.
     */
    public function supportsConsistentSnapshots(): bool
    {
        $this->ensureIsTrusted();
        return $this->signed['consistent_snapshot'];
    }
}
