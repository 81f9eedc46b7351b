<?php

declare(strict_types=1);

/*
 * A second PHP process for LockTest, on one FileStorage directory:
 *
 *   lock-child.php refresh DIR STATE_DIR GO_FILE   shim refresh; inside it (at
 *                                                  timestamp.json) prints "locked"
 *                                                  and waits for GO_FILE
 *   lock-child.php hold DIR                        takes the lock, leaves a
 *                                                  temporary file, prints
 *                                                  "locked", then waits to be killed
 */

use GuzzleHttp\Promise\PromiseInterface;
use Tuf\Client\DurableStorage\FileStorage;
use Tuf\Client\DurableStorage\StorageLock;
use Tuf\Loader\LoaderInterface;
use Tuf\Loader\SizeCheckingLoader;
use TufNative\Shim\Tests\Support\ComposerLikeUpdater;
use TufNative\Shim\Tests\Support\DirLoader;

require __DIR__ . '/../bootstrap.php';

[, $mode, $dir] = $argv;
if ($mode === 'hold') {
    StorageLock::run($dir, function () use ($dir): void {
        file_put_contents("$dir/.tmp-left-by-a-killed-writer", 'half');
        echo "locked\n";
        sleep(60);
    });
    exit(3);
}

[, , , $state, $go] = $argv;
$loader = new class (new DirLoader($state), $go) implements LoaderInterface {
    public function __construct(private DirLoader $inner, private string $go)
    {
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        if ($locator === 'timestamp.json') {
            echo "locked\n";
            for ($i = 0; $i < 600 && !file_exists($this->go); $i++) {
                usleep(50000);
            }
        }
        return $this->inner->load($locator, $maxBytes);
    }
};
$updater = new ComposerLikeUpdater(new SizeCheckingLoader($loader), new FileStorage($dir));
$updater->refresh();
echo "done\n";
