<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The committed fuzz corpus (fuzz/corpus/**, 3,000-odd inputs of the four
 * fuzz targets) through the extension, in a PHP subprocess under
 * memory_limit=32M: hardening/php-corpus.php offers each input to
 * TrustedMetadata (as root, timestamp, snapshot, targets and a delegated
 * role), Hashes and Updater::withCallbacks(). Nothing may escape but
 * Tuf\Native exceptions (and the argument errors it provokes on purpose),
 * the process must exit 0 and print only its summary line.
 *
 * The full torture (re-signed inputs, several passes, valgrind) is
 * `scripts/torture php`; see docs/hardening.md.
 */
final class FuzzCorpusTest extends TestCase
{
    public function testTheFuzzCorpusNeverEscapesAsAnythingButTufExceptions(): void
    {
        $root = Fixtures::repoRoot();
        if (!is_dir("$root/fuzz/corpus/metadata")) {
            $this->markTestSkipped('fuzz/corpus is missing');
        }
        $run = Subprocess::run([
            PHP_BINARY, '-n',
            '-d', 'extension=' . Fixtures::extension(),
            '-d', 'memory_limit=32M',
            "$root/hardening/php-corpus.php",
            "--corpus=$root/fuzz/corpus",
            '--fixtures=' . Fixtures::root(),
        ]);
        $this->assertSame('', $run['stderr'], 'nothing on standard error');
        $this->assertSame(0, $run['status'], $run['stdout']);
        $lines = explode("\n", rtrim($run['stdout'], "\n"));
        $this->assertCount(1, $lines, $run['stdout']);
        $this->assertMatchesRegularExpression(
            '/^php-corpus: ([0-9]{4,}) inputs .* 0 unexpected;/',
            $lines[0]
        );
    }
}
