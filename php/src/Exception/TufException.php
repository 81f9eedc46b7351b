<?php

declare(strict_types=1);

namespace Tuf\Exception;

/**
 * Root of every exception the TUF client throws on purpose.
 *
 * Abstract, as in php-tuf: catch it, or one of its subclasses.
 */
abstract class TufException extends \Exception
{
}
