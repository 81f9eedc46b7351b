<?php

declare(strict_types=1);

namespace TufNative\Prefetch;

use Composer\InstalledVersions;
use Composer\Util\Loop;

/**
 * Fetches many metadata files at once with Composer's HttpDownloader (its
 * parallel requests, with Composer's proxy, authentication and TLS
 * settings), as composer-integration's Loader fetches one.
 */
final class Batch
{
    /** How many files the last fetchAll() got. */
    public int $fetched = 0;

    public function __construct(private Loop $loop, private string $baseUrl)
    {
    }

    /**
     * The $fetchAll of Tuf\Client\Updater::prefetch().
     *
     * @param array<string, int> $files file name => byte cap
     * @return array<string, ?string> file name => bytes, null on failure
     */
    public function fetchAll(array $files): array
    {
        $downloader = $this->loop->getHttpDownloader();
        $options = [
            'http' => ['header' => [self::versionHeader()]],
        ];
        $results = [];
        $promises = [];
        foreach ($files as $file => $maxBytes) {
            $results[$file] = null;
            // Composer refuses a body of max_file_size bytes: one more, as
            // composer-integration's Loader allows.
            $promises[] = $downloader->add($this->baseUrl . $file, $options + ['max_file_size' => $maxBytes + 1])->then(
                static function ($response) use (&$results, $file): void {
                    $results[$file] = $response->getStatusCode() === 200 ? $response->getBody() : null;
                },
                // A failed file is fetched again, alone, by the lookup that
                // needs it, which reports its error as today.
                static function (): void {
                },
            );
        }
        $this->loop->wait($promises);
        $this->fetched = count(array_filter($results, 'is_string'));
        return $results;
    }

    /** The X-PHP-TUF header composer-integration sends with every request. */
    private static function versionHeader(): string
    {
        return sprintf(
            'X-PHP-TUF: client=%s; plugin=%s',
            InstalledVersions::getVersion('php-tuf/php-tuf'),
            InstalledVersions::getVersion('php-tuf/composer-integration'),
        );
    }
}
