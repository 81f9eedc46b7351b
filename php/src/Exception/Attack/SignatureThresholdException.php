<?php

declare(strict_types=1);

namespace Tuf\Exception\Attack;

/**
 * Metadata lacks the required number of valid signatures.
 */
class SignatureThresholdException extends AttackException
{
}
