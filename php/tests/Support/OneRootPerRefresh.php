<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

/**
 * Lowers php-tuf's root download limit the way a subclass may.
 */
final class OneRootPerRefresh extends ComposerLikeUpdater
{
    const MAX_ROOT_DOWNLOADS = 1;
}
