<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\Attributes\DataProvider;
use PHPUnit\Framework\TestCase;
use Tuf\Native\Hashes;

/** Tuf\Native\Hashes: binary-safe length and hash checks. */
final class HashesTest extends TestCase
{
    use NativeAssertions;
    use TempDirPerTest;

    /** @return array<string, string> */
    private static function hashes(string $data): array
    {
        return ['sha256' => hash('sha256', $data), 'sha512' => hash('sha512', $data)];
    }

    /** @return iterable<string, array{string}> */
    public static function binaryData(): iterable
    {
        yield 'empty' => [''];
        yield 'NUL bytes' => ["\0\0\0 a\0b\0"];
        yield 'not UTF-8' => ["\xff\xfe\xc3\x28\x80"];
        yield 'every byte' => [implode('', array_map('chr', range(0, 255)))];
        yield 'large' => [str_repeat("\0\x01\xff", 400_000)];
    }

    /** @dataProvider binaryData */
    #[DataProvider('binaryData')]
    public function testVerifiesBinaryStringsAndFiles(string $data): void
    {
        Hashes::verifyString($data, strlen($data), self::hashes($data));
        Hashes::verifyString($data, strlen($data), ['sha512' => hash('sha512', $data)], "name\0with NUL");
        $path = "$this->dir/f";
        file_put_contents($path, $data);
        Hashes::verifyFile($path, strlen($data), self::hashes($data));
        Hashes::verifyFile($path, strlen($data), self::hashes($data), 'a name');
        $this->addToAssertionCount(4);
    }

