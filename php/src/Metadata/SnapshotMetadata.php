<?php

declare(strict_types=1);

namespace Tuf\Metadata;

/**
 * snapshot.json: the current version of every targets role.
 */
class SnapshotMetadata extends FileInfoMetadataBase
{
    public const TYPE = 'snapshot';
}
