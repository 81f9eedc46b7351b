<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\Attributes\DataProvider;
use PHPUnit\Framework\TestCase;
use Tuf\Native\Exception\FormatException;
use Tuf\Native\Exception\TufException;
use Tuf\Native\Hashes;
use Tuf\Native\TrustedMetadata;

/** An application's subclass of the base. */
final class DetailLessTufException extends TufException
{
}

/**
 * TufException::getDetail(): the typed facts of a failure, as the core
 * set them, for PHP code that words its own message (the php-tuf shim).
 */
final class ExceptionDetailTest extends TestCase
{
    use NativeAssertions;

    /** @return iterable<string, array{string, string, array<string, string|int>}> */
    public static function refreshFailures(): iterable
    {
        // state of attacks/ served after attacks/1, exception, expected detail
        yield 'threshold' => ['ts-wrong-key', 'SignatureThresholdException', ['kind' => 'threshold_not_met', 'role' => 'timestamp']];
        yield 'threshold of targets' => ['targets-wrong-key', 'SignatureThresholdException', ['kind' => 'threshold_not_met', 'role' => 'targets']];
        yield 'expired' => ['ts-expired', 'ExpiredException', ['kind' => 'expired', 'role' => 'timestamp', 'version' => 3, 'expires' => '2021-01-01T00:00:00Z']];
        yield 'timestamp rollback' => ['ts-rollback', 'RollbackException', ['kind' => 'timestamp_rollback', 'version' => 1, 'trusted' => 2]];
        yield 'snapshot version rollback' => ['ts-snapshot-version-rollback', 'RollbackException', ['kind' => 'snapshot_version_rollback', 'version' => 1, 'trusted' => 2]];
        yield 'meta rollback' => ['snapshot-rollback-targets', 'RollbackException', ['kind' => 'meta_rollback', 'file' => 'targets.json', 'version' => 1, 'trusted' => 2]];
        yield 'meta dropped' => ['snapshot-role-removed', 'RollbackException', ['kind' => 'meta_dropped', 'file' => 'role1.json']];
        yield 'version newer than listed' => ['snapshot-version-mismatch', 'RepositoryChangedException', ['kind' => 'version_mismatch', 'role' => 'snapshot', 'expected' => 3, 'actual' => 4, 'referrer' => 'timestamp']];
        yield 'version older than listed' => ['mix-and-match', 'RollbackException', ['kind' => 'version_mismatch', 'role' => 'targets', 'expected' => 3, 'actual' => 2, 'referrer' => 'snapshot']];
        yield 'hash mismatch' => ['snapshot-hash-mismatch', 'InvalidHashException', ['kind' => 'hash_mismatch', 'file' => 'snapshot.json', 'algorithm' => 'sha256']];
    }

    /** @dataProvider refreshFailures */
    #[DataProvider('refreshFailures')]
    public function testTheDetailOfARefreshFailureArrivesInPhp(string $state, string $short, array $detail): void
    {
        $repo = new CallbackRepo('attacks', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->serve($state);
        $e = $this->assertTufKind($short, fn () => $u->refresh(Fixtures::REF_TIME));
        $this->assertSame($detail, $e->getDetail(), $e->getMessage());
    }

    public function testRootVersionAndARoleOfTheDelegationSearch(): void
    {
        $tm = new TrustedMetadata(Fixtures::metadata('attacks', '1', '1.root.json'), Fixtures::REF_TIME);
        $e = $this->assertTufKind('RollbackException', fn () => $tm->updateRoot(Fixtures::metadata('attacks', '1', '1.root.json')), 'root: expected version 2, got 1');
        $this->assertSame(['kind' => 'root_version', 'expected' => 2, 'actual' => 1], $e->getDetail());

        $repo = new CallbackRepo('attacks', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->serve('role1-expired');
        $u->refresh(Fixtures::REF_TIME);
        $e = $this->assertTufKind('ExpiredException', fn () => $u->getTargetInfo('r1/a.txt'), 'role "role1" version 3 expired');
        $this->assertSame(['kind' => 'expired', 'role' => 'role1', 'version' => 3, 'expires' => '2021-01-01T00:00:00Z'], $e->getDetail());
    }

    public function testVisitLimit(): void
    {
        $tm = TrustedMetadataTest::trustState('delegations', '1');
        $e = $this->assertTufKind(
            'DenialOfServiceException',
            fn () => $tm->findTarget('a/sub/file.txt', fn (string $role) => Fixtures::metadata('delegations', '1', "$role.json"), 2),
            'gave up after visiting 2 roles'
        );
        $this->assertSame(['kind' => 'visit_limit', 'maxRoles' => 2], $e->getDetail());
        $this->assertNull($e->getPrevious());
    }

    public function testATargetHashMismatchNamesTheFirstDifferingAlgorithm(): void
    {
        $e = $this->assertTufKind('InvalidHashException', fn () => Hashes::verifyString('abc', 3, ['sha256' => hash('sha256', 'abc'), 'sha512' => hash('sha512', 'abd')], 'pkg/a.zip'));
        $this->assertSame(['kind' => 'hash_mismatch', 'file' => 'pkg/a.zip', 'algorithm' => 'sha512'], $e->getDetail());
    }

    public function testOtherFailuresAndPhpMadeExceptionsHaveNone(): void
    {
        $e = $this->assertTufKind('DownloadSizeException', fn () => Hashes::verifyString('abcd', 3, ['sha256' => hash('sha256', 'abc')]));
        $this->assertNull($e->getDetail());
        $e = $this->assertTufKind('FormatException', fn () => new TrustedMetadata('{}'));
        $this->assertNull($e->getDetail());
        $this->assertNull((new FormatException('made by PHP'))->getDetail());
        $this->assertNull((new DetailLessTufException('mine'))->getDetail());
    }

    public function testGetDetailIsAFinalGetterOfTheBase(): void
    {
        $method = new \ReflectionMethod(TufException::class, 'getDetail');
        $this->assertTrue($method->isPublic());
        $this->assertTrue($method->isFinal());
        $this->assertSame(0, $method->getNumberOfParameters());
        $this->assertSame('?array', (string) $method->getReturnType());
        $this->assertThrows(\ArgumentCountError::class, fn () => (new FormatException())->getDetail(1));
        // The detail lives in a private property of the base: a subclass
        // (or code outside the class) cannot replace it.
        $property = new \ReflectionProperty(TufException::class, 'detail');
        $this->assertTrue($property->isPrivate());
    }

    public function testTheDetailOutlivesTheCallAndIsACopy(): void
    {
        try {
            Hashes::verifyString('abc', 3, ['sha256' => hash('sha256', 'abd')], 'x.json');
            $this->fail('accepted');
        } catch (TufException $e) {
        }
        $detail = $e->getDetail();
        $detail['file'] = 'changed';
        $this->assertSame('x.json', $e->getDetail()['file']);
        unset($detail);
        gc_collect_cycles();
        $this->assertSame(['kind' => 'hash_mismatch', 'file' => 'x.json', 'algorithm' => 'sha256'], $e->getDetail());
    }
}
