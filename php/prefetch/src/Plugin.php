<?php

declare(strict_types=1);

namespace TufNative\Prefetch;

use Composer\Composer;
use Composer\DependencyResolver\Operation\InstallOperation;
use Composer\DependencyResolver\Operation\UpdateOperation;
use Composer\EventDispatcher\EventSubscriberInterface;
use Composer\Installer\InstallerEvent;
use Composer\Installer\InstallerEvents;
use Composer\IO\IOInterface;
use Composer\Package\PackageInterface;
use Composer\Plugin\PluginEvents;
use Composer\Plugin\PluginInterface;
use Composer\Plugin\PreFileDownloadEvent;

/**
 * Once Composer knows every package it will download (before it runs its
 * operations), looks up all their TUF targets at once, so that the
 * delegated roles they need are fetched in one parallel batch through
 * Composer's own HTTP downloader instead of one request at a time.
 *
 * When this plugin is itself installed by the run (a fresh checkout), it
 * is activated after that event, with composer-integration, before the
 * other packages download ("plugin-modifies-downloads"): it then runs at
 * the first package download instead, for the locked packages not yet
 * installed at their locked version (Composer writes the lock before it
 * downloads).
 *
 * It only warms the shim's updater that php-tuf/composer-integration
 * holds: composer-integration's checks run afterwards exactly as before,
 * and find the roles already verified and stored. On any failure it
 * writes a verbose note and leaves everything to the usual path.
 */
final class Plugin implements PluginInterface, EventSubscriberInterface
{
    private Composer $composer;

    private IOInterface $io;

    /** Whether this process already prefetched. */
    private bool $done = false;

    public static function getSubscribedEvents(): array
    {
        return [
            InstallerEvents::PRE_OPERATIONS_EXEC => 'prefetch',
            // Before composer-integration's handler (-1000) asks for the
            // first target's length.
            PluginEvents::PRE_FILE_DOWNLOAD => ['firstDownload', 100],
        ];
    }

    public function activate(Composer $composer, IOInterface $io): void
    {
        $this->composer = $composer;
        $this->io = $io;
    }

    public function deactivate(Composer $composer, IOInterface $io): void
    {
    }

    public function uninstall(Composer $composer, IOInterface $io): void
    {
    }

    public function prefetch(InstallerEvent $event): void
    {
        if (!$event->isExecutingOperations()) {
            // A dry run downloads nothing.
            return;
        }
        $this->done = true;
        $this->safely(function () use ($event): array {
            $packages = [];
            foreach ($event->getTransaction()?->getOperations() ?? [] as $operation) {
                if ($operation instanceof InstallOperation) {
                    $packages[] = $operation->getPackage();
                } elseif ($operation instanceof UpdateOperation) {
                    $packages[] = $operation->getTargetPackage();
                }
            }
            return $packages;
        });
    }

    public function firstDownload(PreFileDownloadEvent $event): void
    {
        if ($this->done || $event->getType() !== 'package') {
            return;
        }
        $this->done = true;
        $this->safely(function (): array {
            $locker = $this->composer->getLocker();
            if (!$locker->isLocked()) {
                return [];
            }
            $local = $this->composer->getRepositoryManager()->getLocalRepository();
            // Dev packages only when the lock has them; an install with
            // --no-dev may then prefetch a few roles it does not use.
            $withDev = ($locker->getLockData()['packages-dev'] ?? null) !== null;
            $packages = [];
            foreach ($locker->getLockedRepository($withDev)->getPackages() as $package) {
                if ($local->findPackage($package->getName(), $package->getVersion()) === null) {
                    $packages[] = $package;
                }
            }
            return $packages;
        });
    }

    /**
     * Prefetches for the packages $find returns. Nothing here may stop
     * Composer: any failure (a broken lock file, a repository we cannot
     * read) falls back to composer-integration's own per-file path.
     *
     * @param \Closure(): PackageInterface[] $find
     */
    private function safely(\Closure $find): void
    {
        try {
            $this->prefetchPackages($find());
        } catch (\Throwable $e) {
            $this->io->writeError('[TUF] Prefetching skipped, metadata is fetched as needed instead: ' . $e->getMessage(), true, IOInterface::VERBOSE);
        }
    }

    /**
     * @param PackageInterface[] $packages
     */
    private function prefetchPackages(array $packages): void
    {
        foreach (TufRepositories::targetsByRepository($this->composer, $packages) as $url => [$repository, $targets]) {
            try {
                $this->prefetchFrom($repository, $targets);
            } catch (\Throwable $e) {
                $this->io->writeError("[TUF] Prefetching metadata from $url failed, fetching it as needed instead: " . $e->getMessage(), true, IOInterface::VERBOSE);
            }
        }
    }

    /**
     * @param string[] $targets
     */
    private function prefetchFrom(object $repository, array $targets): void
    {
        $updater = TufRepositories::updater($repository);
        if ($updater === null || !method_exists($updater, 'prefetch')) {
            // TUF is off for it, or php-tuf itself, not the shim, is installed.
            return;
        }
        $batch = new Batch($this->composer->getLoop(), TufRepositories::metadataUrl($repository));
        $updater->prefetch($targets, $batch->fetchAll(...));
        $this->io->writeError(sprintf('[TUF] Prefetched %d metadata files for %d packages in one batch.', $batch->fetched, count($targets)), true, IOInterface::VERBOSE);
    }
}
