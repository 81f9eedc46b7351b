<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\Attributes\DataProvider;
use PHPUnit\Framework\TestCase;
use Tuf\Native\Exception\TufException;
use Tuf\Native\Hashes;
use Tuf\Native\TrustedMetadata;

/** A PHP subclass of the (non-final) base class. */
final class ApplicationTufException extends TufException
{
}

/**
 * The exception hierarchy: registered PHP classes with file, line and
 * trace, one final class per error kind of the core.
 */
final class ExceptionsTest extends TestCase
{
    use NativeAssertions;

    private const KINDS = [
        'FormatException',
        'SignatureThresholdException',
        'RollbackException',
        'RepositoryChangedException',
        'ExpiredException',
        'InvalidHashException',
        'DownloadSizeException',
        'NotFoundException',
        'DenialOfServiceException',
        'StateException',
        'IoException',
    ];

    /** @return iterable<string, array{string}> */
    public static function kinds(): iterable
    {
        foreach (self::KINDS as $short) {
            yield $short => ['Tuf\\Native\\Exception\\' . $short];
        }
    }

    public function testBaseClassExtendsRuntimeException(): void
    {
        $class = new \ReflectionClass(TufException::class);
        $this->assertTrue($class->isInternal());
        $this->assertSame('tuf_native', $class->getExtensionName());
        $this->assertSame(\RuntimeException::class, $class->getParentClass()->getName());
        $this->assertFalse($class->isFinal());
        $this->assertFalse($class->isAbstract());
        $this->assertSame(['getDetail'], array_values(array_map(
            fn (\ReflectionMethod $m) => $m->getName(),
            array_filter($class->getMethods(), fn ($m) => $m->getDeclaringClass()->getName() === TufException::class)
        )), 'the base class adds only getDetail() to Exception\'s methods');
    }

    /** @dataProvider kinds */
    #[DataProvider('kinds')]
    public function testKindClassIsAFinalSubclassOfTheBase(string $class): void
    {
        $reflection = new \ReflectionClass($class);
        $this->assertTrue($reflection->isInternal());
        $this->assertSame('tuf_native', $reflection->getExtensionName());
        $this->assertTrue($reflection->isFinal());
        $this->assertSame(TufException::class, $reflection->getParentClass()->getName());
        $this->assertTrue($reflection->isSubclassOf(\RuntimeException::class));
    }

    public function testEveryExtensionExceptionIsListed(): void
    {
        $registered = array_values(array_filter(
            (new \ReflectionExtension('tuf_native'))->getClassNames(),
            fn (string $c) => str_starts_with($c, 'Tuf\\Native\\Exception\\')
        ));
        $expected = array_merge([TufException::class], array_map(fn ($s) => 'Tuf\\Native\\Exception\\' . $s, self::KINDS));
        sort($registered);
        sort($expected);
        $this->assertSame($expected, $registered);
    }

    /** @dataProvider kinds */
    #[DataProvider('kinds')]
    public function testConstructibleAndCatchableFromPhp(string $class): void
    {
        $previous = new \LogicException('cause');
        $line = __LINE__ + 1;
        $e = new $class("message with \0 byte", 42, $previous);
        $this->assertSame("message with \0 byte", $e->getMessage());
        $this->assertSame(42, $e->getCode());
        $this->assertSame($previous, $e->getPrevious());
        $this->assertSame(__FILE__, $e->getFile());
        $this->assertSame($line, $e->getLine());
        $this->assertSame(__FUNCTION__, $e->getTrace()[0]['function']);
        try {
            throw $e;
        } catch (TufException $caught) {
            $this->assertSame($e, $caught);
        }
        try {
            throw new $class();
        } catch (\RuntimeException $caught) {
            $this->assertSame('', $caught->getMessage());
        }
    }

    public function testBaseCanBeExtendedByApplications(): void
    {
        $e = new ApplicationTufException('mine');
        $this->assertInstanceOf(TufException::class, $e);
        $this->assertSame('mine', $e->getMessage());
    }

