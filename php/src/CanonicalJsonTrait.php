<?php

declare(strict_types=1);

namespace Tuf;

/**
 * Canonical JSON as TUF signers produce it (securesystemslib's
 * encode_canonical): object keys sorted by code point, no whitespace,
 * strings escaping only '\' and '"', integers only.
 *
 * Signature checks are done natively on the bytes received; this encoder
 * only serves callers of toCanonicalJson().
 */
trait CanonicalJsonTrait
{
    /**
     * Encodes an array (string-keyed: an object; a list: an array)
     * canonically, as php-tuf's encodeJson() does, but in the signers'
     * canonical form.
     *
     * @param int $flags
     *   Accepted for php-tuf compatibility; canonical JSON has no options.
     *
     * @throws \InvalidArgumentException
     *   For floats and other values canonical JSON cannot hold.
     */
    protected static function encodeJson(array $data, int $flags = 0): string
    {
        return self::canonical($data);
    }

    /**
     * Canonical JSON of decoded JSON (objects as \stdClass or string-keyed
     * arrays, lists as arrays).
     */
    private static function canonical(mixed $data): string
    {
        if ($data === null) {
            return 'null';
        }
        if (is_bool($data)) {
            return $data ? 'true' : 'false';
        }
        if (is_int($data)) {
            return (string) $data;
        }
        if (is_string($data)) {
            return '"' . str_replace(['\\', '"'], ['\\\\', '\\"'], $data) . '"';
        }
        if ($data instanceof \stdClass) {
            $data = get_object_vars($data);
            $isObject = true;
        } elseif (is_array($data)) {
            $isObject = !array_is_list($data);
        } else {
            throw new \InvalidArgumentException('Canonical JSON cannot encode a ' . get_debug_type($data));
        }
        if (!$isObject) {
            return '[' . implode(',', array_map(static fn ($v) => self::canonical($v), $data)) . ']';
        }
        self::sortKeys($data);
        $parts = [];
        foreach ($data as $key => $value) {
            $parts[] = self::canonical((string) $key) . ':' . self::canonical($value);
        }
        return '{' . implode(',', $parts) . '}';
    }

    /**
     * Decodes JSON into arrays.
     *
     * @throws \JsonException
     *   If $data is not JSON.
     */
    protected static function decodeJson(string $data): array
    {
        $decoded = json_decode($data, true, 512, JSON_THROW_ON_ERROR);
        if (!is_array($decoded)) {
            throw new \JsonException('Expected a JSON object or array.');
        }
        return $decoded;
    }

    /**
     * Sorts the keys of an object-like array by their bytes (which for
     * UTF-8 is code point order), recursively.
     */
    private static function sortKeys(array &$data): void
    {
        uksort($data, static fn ($a, $b) => strcmp((string) $a, (string) $b));
        foreach ($data as &$value) {
            if (is_array($value) && !array_is_list($value)) {
                self::sortKeys($value);
            }
        }
    }
}
