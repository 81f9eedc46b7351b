<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use GuzzleHttp\Promise\Create;
use GuzzleHttp\Promise\PromiseInterface;
use Tuf\Client\Repository;
use Tuf\Exception\DownloadSizeException;
use Tuf\Loader\LoaderInterface;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\TargetsMetadata;
use TufNative\Shim\Tests\Support\DirLoader;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\TestCase;
use TufNative\Shim\Tests\Support\UnseekableStream;

final class LoaderTest extends TestCase
{
    private static function serving($stream): LoaderInterface
    {
        return new class ($stream) implements LoaderInterface {
            public function __construct(private $stream)
            {
            }

            public function load(string $locator, int $maxBytes): PromiseInterface
            {
                return Create::promiseFor($this->stream);
            }
        };
    }

    public function testSizeChecks(): void
    {
        $loader = new SizeCheckingLoader(self::serving(self::stream('12345')));
        $this->assertSame('12345', (string) $loader->load('f', 5)->wait());
        $this->assertSame('12345', (string) $loader->load('f', 5, true)->wait());
        $this->assertThrows(DownloadSizeException::class, fn () => $loader->load('f', 4)->wait());
        $this->assertThrows(DownloadSizeException::class, fn () => $loader->load('f', 6, true)->wait());
    }

    public function testStreamsOfUnknownSize(): void
    {
        $loader = new SizeCheckingLoader(self::serving(new UnseekableStream('12345')));
        $this->assertSame('12345', (string) $loader->load('f', 5)->wait());
        $loader = new SizeCheckingLoader(self::serving(new UnseekableStream(str_repeat('x', 100))));
        $this->assertThrows(DownloadSizeException::class, fn () => $loader->load('f', 99)->wait());
    }

    public function testRepositoryLoadsUntrustedMetadataByRoleAndVersion(): void
    {
        $files = new DirLoader(Fixtures::state('consistent', '2'));
        $repository = new Repository(new SizeCheckingLoader($files));
        $this->assertSame(1, $repository->getRoot(1)->version);
        $this->assertNull($repository->getRoot(2));
        $timestamp = $repository->getTimestamp();
        $info = $timestamp->trust()->getFileMetaInfo('snapshot.json');
        $snapshot = $repository->getSnapshot($info['version'], $info['length']);
        $this->assertSame(2, $snapshot->version);
        $this->assertThrows(DownloadSizeException::class, fn () => $repository->getSnapshot($info['version'], $info['length'] + 1));
        $targets = $repository->getTargets(1, 'nested/role')->wait();
        $this->assertInstanceOf(TargetsMetadata::class, $targets);
        $this->assertSame('nested/role', $targets->getRole());
        $this->assertSame(['1.root.json', '2.root.json', 'timestamp.json', '2.snapshot.json', '2.snapshot.json', '1.nested%2Frole.json'], $files->log);
    }
}
