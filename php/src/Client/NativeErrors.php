<?php

declare(strict_types=1);

namespace Tuf\Client;

use Tuf\Native\Exception\TufException as NativeException;

/**
 * The native exception behind each php-tuf exception the updater throws.
 *
 * php-tuf's exceptions are thrown without the native one as getPrevious():
 * Symfony Console (so Composer) prints every exception of the previous
 * chain as its own error block, and both carry the same message, so each
 * failure would be shown twice. The native exception (its class and
 * message, for logs and debugging) stays reachable here for as long as
 * the php-tuf exception lives.
 */
final class NativeErrors
{
    /** @var \WeakMap<\Throwable, NativeException>|null */
    private static ?\WeakMap $causes = null;

    /**
     * The native exception that $e was made from, or null if $e did not
     * come from the extension.
     */
    public static function causeOf(\Throwable $e): ?NativeException
    {
        return self::$causes[$e] ?? null;
    }

    /**
     * Records $native as the cause of $e; returns $e.
     *
     * @template T of \Throwable
     * @param T $e
     * @return T
     */
    public static function remember(\Throwable $e, NativeException $native): \Throwable
    {
        self::$causes ??= new \WeakMap();
        self::$causes[$e] = $native;
        return $e;
    }
}
