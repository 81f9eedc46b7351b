<?php

declare(strict_types=1);

namespace Tuf\Exception;

/**
 * Something (a target, a key, a file) is not known to the repository.
 */
class NotFoundException extends TufException
{
    /**
     * @param string $key
     *   What was looked for (a target path, a key ID...), if known.
     * @param string $itemType
     *   The kind of thing looked for, used in the message.
     * @param \Throwable|null $previous
     *   The underlying error, if any.
     */
    public function __construct(string $key = '', string $itemType = 'Item', ?\Throwable $previous = null)
    {
        $text = $key === '' ? "$itemType not found" : "$itemType not found: $key";
        parent::__construct($text, 0, $previous);
    }
}
