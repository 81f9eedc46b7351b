<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\TestCase;
use Tuf\Native\Exception\TufException;
use Tuf\Native\Hashes;
use Tuf\Native\TrustedMetadata;
use Tuf\Native\Updater;

/**
 * Garbage, mutated, huge and deeply nested input, and every wrong argument
 * type on every method: always an exception, never a crash.
 */
final class HostileInputTest extends TestCase
{
    use NativeAssertions;

    /** Runs $call; only TUF exceptions (or success) are acceptable. */
    private function survives(callable $call): ?string
    {
        try {
            $call();
            return null;
        } catch (TufException $e) {
            $this->assertNotSame('', $e->getMessage());
            $this->assertStringNotContainsString('internal error', $e->getMessage());
            return get_class($e);
        }
    }

    public function testRandomBytesAreFormatErrors(): void
    {
        mt_srand(20300101);
        $base = TrustedMetadataTest::trustState('attacks', '1');
        for ($i = 0; $i < 300; $i++) {
            $garbage = '';
            $n = mt_rand(0, 600);
            for ($j = 0; $j < $n; $j++) {
                $garbage .= chr(mt_rand(0, 255));
            }
            if ($i % 3 === 0) {
                $garbage = '{"signed":' . $garbage . '}';
            }
            $this->assertSame('Tuf\\Native\\Exception\\FormatException', $this->survives(fn () => new TrustedMetadata($garbage, Fixtures::REF_TIME)));
            $tm = new TrustedMetadata(Fixtures::metadata('attacks', '1', '1.root.json'), Fixtures::REF_TIME);
            $this->assertNotNull($this->survives(fn () => $tm->updateRoot($garbage)));
            $this->assertNotNull($this->survives(fn () => $tm->updateTimestamp($garbage)));
            $this->assertNotNull($this->survives(fn () => $base->findTarget('r1/a.txt', fn () => $garbage)));
        }
    }

    public function testMutatedMetadataNeverVerifiesWrongly(): void
    {
        mt_srand(42);
        $files = [
            'root' => Fixtures::metadata('attacks', '1', '1.root.json'),
            'timestamp' => Fixtures::metadata('attacks', 'next-version', 'timestamp.json'),
        ];
        foreach ($files as $role => $original) {
            for ($i = 0; $i < 200; $i++) {
                $mutated = $original;
                $pos = mt_rand(0, strlen($mutated) - 1);
                $mutated[$pos] = chr(mt_rand(0, 255));
                if ($mutated === $original) {
                    continue;
                }
                $outcome = $this->survives(function () use ($role, $mutated): void {
                    if ($role === 'root') {
                        new TrustedMetadata($mutated, Fixtures::REF_TIME);
                    } else {
                        $tm = new TrustedMetadata(Fixtures::metadata('attacks', '1', '1.root.json'), Fixtures::REF_TIME);
                        $tm->updateTimestamp($mutated);
                    }
                });
                if ($outcome === null) {
                    // Accepted: only possible if the signed content is
                    // unchanged (the mutation hit insignificant whitespace).
                    $this->assertSame(
                        json_decode($original, true),
                        json_decode($mutated, true),
                        "mutation at byte $pos of $role was accepted"
                    );
                }
            }
        }
    }

    public function testHugeAndDeepInput(): void
    {
        $this->assertSame('Tuf\\Native\\Exception\\FormatException', $this->survives(fn () => new TrustedMetadata(str_repeat('[', 2_000_000))));
        $this->assertSame('Tuf\\Native\\Exception\\FormatException', $this->survives(fn () => new TrustedMetadata(
            '{"signed":' . str_repeat('{"a":', 100_000) . '1' . str_repeat('}', 100_000) . ',"signatures":[]}'
        )));
        $this->assertSame('Tuf\\Native\\Exception\\FormatException', $this->survives(fn () => new TrustedMetadata(
            '{"signed":{"_type":"root","x":"' . str_repeat('a', 20_000_000) . '"},"signatures":[]}'
        )));
        $manyKeys = '{"signed":{' . implode(',', array_map(fn ($i) => "\"k$i\":$i", range(1, 200_000))) . '},"signatures":[]}';
        $this->assertSame('Tuf\\Native\\Exception\\FormatException', $this->survives(fn () => new TrustedMetadata($manyKeys)));
        $tm = TrustedMetadataTest::trustState('attacks', '1');
        // A 200 KB target name: looked up (and not found), nothing more.
        $this->assertNull($this->survives(fn () => $tm->findTarget(str_repeat('a/', 100_000), fn () => null)));
        $this->assertNull($tm->findTarget("\0\0\0", fn () => null));
        $this->assertNull($tm->findTarget('', fn () => null));
    }