    public function testOneChangedByteIsAnInvalidHash(): void
    {
        $data = "abc\0def";
        $bad = "abc\1def";
        $e = $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString($bad, 7, self::hashes($data), 'pkg.zip'), 'pkg.zip');
        $this->assertStringContainsString('sha256', $e->getMessage());
        file_put_contents("$this->dir/f", $bad);
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyFile("$this->dir/f", 7, self::hashes($data)), "$this->dir/f");
    }

    public function testEveryKnownHashMustMatch(): void
    {
        $hashes = self::hashes('x');
        $hashes['sha512'] = hash('sha512', 'y');
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString('x', 1, $hashes), 'sha512');
    }

    public function testEverySupportedAlgorithmIsChecked(): void
    {
        // PHP's own digests; blake2b-256 is BLAKE2b with a 32-byte digest
        // (securesystemslib's name), which ext-sodium computes.
        $digests = [
            'sha256' => hash('sha256', 'x'),
            'sha384' => hash('sha384', 'x'),
            'sha512' => hash('sha512', 'x'),
            'blake2b' => bin2hex(sodium_crypto_generichash('x', '', 64)),
            'blake2b-256' => bin2hex(sodium_crypto_generichash('x', '', 32)),
        ];
        Hashes::verifyString('x', 1, $digests);
        foreach (array_keys($digests) as $algorithm) {
            $wrong = $digests;
            $wrong[$algorithm] = $algorithm === 'blake2b-256' ? bin2hex(sodium_crypto_generichash('y', '', 32)) : ($algorithm === 'blake2b' ? bin2hex(sodium_crypto_generichash('y', '', 64)) : hash($algorithm, 'y'));
            $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString('x', 1, $wrong), "$algorithm is ");
        }
    }

    public function testAnUnknownAlgorithmIsRefusedEvenBesideKnownOnes(): void
    {
        // python-tuf refuses what it cannot check; so do we.
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString('x', 1, ['md5' => md5('x'), 'sha256' => hash('sha256', 'x')]), 'unsupported hash algorithm "md5"');
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString('x', 1, ['sha256' => hash('sha256', 'x'), 'sha3_256' => hash('sha3-256', 'x')]), '"sha3_256"');
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString('x', 1, []), 'lists no hash');
    }

    public function testMalformedDigestOfAKnownAlgorithmIsAFormatError(): void
    {
        $this->assertTufKind('FormatException', fn () => Hashes::verifyString('x', 1, ['sha256' => 'not hex']));
        $this->assertTufKind('FormatException', fn () => Hashes::verifyString('x', 1, ['sha256' => substr(hash('sha256', 'x'), 2)]));
        $this->assertTufKind('FormatException', fn () => Hashes::verifyString('x', 1, ['sha256' => "\xff\xfe"]));
    }

    public function testWrongLengthIsRefused(): void
    {
        $this->assertTufKind('DownloadSizeException', fn () => Hashes::verifyString('abcd', 3, self::hashes('abc')));
        // Too short: the data is not what was signed.
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString('ab', 3, self::hashes('abc')));
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString('', PHP_INT_MAX, self::hashes('')));
        file_put_contents("$this->dir/f", 'abcd');
        // A file of the wrong size is refused before it is read, by the
        // same rule as a string: too long is a download-size error, too
        // short an invalid hash.
        $this->assertTufKind('DownloadSizeException', fn () => Hashes::verifyFile("$this->dir/f", 3, self::hashes('abc')), 'length');
        $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyFile("$this->dir/f", 5, self::hashes('abcde')), 'length');
    }

    public function testUnreadableFilesAreIoErrors(): void
    {
        $this->assertTufKind('IoException', fn () => Hashes::verifyFile("$this->dir/missing", 0, self::hashes('')));
        $this->assertTufKind('IoException', fn () => Hashes::verifyFile($this->dir, 0, self::hashes('')), 'not a regular file');
        if (function_exists('posix_mkfifo') && posix_mkfifo("$this->dir/fifo", 0600)) {
            // Refused without blocking on the FIFO.
            $this->assertTufKind('IoException', fn () => Hashes::verifyFile("$this->dir/fifo", 0, self::hashes('')));
        }
        symlink("$this->dir/target", "$this->dir/link");
        file_put_contents("$this->dir/target", 'abc');
        // The operator's path: links are followed.
        Hashes::verifyFile("$this->dir/link", 3, self::hashes('abc'));
    }

    public function testArgumentErrors(): void
    {
        $this->assertThrows(\ValueError::class, fn () => Hashes::verifyString('x', -1, self::hashes('x')), 'Argument #2 ($length) must be greater than or equal to 0');
        $this->assertThrows(\ValueError::class, fn () => Hashes::verifyString('x', 1, [hash('sha256', 'x')]), 'Argument #3 ($hashes) must be keyed by algorithm names');
        $this->assertThrows(\ValueError::class, fn () => Hashes::verifyString('x', 1, ["\xff" => 'aa']), 'Argument #3 ($hashes)');
        $this->assertThrows(\TypeError::class, fn () => Hashes::verifyString('x', 1, ['sha256' => 1]), 'Argument #3 ($hashes) must map algorithm names to hex digests, int given');
        $this->assertThrows(\TypeError::class, fn () => Hashes::verifyString('x', 1, ['sha256' => ['nested']]), 'array given');
        $this->assertThrows(\TypeError::class, fn () => Hashes::verifyString(1, 1, []));
        $this->assertThrows(\TypeError::class, fn () => Hashes::verifyString('x', '1', []));
        $this->assertThrows(\TypeError::class, fn () => Hashes::verifyString('x', 1.5, []));
        $this->assertThrows(\TypeError::class, fn () => Hashes::verifyString('x', 1, 'sha256'));
        $this->assertThrows(\TypeError::class, fn () => Hashes::verifyString('x', 1, [], null));
        $this->assertThrows(\ArgumentCountError::class, fn () => Hashes::verifyString('x', 1));
        $this->assertThrows(\ValueError::class, fn () => Hashes::verifyFile("$this->dir/f\0x", 1, []), 'must not contain any null bytes');
        $this->assertThrows(\ValueError::class, fn () => Hashes::verifyFile('', 1, []), 'cannot be empty');
        $this->assertThrows(\Error::class, fn () => new Hashes(), 'private');
    }

    public function testNamedArgumentsAndDefaults(): void
    {
        Hashes::verifyString(hashes: self::hashes('x'), length: 1, data: 'x');
        $e = $this->assertTufKind('DownloadSizeException', fn () => Hashes::verifyString(data: 'xx', length: 1, hashes: self::hashes('x')));
        $this->assertStringStartsWith('data', $e->getMessage());
    }
}
