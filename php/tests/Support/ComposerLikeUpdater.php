<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use Psr\Http\Message\StreamInterface;
use Tuf\Client\Updater;
use Tuf\Exception\NotFoundException;
use Tuf\Helper\Clock;
use Tuf\Metadata\TargetsMetadata;

/**
 * Subclasses the updater the way php-tuf/composer-integration's
 * ComposerCompatibleUpdater does: verify() made public, and getLength()
 * built on refresh() and getMetadataForTarget(), answering one byte more
 * than the trusted length (Composer's max_file_size is exclusive).
 */
class ComposerLikeUpdater extends Updater
{
    public function verify(string $target, StreamInterface $data): void
    {
        parent::verify($target, $data);
    }

    public function getLength(string $target): int
    {
        $this->refresh();
        $metadata = $this->getMetadataForTarget($target);
        if ($metadata === null) {
            throw new NotFoundException($target, 'Target');
        }
        return $metadata->getLength($target) + 1;
    }

    /**
     * Test access to the protected lookup.
     */
    public function metadataFor(string $target): ?TargetsMetadata
    {
        return $this->getMetadataForTarget($target);
    }

    public function setClock(Clock $clock): void
    {
        $this->clock = $clock;
    }
}
