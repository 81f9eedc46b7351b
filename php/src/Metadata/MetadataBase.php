<?php

declare(strict_types=1);

namespace Tuf\Metadata;

use Tuf\CanonicalJsonTrait;
use Tuf\Exception\FormatException;
use Tuf\Exception\MetadataException;

/**
 * A read-only view of one TUF metadata file, with php-tuf 0.1.7's API.
 *
 * Built from the bytes exactly as received ($source). It checks only the
 * shape its properties and getters rely on: signatures, thresholds,
 * versions, expiry and every other security property are verified natively
 * by the tuf_native extension before the updater marks metadata as trusted.
 *
 * Views the updater makes of natively verified bytes are decoded on first
 * read of $signed, $signatures, $type or $version (see __get()), so that
 * storing or looking up a role costs no json_decode() of the whole file.
 */
abstract class MetadataBase
{
    use CanonicalJsonTrait;

    /**
     * The `_type` of this kind of metadata.
     */
    protected const TYPE = '';

    /**
     * Whether the metadata has been verified and should be trusted.
     */
    private bool $isTrusted = false;

    public readonly array $signed;

    public readonly array $signatures;

    public readonly string $type;

    public readonly int $version;

    /**
     * @param array $metadata
     *   The decoded document ('signed' and 'signatures').
     * @param string $source
     *   The document as received.
     */
    public function __construct(array $metadata, public readonly string $source)
    {
        $this->fill($metadata);
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
        $data = static::decodeJson($json);
        self::checkShape($data, static::TYPE);
        return new static($data, $json);
    }

    /**
     * Fills the decoded fields of a lazy view on first read: PHP calls
     * __get() only for the properties lazy() left uninitialised.
     */
    public function __get(string $name): mixed
    {
        if (!in_array($name, ['signed', 'signatures', 'type', 'version'], true)) {
            // What PHP does without __get().
            if (property_exists($this, $name)) {
                throw new \Error('Cannot access private property ' . static::class . '::$' . $name);
            }
            trigger_error('Undefined property: ' . static::class . '::$' . $name, E_USER_WARNING);
            return null;
        }
        $this->fill(json_decode($this->source, true, 512, JSON_THROW_ON_ERROR));
        return $this->$name;
    }

    /**
     * A trusted view of bytes the native core verified strictly, not
     * decoded until read. Reached by Tuf\Client\Updater through a closure
     * bound to this class, so it is not part of the public API.
     */
    private static function lazy(string $json): static
    {
        $view = (new \ReflectionClass(static::class))->newInstanceWithoutConstructor();
        $view->source = $json;
        unset($view->signed, $view->signatures, $view->type, $view->version);
        $view->isTrusted = true;
        return $view;
    }

    private function fill(array $metadata): void
    {
        $this->signed = $metadata['signed'];
        $this->signatures = $metadata['signatures'];
        $this->type = $this->signed['_type'];
        $this->version = $this->signed['version'];
    }

    /**
     * Throws MetadataException unless $data has the fields that the
     * properties and getters of metadata of type $type use.
     */
    private static function checkShape(array $data, string $type): void
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
        $found = $signed['_type'] ?? null;
        if ($found !== $type) {
            $found = is_string($found) ? "'$found'" : 'none';
            throw new MetadataException("Expected '$type' metadata, found type $found.");
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
        match ($type) {
            'root' => self::checkRoot($signed),
            'timestamp', 'snapshot' => self::checkMeta($signed),
            'targets' => self::checkTargets($signed),
            default => null,
        };
    }

    private static function checkRoot(array $signed): void
    {
        if (!is_array($signed['keys'] ?? null) || !is_array($signed['roles'] ?? null)) {
            throw new MetadataException("Root metadata needs 'keys' and 'roles' objects.");
        }
        foreach (['root', 'timestamp', 'snapshot', 'targets'] as $role) {
            if (!is_array($signed['roles'][$role] ?? null)) {
                throw new MetadataException("Root metadata does not define the '$role' role.");
            }
        }
        if (!is_bool($signed['consistent_snapshot'] ?? null)) {
            throw new MetadataException("'consistent_snapshot' must be a boolean.");
        }
    }

    private static function checkMeta(array $signed): void
    {
        $meta = $signed['meta'] ?? null;
        if (!is_array($meta)) {
            throw new MetadataException("'meta' must be an object.");
        }
        foreach ($meta as $info) {
            if (!is_array($info) || !is_int($info['version'] ?? null)) {
                throw new MetadataException("Each 'meta' entry needs an integer 'version'.");
            }
        }
    }

    private static function checkTargets(array $signed): void
    {
        if (!is_array($signed['targets'] ?? null)) {
            throw new MetadataException("'targets' must be an object.");
        }
        foreach ($signed['targets'] as $path => $info) {
            if (!is_array($info) || !is_int($info['length'] ?? null) || !is_array($info['hashes'] ?? null)) {
                throw new MetadataException("Target '$path' needs an integer 'length' and 'hashes'.");
            }
        }
        if (array_key_exists('delegations', $signed)) {
            $delegations = $signed['delegations'];
            if (!is_array($delegations) || !is_array($delegations['keys'] ?? null)) {
                throw new MetadataException("'delegations' needs a 'keys' object.");
            }
            $roles = $delegations['roles'] ?? [];
            if (!is_array($roles) || !array_is_list($roles)) {
                throw new MetadataException("'delegations.roles' must be a list.");
            }
            $names = array_column($roles, 'name');
            if (count($names) !== count(array_unique($names))) {
                throw new MetadataException('Delegated role names must be unique.');
            }
        }
    }

    /**
     * The 'signed' part as an array, for encoding (php-tuf's hook).
     */
    protected function toNormalizedArray(): array
    {
        return $this->signed;
    }

    /**
     * The canonical JSON form of the 'signed' part: the bytes signatures
     * are made over.
     */
    public function toCanonicalJson(): string
    {
        // Decoded again with objects kept as objects, so that an empty
        // object stays '{}' and is not turned into a list.
        $document = json_decode($this->source, false, 512, JSON_THROW_ON_ERROR);
        return self::canonical($document->signed ?? $this->toNormalizedArray());
    }

    /**
     * When this metadata expires.
     *
     * @throws FormatException
     *   If 'expires' is not a "YYYY-MM-DDTHH:MM:SSZ" time.
     */
    public function getExpires(): \DateTimeImmutable
    {
        $expires = $this->signed['expires'];
        $time = preg_match('/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/', $expires)
            ? \DateTimeImmutable::createFromFormat('!Y-m-d\TH:i:sT', $expires)
            : false;
        if ($time === false) {
            throw new FormatException($expires, 'Could not be interpreted as a DateTime');
        }
        return $time;
    }

    /**
     * The role this metadata belongs to (the type, except for delegated
     * targets roles).
     */
    public function getRole(): string
    {
        return $this->type;
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
            throw new \RuntimeException("Cannot use untrusted '{$this->getRole()}'. metadata.");
        }
    }
}
