<?php

declare(strict_types=1);

namespace Tuf\Metadata;

use Tuf\Exception\MetadataException;
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

    protected static function checkShape(array $data): void
    {
        parent::checkShape($data);
        $signed = $data['signed'];
        if (!is_array($signed['keys'] ?? null) || !is_array($signed['roles'] ?? null)) {
            throw new MetadataException("Root metadata needs 'keys' and 'roles' objects.");
        }
        foreach (['root', 'timestamp', 'snapshot', 'targets'] as $role) {
            if (!is_array($signed['roles'][$role] ?? null)) {
                throw new MetadataException("Root metadata does not define the '$role' role.");
            }
        }
        if (!is_bool($signed['consistent_snapshot'] ?? null)) {
            throw new MetadataException("'consistent_snapshot' must be a boolean.");
        }
    }

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
        foreach ($this->getSigned()['roles'] as $name => $info) {
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
        foreach ($this->getSigned()['keys'] as $keyId => $info) {
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
        return $this->getSigned()['consistent_snapshot'];
    }
}
