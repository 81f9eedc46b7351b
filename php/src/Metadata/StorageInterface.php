<?php

declare(strict_types=1);

namespace Tuf\Metadata;

/**
 * Where the client keeps the metadata it trusts, between runs.
 */
interface StorageInterface
{
    /**
     * The trusted root metadata.
     *
     * @throws \LogicException
     *   If there is none: the application must save its initial root first.
     */
    public function getRoot(): RootMetadata;

    /**
     * The trusted timestamp metadata, if any.
     */
    public function getTimestamp(): ?TimestampMetadata;

    /**
     * The trusted snapshot metadata, if any.
     */
    public function getSnapshot(): ?SnapshotMetadata;

    /**
     * The trusted metadata of a targets role ('targets' or delegated), if any.
     */
    public function getTargets(string $role = 'targets'): ?TargetsMetadata;

    /**
     * Stores trusted metadata under its role, byte for byte.
     *
     * @throws \RuntimeException
     *   If the metadata is not trusted.
     */
    public function save(MetadataBase $metadata): void;

    /**
     * Forgets stored metadata by name (the role, e.g. 'timestamp').
     * Deleting something absent is not an error.
     */
    public function delete(string $name): void;
}
