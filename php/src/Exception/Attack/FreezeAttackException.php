<?php

declare(strict_types=1);

namespace Tuf\Exception\Attack;

/**
 * Metadata is expired: the client may be held on an old repository state.
 */
class FreezeAttackException extends AttackException
{
}
