<?php

declare(strict_types=1);

namespace TufNative\Prefetch;

use Composer\Composer;
use Composer\Package\PackageInterface;

/**
 * What composer-integration knows about its TUF repositories, read the way
 * it reads it itself, so the prefetch looks up exactly the targets its
 * later checks will (its private state is reached with bound closures).
 */
final class TufRepositories
{
    private const REPOSITORY = 'Tuf\\ComposerIntegration\\TufValidatedComposerRepository';

    /**
     * The TUF targets of $packages grouped by the repository that will
     * verify them: url => [repository, targets]. As composer-integration,
     * a package belongs to the TUF repository its transport options name,
     * and metapackages are never downloaded.
     *
     * @param PackageInterface[] $packages
     * @return array<string, array{0: object, 1: list<string>}>
     */
    public static function targetsByRepository(Composer $composer, array $packages): array
    {
        $repositories = [];
        foreach ($composer->getRepositoryManager()->getRepositories() as $repository) {
            if (is_a($repository, self::REPOSITORY)) {
                $repositories[$repository->getRepoConfig()['url']] = $repository;
            }
        }
        $groups = [];
        foreach ($packages as $package) {
            $tuf = $package->getTransportOptions()['tuf'] ?? null;
            $repository = $repositories[$tuf['repository'] ?? null] ?? null;
            if ($repository === null || !is_string($tuf['target'] ?? null) || $package->getType() === 'metapackage') {
                continue;
            }
            $groups[$tuf['repository']] ??= [$repository, []];
            $groups[$tuf['repository']][1][] = $tuf['target'];
        }
        return $groups;
    }

    /** The repository's updater, or null when TUF is off for it. */
    public static function updater(object $repository): ?object
    {
        return \Closure::bind(fn (): ?object => $this->updater, $repository, self::REPOSITORY)();
    }

    /**
     * The metadata base URL composer-integration's Loader prefixes to
     * every file name, from the repository's configuration as it derives it.
     */
    public static function metadataUrl(object $repository): string
    {
        $config = $repository->getRepoConfig();
        $url = $config['tuf']['metadata-url'] ?? rtrim($config['url'], '/') . '/metadata/';
        return str_ends_with($url, '/') ? $url : "$url/";
    }
}
