<?php

declare(strict_types=1);

namespace Tuf;

use Tuf\Exception\MetadataException;

/**
 * A role: its name, its key IDs and how many of them must sign.
 */
class Role
{
    protected function __construct(public readonly string $name, public readonly int $threshold, protected array $keyIds)
    {
    }

    /**
     * @param array $roleInfo
     *   The role's entry in root metadata ('keyids', 'threshold').
     * @param string $name
     *   The role's name.
     *
     * @throws MetadataException
     *   If the entry is malformed.
     */
    public static function createFromMetadata(array $roleInfo, string $name): Role
    {
        $keyIds = $roleInfo['keyids'] ?? null;
        $threshold = $roleInfo['threshold'] ?? null;
        if (!is_array($keyIds) || !array_is_list($keyIds) || array_filter($keyIds, 'is_string') !== $keyIds) {
            throw new MetadataException("Role '$name' needs a list of key IDs.");
        }
        if (!is_int($threshold) || $threshold < 1) {
            throw new MetadataException("Role '$name' needs a threshold of at least 1.");
        }
        return new static($name, $threshold, $keyIds);
    }

    /**
     * Whether the other role has the same key IDs, in the same order.
     */
    public function keysMatch(Role $other): bool
    {
        return $this->keyIds === $other->keyIds;
    }

    /**
     * Whether $keyId is one of this role's keys.
     */
    public function isKeyIdAcceptable(string $keyId): bool
    {
        return in_array($keyId, $this->keyIds, true);
    }
}
