<?php

declare(strict_types=1);

namespace Tuf;

use Tuf\Exception\MetadataException;

/**
 * A role delegated by a targets role, for the target paths it may sign.
 */
class DelegatedRole extends Role
{
    private function __construct(
        string $name,
        int $threshold,
        array $keyIds,
        protected ?array $paths,
        protected ?array $pathHashPrefixes,
        public readonly bool $terminating,
    ) {
        parent::__construct($name, $threshold, $keyIds);
    }

    /**
     * @param iterable $roleInfo
     *   The role's entry under 'delegations.roles'.
     * @param string|null $name
     *   Unused: the name comes from the entry.
     *
     * @throws MetadataException
     *   If the entry is malformed.
     */
    public static function createFromMetadata(iterable $roleInfo, ?string $name = null): Role
    {
        $info = is_array($roleInfo) ? $roleInfo : iterator_to_array($roleInfo);
        $name = $info['name'] ?? null;
        if (!is_string($name) || $name === '') {
            throw new MetadataException('A delegated role needs a name.');
        }
        // The key IDs and threshold are checked as for a top-level role.
        $role = Role::createFromMetadata($info, $name);
        if (!is_bool($info['terminating'] ?? null)) {
            throw new MetadataException("Delegated role '$name' needs a boolean 'terminating'.");
        }
        if (array_key_exists('paths', $info) === array_key_exists('path_hash_prefixes', $info)) {
            throw new MetadataException("Delegated role '$name' needs either 'paths' or 'path_hash_prefixes'.");
        }
        $lists = [];
        foreach (['paths', 'path_hash_prefixes'] as $field) {
            $list = $info[$field] ?? null;
            if ($list !== null && (!is_array($list) || !array_is_list($list) || array_filter($list, 'is_string') !== $list)) {
                throw new MetadataException("Delegated role '$name': '$field' must be a list of strings.");
            }
            $lists[$field] = $list;
        }
        return new static($name, $role->threshold, $role->keyIds, $lists['paths'], $lists['path_hash_prefixes'], $info['terminating']);
    }

    /**
     * Whether this role may sign for $target.
     *
     * As in python-tuf (and the native search): a pattern and the target
     * are split on '/' and must have as many segments, each matched with
     * shell wildcards, so '*' never matches '/'. A hash prefix matches the
     * start of the hex SHA-256 of the target path.
     */
    public function matchesPath(string $target): bool
    {
        if ($this->pathHashPrefixes !== null) {
            $digest = hash('sha256', $target);
            foreach ($this->pathHashPrefixes as $prefix) {
                if (str_starts_with($digest, $prefix)) {
                    return true;
                }
            }
            return false;
        }
        $targetSegments = explode('/', $target);
        foreach ($this->paths ?? [] as $pattern) {
            $patternSegments = explode('/', $pattern);
            if (count($patternSegments) !== count($targetSegments)) {
                continue;
            }
            foreach ($patternSegments as $i => $segment) {
                if (!fnmatch($segment, $targetSegments[$i], FNM_NOESCAPE)) {
                    continue 2;
                }
            }
            return true;
        }
        return false;
    }
}
