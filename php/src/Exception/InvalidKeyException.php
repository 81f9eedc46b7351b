<?php

declare(strict_types=1);

namespace Tuf\Exception;

/**
 * A key is malformed or of an unsupported type.
 */
class InvalidKeyException extends TufException
{
}
