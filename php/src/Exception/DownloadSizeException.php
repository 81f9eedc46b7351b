<?php

declare(strict_types=1);

namespace Tuf\Exception;

/**
 * Data from the repository is larger than allowed, or not the size that
 * trusted metadata says it is.
 */
class DownloadSizeException extends TufException
{
}
