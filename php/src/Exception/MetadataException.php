<?php

declare(strict_types=1);

namespace Tuf\Exception;

/**
 * Metadata is malformed, or inconsistent with the metadata that refers to it.
 */
class MetadataException extends TufException
{
}