    public function testNulBytesInsideMetadataAndNames(): void
    {
        $root = Fixtures::metadata('attacks', '1', '1.root.json');
        $this->assertSame('Tuf\\Native\\Exception\\FormatException', $this->survives(fn () => new TrustedMetadata($root . "\0")));
        $this->assertSame('Tuf\\Native\\Exception\\FormatException', $this->survives(fn () => new TrustedMetadata("\0" . $root)));
        $tm = TrustedMetadataTest::trustState('attacks', '1');
        $this->assertSame('Tuf\\Native\\Exception\\NotFoundException', $this->survives(fn () => $tm->snapshotMeta("role1\0")));
        $this->assertNull($tm->findTarget("file1.txt\0", fn () => null));
    }

    /** Values of every PHP type, for the wrong-type sweep. */
    private static function wrongValues(): array
    {
        return [
            'int' => 7,
            'float' => 1.5,
            'bool' => true,
            'null' => null,
            'array' => ['x' => [1, 2]],
            'object' => new \stdClass(),
            'string' => 'string',
            'closure' => fn () => null,
            'resource' => STDIN,
        ];
    }

    /** A valid argument for a parameter of the given type. */
    private static function validValue(?string $type, string $name): mixed
    {
        return match (ltrim((string) $type, '?')) {
            'string' => $name === 'destinationDir' || $name === 'cacheDir' || $name === 'path' ? sys_get_temp_dir() : 'x',
            'int' => 1,
            'bool' => false,
            'array' => [],
            'callable' => fn () => null,
            default => null,
        };
    }

    private static function accepts(?string $type, mixed $value): bool
    {
        if ($type === null) {
            return true;
        }
        $nullable = str_starts_with($type, '?');
        $type = ltrim($type, '?');
        return ($value === null && $nullable)
            || ($type === 'string' && is_string($value))
            || ($type === 'int' && is_int($value))
            || ($type === 'bool' && is_bool($value))
            || ($type === 'array' && is_array($value))
            || ($type === 'callable' && is_callable($value));
    }

    public function testEveryWrongArgumentTypeIsATypeError(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $updater = $repo->updater();
        $updater->refresh(Fixtures::REF_TIME);
        $trusted = TrustedMetadataTest::trustState('drupal', '1');
        $info = $updater->getTargetInfo('p2/drupal/pkg00.json');
        $objects = [Updater::class => $updater, TrustedMetadata::class => $trusted, get_class($info) => $info, Hashes::class => null];
        $checked = 0;
        foreach ($objects as $class => $object) {
            foreach ((new \ReflectionClass($class))->getMethods(\ReflectionMethod::IS_PUBLIC) as $method) {
                $params = $method->getParameters();
                $valid = array_map(fn (\ReflectionParameter $p) => self::validValue((string) $p->getType(), $p->getName()), $params);
                foreach ($params as $i => $param) {
                    $type = $param->hasType() ? (string) $param->getType() : null;
                    foreach (self::wrongValues() as $label => $wrong) {
                        if (self::accepts($type, $wrong)) {
                            continue;
                        }
                        $args = $valid;
                        $args[$i] = $wrong;
                        $call = function () use ($method, $object, $args) {
                            if ($method->isConstructor()) {
                                return $method->getDeclaringClass()->newInstanceArgs($args);
                            }
                            return $method->invokeArgs($method->isStatic() ? null : $object, $args);
                        };
                        try {
                            $call();
                            $this->fail("{$class}::{$method->getName()} accepted $label for \${$param->getName()}");
                        } catch (\TypeError $e) {
                            $checked++;
                        }
                    }
                }
                if ($params !== []) {
                    try {
                        $method->isConstructor()
                            ? $method->getDeclaringClass()->newInstance()
                            : $method->invoke($method->isStatic() ? null : $object);
                        $this->assertSame(0, $method->getNumberOfRequiredParameters(), "{$class}::{$method->getName()}");
                    } catch (\ArgumentCountError $e) {
                        $checked++;
                    } catch (TufException | \ValueError $e) {
                        $this->assertSame(0, $method->getNumberOfRequiredParameters());
                    }
                }
            }
        }
        $this->assertGreaterThan(150, $checked);
    }

    public function testTooManyArgumentsAreRefused(): void
    {
        $this->assertThrows(\ArgumentCountError::class, fn () => Hashes::verifyString('x', 1, [], 'n', 'extra'));
        $tm = TrustedMetadataTest::trustState('drupal', '1');
        $this->assertThrows(\ArgumentCountError::class, fn () => $tm->versions(1));
    }

    public function testReferencesAndCopyOnWriteStrings(): void
    {
        $data = 'abc';
        $ref = &$data;
        Hashes::verifyString($ref, 3, ['sha256' => hash('sha256', 'abc')]);
        $hashes = ['sha256' => hash('sha256', 'abc')];
        $alias = &$hashes['sha256'];
        Hashes::verifyString($data, 3, $hashes);
        $this->assertSame('abc', $data, 'inputs are not modified');
        $this->addToAssertionCount(1);
    }
}