    public function testNativeExceptionCarriesTheCallersFileLineAndTrace(): void
    {
        try {
            $line = __LINE__ + 1;
            new TrustedMetadata('not json');
            $this->fail('garbage accepted');
        } catch (TufException $e) {
            $this->assertSame('Tuf\\Native\\Exception\\FormatException', get_class($e));
            $this->assertSame(__FILE__, $e->getFile());
            $this->assertSame($line, $e->getLine());
            $frame = $e->getTrace()[0];
            $this->assertSame(TrustedMetadata::class, $frame['class']);
            $this->assertSame('__construct', $frame['function']);
            $this->assertSame(0, $e->getCode());
            $this->assertNull($e->getPrevious());
            $this->assertStringContainsString('FormatException', (string) $e);
        }
    }

    /** @return iterable<string, array{string, callable}> */
    public static function nativeFailures(): iterable
    {
        $ts = fn (string $state) => Fixtures::metadata('attacks', $state, 'timestamp.json');
        $base = function (): TrustedMetadata {
            $tm = new TrustedMetadata(Fixtures::metadata('attacks', '1', '1.root.json'), Fixtures::REF_TIME);
            $tm->checkFinalRoot();
            $tm->updateTimestamp(Fixtures::metadata('attacks', '1', 'timestamp.json'));
            return $tm;
        };
        yield 'Format' => ['FormatException', fn () => new TrustedMetadata("\x00\xff garbage")];
        yield 'SignatureThreshold' => ['SignatureThresholdException', fn () => $base()->updateTimestamp($ts('ts-wrong-key'))];
        yield 'Rollback' => ['RollbackException', fn () => $base()->updateTimestamp($ts('ts-rollback'))];
        yield 'RepositoryChanged' => ['RepositoryChangedException', function () use ($base): void {
            // Snapshot 4 where timestamp 3 lists 3: published in between.
            $tm = $base();
            $tm->updateTimestamp(Fixtures::metadata('attacks', 'snapshot-version-mismatch', 'timestamp.json'));
            $tm->updateSnapshot(Fixtures::metadata('attacks', 'snapshot-version-mismatch', 'snapshot.json'));
        }];
        yield 'Expired' => ['ExpiredException', fn () => $base()->updateTimestamp($ts('ts-expired'))];
        yield 'InvalidHash' => ['InvalidHashException', fn () => Hashes::verifyString('abc', 3, ['sha256' => hash('sha256', 'abd')])];
        yield 'DownloadSize' => ['DownloadSizeException', fn () => Hashes::verifyString('abcd', 3, ['sha256' => hash('sha256', 'abc')])];
        yield 'NotFound' => ['NotFoundException', function () use ($base): void {
            $tm = $base();
            $tm->updateSnapshot(Fixtures::metadata('attacks', '1', 'snapshot.json'));
            $tm->snapshotMeta('no-such-role');
        }];
        yield 'DenialOfService' => ['DenialOfServiceException', function (): void {
            $tm = TrustedMetadataTest::trustState('delegations', '1');
            $tm->findTarget('a/sub/file.txt', fn (string $role) => Fixtures::metadata('delegations', '1', "$role.json"), 2);
        }];
        yield 'State' => ['StateException', fn () => $base()->updateTargets(Fixtures::metadata('attacks', '1', 'targets.json'))];
        yield 'Io' => ['IoException', fn () => Hashes::verifyFile('/nonexistent/tuf-native/file', 1, ['sha256' => str_repeat('0', 64)])];
    }

    /** @dataProvider nativeFailures */
    #[DataProvider('nativeFailures')]
    public function testEachKindIsThrownNatively(string $short, callable $call): void
    {
        $e = $this->assertTufKind($short, $call);
        $this->assertNotSame('', $e->getMessage());
        $this->assertInstanceOf(TufException::class, $e);
    }
}
