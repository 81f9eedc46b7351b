<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

/**
 * Lowers php-tuf's delegated role limit the way a subclass may.
 */
final class OneDelegatedRole extends ComposerLikeUpdater
{
    const MAXIMUM_TARGET_ROLES = 1;
}
