<?php
/**
 * The bench's loader for the shim: one curl handle reused for every file,
 * so requests share a keep-alive connection as they do under Composer,
 * whose HttpDownloader (what composer-integration's Loader calls) runs on
 * curl with connection reuse. The native client's ureq agent reuses its
 * connection too, so both clients pay the same network cost.
 */

declare(strict_types=1);

namespace TufNative\Bench;

use GuzzleHttp\Promise\Create;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Utils;
use Tuf\Exception\DownloadSizeException;
use Tuf\Exception\NotFoundException;
use Tuf\Loader\LoaderInterface;

final class CurlLoader implements LoaderInterface
{
    private \CurlHandle $curl;

    public function __construct(private string $baseUrl, int $timeout = 30)
    {
        $this->curl = curl_init();
        curl_setopt_array($this->curl, [
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_TIMEOUT => $timeout,
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
        ]);
    }

    public function load(string $locator, int $maxBytes): PromiseInterface
    {
        $body = '';
        $tooLong = false;
        curl_setopt_array($this->curl, [
            CURLOPT_URL => $this->baseUrl . implode('/', array_map('rawurlencode', explode('/', $locator))),
            // Stops reading past the cap, as Composer's max_file_size does.
            CURLOPT_WRITEFUNCTION => static function ($curl, string $chunk) use (&$body, &$tooLong, $maxBytes): int {
                if (strlen($body) + strlen($chunk) > $maxBytes) {
                    $tooLong = true;
                    return 0;
                }
                $body .= $chunk;
                return strlen($chunk);
            },
        ]);
        $ok = curl_exec($this->curl);
        $status = curl_getinfo($this->curl, CURLINFO_RESPONSE_CODE);
        if ($tooLong) {
            return Create::rejectionFor(new DownloadSizeException("$locator exceeded $maxBytes bytes"));
        }
        if ($status === 404) {
            return Create::rejectionFor(new NotFoundException($locator));
        }
        if ($ok === false || $status !== 200) {
            return Create::rejectionFor(new \RuntimeException("$locator: HTTP $status " . curl_error($this->curl)));
        }
        return Create::promiseFor(Utils::streamFor($body));
    }
}
