<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Metadata\RootMetadata;
use Tuf\Metadata\TargetsMetadata;
use Tuf\Metadata\TimestampMetadata;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\TestCase;

final class StorageTest extends TestCase
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/tuf-shim-storage-' . bin2hex(random_bytes(6));
        mkdir($this->dir);
    }

    protected function tearDown(): void
    {
        @chmod($this->dir, 0700);
        foreach (glob($this->dir . '/{,.}*', GLOB_BRACE) as $file) {
            if (is_file($file)) {
                unlink($file);
            }
        }
        rmdir($this->dir);
    }

    public function testFileStorageKeepsBytesPerRole(): void
    {
        $storage = new FileStorage($this->dir);
        $this->assertThrows(\LogicException::class, fn () => $storage->getRoot());
        $this->assertNull($storage->getTimestamp());
        $this->assertNull($storage->getSnapshot());
        $this->assertNull($storage->getTargets());

        $rootJson = Fixtures::metadata('drupal', '1', '1.root.json');
        $storage->save(RootMetadata::createFromJson($rootJson)->trust());
        $this->assertSame($rootJson, file_get_contents("$this->dir/root.json"));
        $root = $storage->getRoot();
        $this->assertSame($rootJson, $root->source);
        $root->ensureIsTrusted();

        $roleJson = Fixtures::metadata('consistent', '1', '1.nested%2Frole.json');
        $storage->save(TargetsMetadata::createFromJson($roleJson, 'nested/role')->trust());
        $this->assertSame($roleJson, file_get_contents("$this->dir/nested%2Frole.json"));
        $role = $storage->getTargets('nested/role');
        $this->assertSame('nested/role', $role->getRole());
        $this->assertSame($roleJson, $role->source);

        $storage->save(TimestampMetadata::createFromJson(Fixtures::metadata('drupal', '1', 'timestamp.json'))->trust());
        $this->assertSame(1, $storage->getTimestamp()->version);
        $storage->delete('timestamp');
        $this->assertNull($storage->getTimestamp());
        $storage->delete('timestamp');

        $this->assertSame(['nested%2Frole.json', 'root.json'], self::files($this->dir), 'no temporary files left');
        $this->assertSame(0666 & ~umask(), fileperms("$this->dir/root.json") & 0777);
    }

    public function testUntrustedMetadataIsNotSaved(): void
    {
        $storage = new FileStorage($this->dir);
        $this->assertThrows(\RuntimeException::class, fn () => $storage->save(RootMetadata::createFromJson(Fixtures::metadata('drupal', '1', '1.root.json'))));
        $this->assertSame([], self::files($this->dir));
    }

    public function testWritesReplaceFilesAtomically(): void
    {
        $storage = new FileStorage($this->dir);
        $old = Fixtures::metadata('drupal', '1', 'timestamp.json');
        $storage->save(TimestampMetadata::createFromJson($old)->trust());
        $reader = fopen("$this->dir/timestamp.json", 'r');
        $new = Fixtures::metadata('drupal', '2', 'timestamp.json');
        $storage->save(TimestampMetadata::createFromJson($new)->trust());
        // An open reader still sees the complete old file: the new one was
        // renamed over it, not rewritten in place.
        $this->assertSame($old, stream_get_contents($reader));
        fclose($reader);
        $this->assertSame($new, file_get_contents("$this->dir/timestamp.json"));

        if (function_exists('posix_geteuid') && posix_geteuid() === 0) {
            return; // root ignores directory permissions
        }
        chmod($this->dir, 0500);
        $this->assertThrows(\RuntimeException::class, fn () => $storage->save(TimestampMetadata::createFromJson($old)->trust()));
        chmod($this->dir, 0700);
        $this->assertSame($new, file_get_contents("$this->dir/timestamp.json"), 'a failed write leaves the old file');
    }

    public function testSubclassesCanExposeThePathsAsComposerIntegrationDoes(): void
    {
        $storage = new class ($this->dir) extends FileStorage {
            public function toPath(string $name): string
            {
                return parent::toPath($name);
            }
        };
        $this->assertSame($this->dir . '/root.json', $storage->toPath('root'));
        $this->assertSame($this->dir . '/a%2Fb.json', $storage->toPath('a/b'));
    }

    public function testBasePathMustBeADirectory(): void
    {
        $this->assertThrows(\RuntimeException::class, fn () => new FileStorage($this->dir . '/missing'));
    }

    private static function files(string $dir): array
    {
        $files = array_values(array_diff(scandir($dir), ['.', '..']));
        sort($files);
        return $files;
    }
}
