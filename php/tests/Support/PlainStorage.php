<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use Tuf\Metadata\MetadataBase;
use Tuf\Metadata\RootMetadata;
use Tuf\Metadata\SnapshotMetadata;
use Tuf\Metadata\StorageInterface;
use Tuf\Metadata\TargetsMetadata;
use Tuf\Metadata\TimestampMetadata;

/**
 * A StorageInterface written from scratch (not on StorageBase), keeping
 * metadata objects; $failOn makes save() of that role throw.
 */
final class PlainStorage implements StorageInterface
{
    /** @var array<string, MetadataBase> */
    public array $saved = [];

    public ?string $failOn = null;

    public function getRoot(): RootMetadata
    {
        return $this->saved['root'] ?? throw new \LogicException('no root');
    }

    public function getTimestamp(): ?TimestampMetadata
    {
        return $this->saved['timestamp'] ?? null;
    }

    public function getSnapshot(): ?SnapshotMetadata
    {
        return $this->saved['snapshot'] ?? null;
    }

    public function getTargets(string $role = 'targets'): ?TargetsMetadata
    {
        return $this->saved[$role] ?? null;
    }

    public function save(MetadataBase $metadata): void
    {
        $metadata->ensureIsTrusted();
        if ($metadata->getRole() === $this->failOn) {
            throw new \RuntimeException("disk full while saving {$this->failOn}");
        }
        $this->saved[$metadata->getRole()] = $metadata;
    }

    public function delete(string $name): void
    {
        unset($this->saved[$name]);
    }
}
