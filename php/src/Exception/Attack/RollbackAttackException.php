<?php

declare(strict_types=1);

namespace Tuf\Exception\Attack;

/**
 * Metadata is older than what the client already trusts, or not the
 * version that trusted metadata names.
 */
class RollbackAttackException extends AttackException
{
}
