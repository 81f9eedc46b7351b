<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\TestCase;

/**
 * stubs/tuf_native.stub.php declares exactly what the built extension
 * registers: classes, parents, flags, constants, methods, parameter names,
 * types and defaults, return types, functions and constants.
 */
final class StubTest extends TestCase
{
    private static function stub(): string
    {
        return Fixtures::repoRoot() . '/stubs/tuf_native.stub.php';
    }

    /** The stub's API, described by a PHP process without the extension. */
    private static function stubApi(): array
    {
        $code = sprintf(
            '$before = get_defined_functions()["user"]; require %s; require %s; '
            . 'use Tuf\Native\Tests\ApiDescription as D; '
            . 'echo json_encode(D::describe(D::declaredClasses(), array_values(array_filter(get_defined_functions()["user"], fn ($f) => str_starts_with($f, "tuf\\\\native\\\\") && !str_starts_with($f, "tuf\\\\native\\\\tests\\\\"))), get_defined_constants(true)["user"] ?? []), JSON_THROW_ON_ERROR);',
            var_export(self::stub(), true),
            var_export(__DIR__ . '/ApiDescription.php', true)
        );
        $run = Subprocess::php($code, null);
        if ($run['status'] !== 0 || $run['stderr'] !== '') {
            throw new \RuntimeException("describing the stub failed:\n" . $run['stdout'] . $run['stderr']);
        }
        return json_decode($run['stdout'], true, 512, JSON_THROW_ON_ERROR);
    }

    /** The loaded extension's API. */
    private static function extensionApi(): array
    {
        $ext = new \ReflectionExtension('tuf_native');
        $classes = array_values(array_filter(
            $ext->getClassNames(),
            fn (string $c) => !str_starts_with($c, 'Tuf\\Native\\Internal\\')
        ));
        return ApiDescription::describe($classes, array_keys($ext->getFunctions()), $ext->getConstants());
    }

    public function testStubMatchesTheExtension(): void
    {
        $stub = self::stubApi();
        $extension = self::extensionApi();
        $this->assertSame(array_keys($extension['classes']), array_keys($stub['classes']), 'classes');
        foreach ($extension['classes'] as $class => $description) {
            $this->assertSame($description, $stub['classes'][$class], "class $class");
        }
        $this->assertSame($extension, $stub);
    }

    public function testTheComparisonSeesTheWholeApi(): void
    {
        $api = self::extensionApi();
        // 4 classes, DirectoryLock, TufException and its 11 subclasses.
        $this->assertCount(17, $api['classes']);
        $this->assertSame([], $api['functions']);
        $this->assertSame([], $api['constants']);
        $updater = $api['classes']['Tuf\\Native\\Updater']['methods'];
        $this->assertSame(['__construct', 'download', 'getTargetInfo', 'initRoot', 'refresh', 'rolesToFetch', 'status', 'withCallbacks'], array_keys($updater));
        $this->assertSame("array (\n)", $updater['__construct']['params'][2]['default']);
        $this->assertSame('?Tuf\\Native\\TargetInfo', $updater['getTargetInfo']['return']);
        $this->assertSame("'data'", $api['classes']['Tuf\\Native\\Hashes']['methods']['verifyString']['params'][3]['default']);
        $this->assertSame(['__construct', 'isHeld', 'release'], array_keys($api['classes']['Tuf\\Native\\DirectoryLock']['methods']));
    }

    public function testStubIsValidPhpWithoutTheExtension(): void
    {
        $run = Subprocess::run([PHP_BINARY, '-n', '-l', self::stub()]);
        $this->assertSame(0, $run['status'], $run['stdout'] . $run['stderr']);
    }
}
