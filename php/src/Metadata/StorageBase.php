<?php

declare(strict_types=1);

namespace Tuf\Metadata;

/**
 * A storage that keeps each role's metadata as a string: subclasses only
 * read, write and delete strings by name.
 */
abstract class StorageBase implements StorageInterface
{
    /**
     * The stored string for $name (a role, e.g. 'root'), or null.
     */
    abstract protected function read(string $name): ?string;

    /**
     * Stores $data under $name, replacing what was there.
     */
    abstract protected function write(string $name, string $data): void;

    public function getRoot(): RootMetadata
    {
        $data = $this->read(RootMetadata::TYPE);
        if ($data === null || $data === '') {
            // php-tuf's message; the application must save its initial root first.
            throw new \LogicException('Could not load root metadata.');
        }
        return RootMetadata::createFromJson($data)->trust();
    }

    public function getTimestamp(): ?TimestampMetadata
    {
        $data = $this->read(TimestampMetadata::TYPE);
        return ($data === null || $data === '') ? null : TimestampMetadata::createFromJson($data)->trust();
    }

    public function getSnapshot(): ?SnapshotMetadata
    {
        $data = $this->read(SnapshotMetadata::TYPE);
        return ($data === null || $data === '') ? null : SnapshotMetadata::createFromJson($data)->trust();
    }

    public function getTargets(string $role = 'targets'): ?TargetsMetadata
    {
        $data = $this->read($role);
        return ($data === null || $data === '') ? null : TargetsMetadata::createFromJson($data, $role)->trust();
    }

    public function save(MetadataBase $metadata): void
    {
        $metadata->ensureIsTrusted();
        $this->write($metadata->getRole(), $metadata->source);
    }
}
