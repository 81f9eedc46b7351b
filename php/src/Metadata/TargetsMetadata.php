<?php

declare(strict_types=1);

namespace Tuf\Metadata;

use Tuf\DelegatedRole;
use Tuf\Exception\MetadataException;
use Tuf\Exception\NotFoundException;
use Tuf\Key;

/**
 * targets.json or a delegated targets role: the targets it lists, and the
 * roles it delegates to.
 */
class TargetsMetadata extends MetadataBase
{
    public const TYPE = 'targets';

    /**
     * The role name, when it is a delegated role.
     */
    private ?string $role = null;

    /**
     * Entries of targets the native core looked up in this role, so their
     * length and hashes need no decoding of the whole file.
     *
     * @var array<string, array{length: int, hashes: array<string, string>, custom?: mixed}>
     */
    private array $verifiedTargets = [];

    /**
     * {@inheritDoc}
     *
     * @param string|null $roleName
     *   The delegated role's name; null for the top-level 'targets'.
     */
    public static function createFromJson(string $json, ?string $roleName = null): static
    {
        $metadata = parent::createFromJson($json);
        $metadata->role = $roleName;
        return $metadata;
    }

    /**
     * A view of natively verified bytes of role $roleName (null: the
     * top-level 'targets'), decoded only when a getter needs more than
     * the target the native lookup found.
     *
     * @internal Used by Tuf\Client\Updater.
     */
    public static function fromVerifiedRole(string $json, ?string $roleName, ?\Tuf\Native\TargetInfo $found = null): static
    {
        $metadata = static::fromVerifiedJson($json);
        $metadata->role = $roleName;
        if ($found !== null) {
            $entry = ['length' => $found->getLength(), 'hashes' => $found->getHashes()];
            $custom = $found->getCustomJson();
            if ($custom !== null) {
                $entry['custom'] = json_decode($custom, true, 512, JSON_THROW_ON_ERROR);
            }
            $metadata->verifiedTargets[$found->getPath()] = $entry;
        }
        return $metadata;
    }

    protected static function checkShape(array $data): void
    {
        parent::checkShape($data);
        $signed = $data['signed'];
        if (!is_array($signed['targets'] ?? null)) {
            throw new MetadataException("'targets' must be an object.");
        }
        foreach ($signed['targets'] as $path => $info) {
            if (!is_array($info) || !is_int($info['length'] ?? null) || !is_array($info['hashes'] ?? null)) {
                throw new MetadataException("Target '$path' needs an integer 'length' and 'hashes'.");
            }
        }
        if (array_key_exists('delegations', $signed)) {
            $delegations = $signed['delegations'];
            if (!is_array($delegations) || !is_array($delegations['keys'] ?? null)) {
                throw new MetadataException("'delegations' needs a 'keys' object.");
            }
            $roles = $delegations['roles'] ?? [];
            if (!is_array($roles) || !array_is_list($roles)) {
                throw new MetadataException("'delegations.roles' must be a list.");
            }
            $names = array_column($roles, 'name');
            if (count($names) !== count(array_unique($names))) {
                throw new MetadataException('Delegated role names must be unique.');
            }
        }
    }

    /**
     * The trusted length of a target, in bytes.
     *
     * @throws NotFoundException
     *   If this metadata does not list $target.
     */
    public function getLength(string $target): int
    {
        return $this->getInfo($target)['length'];
    }

    /**
     * The trusted hashes of a target: algorithm => hex digest.
     *
     * @throws NotFoundException
     *   If this metadata does not list $target.
     */
    public function getHashes(string $target): array
    {
        return $this->getInfo($target)['hashes'];
    }

    /**
     * Whether this metadata lists $target itself (delegations aside).
     */
    public function hasTarget(string $target): bool
    {
        return isset($this->verifiedTargets[$target]) || isset($this->getSigned()['targets'][$target]);
    }

    /**
     * The entry of a target: 'length', 'hashes' and, if any, 'custom'.
     *
     * @throws NotFoundException
     *   If this metadata does not list $target.
     */
    protected function getInfo(string $target): array
    {
        return $this->verifiedTargets[$target]
            ?? $this->getSigned()['targets'][$target]
            ?? throw new NotFoundException($target, 'Target');
    }

    public function getRole(): string
    {
        return $this->role ?? $this->getType();
    }

    /**
     * The keys of the delegated roles, keyed by key ID.
     *
     * @return Key[]
     */
    public function getDelegatedKeys(): array
    {
        $keys = [];
        foreach ($this->getSigned()['delegations']['keys'] ?? [] as $keyId => $info) {
            $keys[(string) $keyId] = Key::createFromMetadata($info);
        }
        return $keys;
    }

    /**
     * The delegated roles, in the order they are listed, keyed by name.
     *
     * Only listed roles are returned; succinct hashed-bin delegations
     * (TAP 15) are searched natively but not expanded here.
     *
     * @return DelegatedRole[]
     */
    public function getDelegatedRoles(): array
    {
        $roles = [];
        foreach ($this->getSigned()['delegations']['roles'] ?? [] as $info) {
            $role = DelegatedRole::createFromMetadata($info);
            $roles[$role->getName()] = $role;
        }
        return $roles;
    }
}
