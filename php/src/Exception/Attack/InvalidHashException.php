<?php

declare(strict_types=1);

namespace Tuf\Exception\Attack;

use Psr\Http\Message\StreamInterface;
use Tuf\Exception\TufException;

/**
 * Downloaded target data does not match its trusted length and hashes.
 *
 * The rejected data stays reachable through getStream(); it is untrusted
 * and must be handled as such. (As in php-tuf, this class extends
 * TufException directly, not AttackException.)
 */
class InvalidHashException extends TufException
{
    /**
     * @param StreamInterface $stream
     *   The rejected data.
     * @param string $message
     *   What did not match.
     * @param int $code
     *   The exception code.
     * @param \Throwable|null $previous
     *   The underlying error, if any.
     */
    public function __construct(private StreamInterface $stream, $message = '', $code = 0, ?\Throwable $previous = null)
    {
        parent::__construct((string) $message, (int) $code, $previous);
    }

    /**
     * The data that failed verification. Untrusted: do not install or run it.
     */
    public function getStream(): StreamInterface
    {
        return $this->stream;
    }
}
