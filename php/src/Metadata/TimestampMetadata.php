<?php

declare(strict_types=1);

namespace Tuf\Metadata;

/**
 * timestamp.json: names the current snapshot.
 */
class TimestampMetadata extends FileInfoMetadataBase
{
    public const TYPE = 'timestamp';
}
