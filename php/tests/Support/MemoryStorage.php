<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use Tuf\Metadata\StorageBase;

/**
 * Trusted metadata in memory; $files maps role names to stored bytes.
 */
final class MemoryStorage extends StorageBase
{
    /** @var array<string, string> */
    public array $files = [];

    /** @var string[] Names passed to delete(), in order. */
    public array $deleted = [];

    protected function read(string $name): ?string
    {
        return $this->files[$name] ?? null;
    }

    protected function write(string $name, string $data): void
    {
        $this->files[$name] = $data;
    }

    public function delete(string $name): void
    {
        $this->deleted[] = $name;
        unset($this->files[$name]);
    }

    /**
     * The signed.version of a stored role, or null.
     */
    public function version(string $role): ?int
    {
        if (!isset($this->files[$role])) {
            return null;
        }
        return json_decode($this->files[$role], true)['signed']['version'] ?? null;
    }
}
