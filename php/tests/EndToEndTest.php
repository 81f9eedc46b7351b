<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use GuzzleHttp\Psr7\Utils;
use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Exception\Attack\InvalidHashException;
use Tuf\Exception\DownloadSizeException;
use Tuf\Exception\NotFoundException;
use Tuf\Loader\SizeCheckingLoader;
use Tuf\Metadata\RootMetadata;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\HttpLoader;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * A TUF-protected Composer repository (the Drupal-shaped fixture:
 * p2/drupal/<name>.json package metadata and drupal/<name>/<version>
 * archives as targets, hashed-bin delegations) served over HTTP by
 * `php -S`, and a client doing what php-tuf/composer-integration does:
 * getLength() to cap each download, verify() on what was downloaded.
 */
final class EndToEndTest extends TestCase
{
    private const MAX_404_BYTES = 1024;

    /** @var resource|null */
    private static $server = null;

    private static string $docroot;

    private static string $baseUrl;

    /** @var string[] */
    private array $cleanup = [];

    public static function setUpBeforeClass(): void
    {
        if (!extension_loaded('tuf_native')) {
            return;
        }
        self::$docroot = self::tempDir('tuf-shim-docroot-');
        // A free port: bind to port 0, note the port, release it.
        $probe = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        if ($probe === false) {
            throw new \RuntimeException("No free port: $error");
        }
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $command = [PHP_BINARY, '-n', '-S', "127.0.0.1:$port", '-t', self::$docroot];
        self::$server = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        if (!is_resource(self::$server)) {
            throw new \RuntimeException('Cannot start php -S');
        }
        self::$baseUrl = "http://127.0.0.1:$port";
        for ($i = 0; $i < 100; $i++) {
            $socket = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $error, 0.1);
            if ($socket !== false) {
                fclose($socket);
                return;
            }
            usleep(50000);
        }
        throw new \RuntimeException('php -S did not start listening');
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$server !== null) {
            proc_terminate(self::$server);
            proc_close(self::$server);
            self::$server = null;
            self::removeTree(self::$docroot);
        }
    }

    protected function tearDown(): void
    {
        foreach ($this->cleanup as $dir) {
            self::removeTree($dir);
        }
    }

    /**
     * Publishes a fixture state under a fresh path of the server; returns
     * its URL.
     */
    private function publish(string $repo, string $state): string
    {
        $name = bin2hex(random_bytes(6));
        self::copyTree(Fixtures::state($repo, $state), self::$docroot . "/$name");
        return self::$baseUrl . "/$name";
    }

    /**
     * The project side: the root metadata it ships, saved into a durable
     * storage, and an updater whose loader fetches metadata over HTTP.
     *
     * @return array{0: ComposerLikeUpdater, 1: HttpLoader, 2: string}
     */
    private function project(string $url, ?string $storageDir = null, string $repo = 'drupal'): array
    {
        $this->requireNative();
        $storageDir ??= $this->cleanup[] = self::tempDir('tuf-shim-project-');
        $storage = new FileStorage($storageDir);
        // As composer-integration initialises its storage: the root the
        // project ships is saved unless a root is stored already.
        try {
            $storage->getRoot();
        } catch (\LogicException) {
            $storage->save(RootMetadata::createFromJson(Fixtures::metadata($repo, '1', '1.root.json'))->trust());
        }
        $loader = new HttpLoader("$url/metadata/");
        return [new ComposerLikeUpdater(new SizeCheckingLoader($loader), $storage), $loader, $storageDir];
    }

    /**
     * Downloads a target into a file, capped at what TUF allows, and
     * verifies it from that file, as Composer and the plugin do.
     */
    private function fetchPackage(ComposerLikeUpdater $updater, string $url, string $target): string
    {
        $maxFileSize = $updater->getLength($target);
        $body = HttpLoader::get("$url/targets/$target", $target, $maxFileSize);
        $file = tempnam(sys_get_temp_dir(), 'tuf-shim-download-');
        $this->cleanup[] = $file;
        file_put_contents($file, $body);
        $updater->verify($target, Utils::streamFor(Utils::tryFopen($file, 'r')));
        return $file;
    }

    public function testComposerFlowVerifiesMetadataAndArchives(): void
    {
        $url = $this->publish('drupal', '1');
        [$updater, $loader, $storageDir] = $this->project($url);
        $installed = [];
        foreach (['drupal/pkg03', 'drupal/pkg07', 'drupal/pkg12'] as $package) {
            // Composer metadata: capped by TUF, verified before use.
            $target = "p2/$package.json";
            $body = HttpLoader::get("$url/targets/$target", $target, $updater->getLength($target));
            $updater->verify($target, Utils::streamFor($body));
            $versions = json_decode($body, true, 512, JSON_THROW_ON_ERROR)['packages'][$package];
            foreach (array_keys($versions) as $version) {
                $file = $this->fetchPackage($updater, $url, "$package/$version");
                $installed["$package/$version"] = file_get_contents($file);
            }
        }
        $this->assertCount(9, $installed);
        foreach ($installed as $target => $data) {
            $this->assertSame(Fixtures::target('drupal', '1', $target), $data);
        }
        $this->assertSame(['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'], array_slice($loader->log, 0, 4));
        // Stored byte for byte as served, one file per role.
        foreach (glob("$storageDir/*.json") as $path) {
            $this->assertSame(Fixtures::metadata('drupal', '1', basename($path) === 'root.json' ? '1.root.json' : basename($path)), file_get_contents($path), basename($path));
        }
        $this->assertGreaterThan(4, count(glob("$storageDir/*.json")), 'hashed bins stored');

        // Composer probes metadata that may not exist; TUF does not know it
        // either, and the plugin caps such responses instead.
        $this->assertThrows(NotFoundException::class, fn () => $updater->getLength('p2/drupal/absent.json'));
        $this->assertThrows(NotFoundException::class, fn () => HttpLoader::get("$url/targets/p2/drupal/absent.json", 'p2/drupal/absent.json', self::MAX_404_BYTES));

        // The next Composer run: only the root probe and the timestamp.
        [$next, $nextLoader] = $this->project($url, $storageDir);
        $this->fetchPackage($next, $url, 'drupal/pkg03/1.0.0.0');
        $this->assertSame(['2.root.json', 'timestamp.json'], $nextLoader->log);
    }

    /**
     * The Composer-shaped fixture, walked as Composer 2 walks a repository:
     * packages.json, then each package's p2/ listing, then each release's
     * dist archive (a zip), all through TUF; then a new release.
     */
    public function testComposerRepositoryFromPackagesJsonToZipArchives(): void
    {
        $url = $this->publish('composer', '1');
        [$updater, $loader, $storageDir] = $this->project($url, null, 'composer');
        $root = HttpLoader::get("$url/targets/packages.json", 'packages.json', $updater->getLength('packages.json'));
        $updater->verify('packages.json', Utils::streamFor($root));
        $repository = json_decode($root, true, 512, JSON_THROW_ON_ERROR);
        $this->assertTrue($repository['tuf']);
        $archives = 0;
        foreach ($repository['available-packages'] as $package) {
            $listingTarget = ltrim(str_replace('%package%', $package, $repository['metadata-url']), '/');
            $listing = HttpLoader::get("$url/targets/$listingTarget", $listingTarget, $updater->getLength($listingTarget));
            $updater->verify($listingTarget, Utils::streamFor($listing));
            foreach (json_decode($listing, true, 512, JSON_THROW_ON_ERROR)['packages'][$package] as $release) {
                $this->assertSame('zip', $release['dist']['type']);
                $file = $this->fetchPackage($updater, $url, "$package/{$release['version_normalized']}");
                $this->assertSame("PK\x03\x04", substr((string) file_get_contents($file), 0, 4));
                $this->assertSame($release['dist']['shasum'], sha1_file($file));
                $archives++;
            }
        }
        $this->assertSame(6, $archives);

        // drupal/token 1.15.0 is published: the next run sees it.
        $dir = self::$docroot . '/' . basename($url);
        self::removeTree($dir);
        self::copyTree(Fixtures::state('composer', '2'), $dir);
        [$next] = $this->project($url, $storageDir, 'composer');
        $this->fetchPackage($next, $url, 'drupal/token/1.15.0.0');
        $this->assertSame(['2.root.json', 'timestamp.json', 'snapshot.json', 'targets.json'], array_slice($loader->log, 0, 4));
    }

    public function testTamperedArchiveIsRefused(): void
    {
        $url = $this->publish('drupal', '1');
        [$updater] = $this->project($url);
        $target = 'drupal/pkg04/1.1.0.0';
        $path = self::$docroot . '/' . basename($url) . "/targets/$target";
        $good = file_get_contents($path);

        file_put_contents($path, str_replace('archive', 'ARCHIVE', $good));
        $e = $this->assertThrows(InvalidHashException::class, fn () => $this->fetchPackage($updater, $url, $target));
        $this->assertSame(str_replace('archive', 'ARCHIVE', $good), (string) $e->getStream());

        // One byte more than trusted fits Composer's cap, then fails TUF's
        // hash check (php-tuf's class and message).
        file_put_contents($path, $good . 'x');
        $e = $this->assertThrows(InvalidHashException::class, fn () => $this->fetchPackage($updater, $url, $target));
        $this->assertSame("Invalid sha256 hash for $target", $e->getMessage());
        // Anything longer is cut off by the cap TUF gave.
        file_put_contents($path, $good . str_repeat('x', 4096));
        $this->assertThrows(DownloadSizeException::class, fn () => $this->fetchPackage($updater, $url, $target));

        file_put_contents($path, $good);
        $this->fetchPackage($updater, $url, $target);
    }

    public function testRepositoryUpdatesAndRootRotationOverHttp(): void
    {
        $url = $this->publish('drupal', '1');
        [$updater, , $storageDir] = $this->project($url);
        $this->fetchPackage($updater, $url, 'drupal/pkg05/1.2.0.0');
        $dir = self::$docroot . '/' . basename($url);
        foreach (['2', '3'] as $state) {
            self::removeTree($dir);
            self::copyTree(Fixtures::state('drupal', $state), $dir);
            [$updater] = $this->project($url, $storageDir);
            $this->fetchPackage($updater, $url, 'drupal/newpkg/1.0.0.0');
        }
        $this->assertSame(Fixtures::metadata('drupal', '3', '2.root.json'), file_get_contents("$storageDir/root.json"));
    }

    private static function tempDir(string $prefix): string
    {
        $dir = sys_get_temp_dir() . '/' . $prefix . bin2hex(random_bytes(6));
        mkdir($dir, 0700);
        return $dir;
    }

    private static function copyTree(string $from, string $to): void
    {
        mkdir($to, 0755, true);
        $items = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($from, \FilesystemIterator::SKIP_DOTS), \RecursiveIteratorIterator::SELF_FIRST);
        foreach ($items as $item) {
            $dest = $to . '/' . substr($item->getPathname(), strlen($from) + 1);
            $item->isDir() ? mkdir($dest) : copy($item->getPathname(), $dest);
        }
    }

    private static function removeTree(string $path): void
    {
        if (is_file($path) || is_link($path)) {
            unlink($path);
            return;
        }
        if (!is_dir($path)) {
            return;
        }
        $items = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($path, \FilesystemIterator::SKIP_DOTS), \RecursiveIteratorIterator::CHILD_FIRST);
        foreach ($items as $item) {
            $item->isDir() ? rmdir($item->getPathname()) : unlink($item->getPathname());
        }
        rmdir($path);
    }
}
