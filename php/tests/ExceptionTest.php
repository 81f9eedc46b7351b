<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use Tuf\Exception as E;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * php-tuf's exception classes, with their parents.
 */
final class ExceptionTest extends TestCase
{
    public function testHierarchy(): void
    {
        $parents = [
            E\TufException::class => \Exception::class,
            E\MetadataException::class => E\TufException::class,
            E\FormatException::class => E\TufException::class,
            E\NotFoundException::class => E\TufException::class,
            E\DownloadSizeException::class => E\TufException::class,
            E\InvalidKeyException::class => E\TufException::class,
            E\Attack\AttackException::class => E\TufException::class,
            E\Attack\FreezeAttackException::class => E\Attack\AttackException::class,
            E\Attack\RollbackAttackException::class => E\Attack\AttackException::class,
            E\Attack\SignatureThresholdException::class => E\Attack\AttackException::class,
            E\Attack\DenialOfServiceAttackException::class => E\Attack\AttackException::class,
            E\Attack\InvalidHashException::class => E\TufException::class,
        ];
        foreach ($parents as $class => $parent) {
            $this->assertSame($parent, get_parent_class($class), $class);
        }
        $this->assertTrue((new \ReflectionClass(E\TufException::class))->isAbstract());
        $this->assertTrue((new \ReflectionClass(E\Attack\AttackException::class))->isAbstract());
    }

    public function testConstructors(): void
    {
        $this->assertSame('Target not found: a/b', (new E\NotFoundException('a/b', 'Target'))->getMessage());
        $this->assertSame('Item not found', (new E\NotFoundException())->getMessage());
        $previous = new \RuntimeException('x');
        $this->assertSame($previous, (new E\NotFoundException('k', 'Key', $previous))->getPrevious());
        $this->assertSame('Bad format: 2020', (new E\FormatException('2020'))->getMessage());
        $this->assertSame('Not a date: 2020', (new E\FormatException('2020', 'Not a date'))->getMessage());
        $stream = self::stream('untrusted');
        $e = new E\Attack\InvalidHashException($stream, 'bad sha256', 3, $previous);
        $this->assertSame($stream, $e->getStream());
        $this->assertSame('bad sha256', $e->getMessage());
        $this->assertSame(3, $e->getCode());
        $this->assertSame($previous, $e->getPrevious());
        $this->assertSame('size', (new E\Attack\FreezeAttackException('size'))->getMessage());
    }
}
