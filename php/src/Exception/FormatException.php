<?php

declare(strict_types=1);

namespace Tuf\Exception;

/**
 * A value could not be read in the format it must have.
 */
class FormatException extends TufException
{
    /**
     * @param string $malformedValue
     *   The offending value; it is appended to the message.
     * @param string $message
     *   What is wrong with it ("Bad format" when empty).
     * @param \Throwable|null $previous
     *   The underlying error, if any.
     */
    public function __construct(string $malformedValue, string $message = '', ?\Throwable $previous = null)
    {
        $text = ($message === '' ? 'Bad format' : $message) . ': ' . $malformedValue;
        parent::__construct($text, 0, $previous);
    }
}
