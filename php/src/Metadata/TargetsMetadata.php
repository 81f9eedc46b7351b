<?php

declare(strict_types=1);

namespace Tuf\Metadata;

use Tuf\DelegatedRole;
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
     * Names the role of a natively verified view and records the entry the
     * native lookup found, so that its length and hashes need no decoding
     * of the whole file. Reached by Tuf\Client\Updater through a closure
     * bound to this class, so it is not part of the public API.
     */
    private function describe(?string $roleName, ?\Tuf\Native\TargetInfo $found): static
    {
        $this->role = $roleName;
        if ($found !== null) {
            $entry = ['length' => $found->getLength(), 'hashes' => $found->getHashes()];
            $custom = $found->getCustomJson();
            if ($custom !== null) {
                $entry['custom'] = json_decode($custom, true, 512, JSON_THROW_ON_ERROR);
            }
            $this->verifiedTargets[$found->getPath()] = $entry;
        }
        return $this;
    }

    /**
     * {@inheritDoc}
     *
     * Empty 'targets', 'custom' and delegation 'keys' stay objects, as in
     * php-tuf.
     */
    protected function toNormalizedArray(): array
    {
        $normalized = parent::toNormalizedArray();
        foreach ($normalized['targets'] as $path => $target) {
            if (is_array($target) && array_key_exists('custom', $target) && empty($target['custom'])) {
                $normalized['targets'][$path]['custom'] = new \stdClass();
            }
        }
        if (empty($normalized['targets'])) {
            $normalized['targets'] = new \stdClass();
        }
        if (array_key_exists('delegations', $normalized) && empty($normalized['delegations']['keys'])) {
            $normalized['delegations']['keys'] = new \stdClass();
        }
        return $normalized;
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
        return isset($this->verifiedTargets[$target]) || isset($this->signed['targets'][$target]);
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
            ?? $this->signed['targets'][$target]
            ?? throw new NotFoundException($target, 'Target');
    }

    public function getRole(): string
    {
        return $this->role ?? $this->type;
    }

    /**
     * The keys of the delegated roles, keyed by key ID.
     *
     * @return Key[]
     */
    public function getDelegatedKeys(): array
    {
        $keys = [];
        foreach ($this->signed['delegations']['keys'] ?? [] as $keyId => $info) {
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
        foreach ($this->signed['delegations']['roles'] ?? [] as $info) {
            $role = DelegatedRole::createFromMetadata($info);
            $roles[$role->name] = $role;
        }
        return $roles;
    }
}
