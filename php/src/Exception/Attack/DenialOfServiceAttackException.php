<?php

declare(strict_types=1);

namespace Tuf\Exception\Attack;

/**
 * The repository makes the client do more work than its limits allow.
 */
class DenialOfServiceAttackException extends AttackException
{
}
