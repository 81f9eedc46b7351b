<?php

declare(strict_types=1);

namespace Tuf\Exception\Attack;

use Tuf\Exception\TufException;

/**
 * Root of the failures that mean the repository, or someone between it and
 * us, may be attacking the client.
 */
abstract class AttackException extends TufException
{
}
