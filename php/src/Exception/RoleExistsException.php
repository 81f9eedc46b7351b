<?php

declare(strict_types=1);

namespace Tuf\Exception;

/**
 * A role was defined twice.
 */
class RoleExistsException extends TufException
{
}
