<?php

declare(strict_types=1);

namespace Tuf\Metadata;

use Tuf\CanonicalJsonTrait;
use Tuf\Exception\FormatException;
use Tuf\Exception\MetadataException;

/**
 * A read-only view of one TUF metadata file.
 *
 * The view is built from the bytes exactly as received (getSource()), and
 * decoded into arrays for the getters (on first use, for metadata the
 * updater created from natively verified bytes). It checks only the shape its getters
 * rely on: signatures, thresholds, versions, expiry and every other
 * security property are verified natively by the tuf_native extension
 * before the updater marks metadata as trusted.
 */
abstract class MetadataBase
{
    use CanonicalJsonTrait;

    /**
     * The `_type` of this kind of metadata.
     */
    public const TYPE = '';

    private bool $isTrusted = false;

    /**
     * @param array $metadata
     *   The decoded document ('signed' and 'signatures').
     * @param string $sourceJson
     *   The document as received.
     */
    public function __construct(protected ?array $metadata, protected string $sourceJson)
    {
    }

    /**
     * A view of bytes the native core has already verified strictly: not
     * decoded until a getter needs it, so storing or looking up a role
     * costs no json_decode() of the whole file.
     *
     * @internal Used by Tuf\Client\Updater.
     */
    public static function fromVerifiedJson(string $json): static
    {
        return (new static(null, $json))->trust();
    }

    /**
     * The decoded document ('signed' and 'signatures').
     */
    protected function document(): array
    {
        return $this->metadata ??= json_decode($this->sourceJson, true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * Reads metadata from JSON, checking the shape the getters rely on.
     *
     * @throws \JsonException
     *   If $json is not JSON.
     * @throws MetadataException
     *   If it does not have the shape of this kind of metadata.
     */
    public static function createFromJson(string $json): static
    {
        $data = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
        if (!is_array($data) || array_is_list($data) && $data !== []) {
            throw new MetadataException('Metadata must be a JSON object.');
        }
        static::checkShape($data);
        return new static($data, $json);
    }

    /**
     * Throws MetadataException unless $data has the fields the getters use.
     */
    protected static function checkShape(array $data): void
    {
        $signed = $data['signed'] ?? null;
        $signatures = $data['signatures'] ?? null;
        if (!is_array($signed) || !is_array($signatures) || !array_is_list($signatures)) {
            throw new MetadataException("Metadata needs a 'signed' object and a 'signatures' list.");
        }
        foreach ($signatures as $signature) {
            if (!is_array($signature) || !is_string($signature['keyid'] ?? null) || !is_string($signature['sig'] ?? null)) {
                throw new MetadataException("Each signature needs a 'keyid' and a 'sig' string.");
            }
        }
        $type = $signed['_type'] ?? null;
        if ($type !== static::TYPE) {
            $found = is_string($type) ? "'$type'" : 'none';
            throw new MetadataException("Expected '" . static::TYPE . "' metadata, found type $found.");
        }
        if (!is_int($signed['version'] ?? null) || $signed['version'] < 0) {
            throw new MetadataException("'version' must be a non-negative integer.");
        }
        if (!is_string($signed['expires'] ?? null)) {
            throw new MetadataException("'expires' must be a string.");
        }
        if (!is_string($signed['spec_version'] ?? null)) {
            throw new MetadataException("'spec_version' must be a string.");
        }
    }

    /**
     * The canonical JSON form of the 'signed' part: the bytes signatures
     * are made over.
     */
    public function toCanonicalJson(): string
    {
        // Decoded again with objects kept as objects, so that an empty
        // object stays '{}' and is not turned into a list.
        $document = json_decode($this->sourceJson, false, 512, JSON_THROW_ON_ERROR);
        return static::encodeJson($document->signed ?? $this->getSigned());
    }

    /**
     * The metadata exactly as received.
     */
    public function getSource(): string
    {
        return $this->sourceJson;
    }

    /**
     * The 'signed' part, decoded.
     */
    public function getSigned(): array
    {
        return $this->document()['signed'];
    }

    public function getVersion(): int
    {
        return $this->getSigned()['version'];
    }

    /**
     * When this metadata expires.
     *
     * @throws FormatException
     *   If 'expires' is not a "YYYY-MM-DDTHH:MM:SSZ" time.
     */
    public function getExpires(): \DateTimeImmutable
    {
        $expires = $this->getSigned()['expires'];
        $time = preg_match('/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/', $expires)
            ? \DateTimeImmutable::createFromFormat('!Y-m-d\TH:i:s\Z', $expires, new \DateTimeZone('UTC'))
            : false;
        if ($time === false) {
            throw new FormatException($expires, 'Not a TUF expiry time');
        }
        return $time;
    }

    /**
     * The 'signatures' list, decoded.
     */
    public function getSignatures(): array
    {
        return $this->document()['signatures'];
    }

    /**
     * The `_type` field.
     */
    public function getType(): string
    {
        return $this->getSigned()['_type'];
    }

    /**
     * The role this metadata belongs to (the type, except for delegated
     * targets roles).
     */
    public function getRole(): string
    {
        // checkShape() (or the native core) ensured `_type` is TYPE.
        return static::TYPE;
    }

    /**
     * Marks this metadata as trusted. Done by the updater once the native
     * core has verified it, and by callers for root metadata they ship.
     */
    public function trust(): static
    {
        $this->isTrusted = true;
        return $this;
    }

    /**
     * @throws \RuntimeException
     *   Unless the metadata is trusted or $allowUntrustedAccess is true.
     */
    public function ensureIsTrusted(bool $allowUntrustedAccess = false): void
    {
        if (!$allowUntrustedAccess && !$this->isTrusted) {
            throw new \RuntimeException("The '{$this->getRole()}' metadata is not trusted.");
        }
    }
}
