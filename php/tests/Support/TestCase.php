<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests\Support;

use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\RootMetadata;

abstract class TestCase extends \PHPUnit\Framework\TestCase
{
    protected DirLoader $loader;

    protected MemoryStorage $storage;

    protected function requireNative(): void
    {
        if (!extension_loaded('tuf_native')) {
            $this->markTestSkipped('needs the tuf_native extension');
        }
    }

    /**
     * A client that trusts <repo>/1/metadata/1.root.json (saved the way
     * composer-integration saves the root it ships) and talks to
     * <repo>/<state>.
     *
     * @template T of ComposerLikeUpdater
     * @param class-string<T> $class
     * @return T
     */
    protected function client(string $repo, string $state = '1', string $class = ComposerLikeUpdater::class): ComposerLikeUpdater
    {
        $this->requireNative();
        $this->loader = new DirLoader(Fixtures::state($repo, $state));
        $this->storage = new MemoryStorage();
        $this->storage->save(RootMetadata::createFromJson(Fixtures::metadata($repo, '1', '1.root.json'))->trust());
        return new $class(new SizeCheckingLoader($this->loader), $this->storage);
    }

    /**
     * Points the client's loader at another state of the repository.
     */
    protected function serve(string $repo, string $state): void
    {
        $this->loader->state = Fixtures::state($repo, $state);
        $this->loader->log = [];
    }

    /**
     * A fresh client (a new PHP process) on the same storage and loader.
     */
    protected function restart(string $class = ComposerLikeUpdater::class): ComposerLikeUpdater
    {
        return new $class(new SizeCheckingLoader($this->loader), $this->storage);
    }

    /**
     * Runs $fn and returns what it threw, asserting its class.
     *
     * @template E of \Throwable
     * @param class-string<E> $class
     * @return E
     */
    protected function assertThrows(string $class, callable $fn): \Throwable
    {
        try {
            $fn();
        } catch (\Throwable $e) {
            $this->assertInstanceOf($class, $e, 'Unexpected ' . get_class($e) . ': ' . $e->getMessage());
            return $e;
        }
        $this->fail("Expected $class, nothing was thrown");
    }

    protected static function stream(string $data): \Psr\Http\Message\StreamInterface
    {
        return \GuzzleHttp\Psr7\Utils::streamFor($data);
    }
}
