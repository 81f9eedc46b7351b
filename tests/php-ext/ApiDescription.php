<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

/**
 * A comparable description of a PHP API, made with Reflection. Used by
 * StubTest twice: on the loaded extension, and in a PHP process without it
 * that only includes stubs/tuf_native.stub.php.
 */
final class ApiDescription
{
    /**
     * @param list<string> $classes
     * @param list<string> $functions
     * @param array<string, mixed> $constants
     */
    public static function describe(array $classes, array $functions, array $constants): array
    {
        sort($classes);
        sort($functions);
        ksort($constants);
        $api = ['classes' => [], 'functions' => [], 'constants' => array_map(fn ($v) => var_export($v, true), $constants)];
        foreach ($classes as $name) {
            $api['classes'][$name] = self::class_(new \ReflectionClass($name));
        }
        foreach ($functions as $name) {
            $api['functions'][$name] = self::function_(new \ReflectionFunction($name));
        }
        return $api;
    }

    /** The classes of the tuf_native namespace declared in this process. */
    public static function declaredClasses(): array
    {
        return array_values(array_filter(
            get_declared_classes(),
            fn (string $c) => str_starts_with($c, 'Tuf\\Native\\')
                && !str_starts_with($c, 'Tuf\\Native\\Tests\\')
                && !str_starts_with($c, 'Tuf\\Native\\Internal\\')
        ));
    }

    private static function class_(\ReflectionClass $class): array
    {
        $constants = [];
        foreach ($class->getReflectionConstants() as $constant) {
            if ($constant->getDeclaringClass()->getName() === $class->getName()) {
                $constants[$constant->getName()] = var_export($constant->getValue(), true);
            }
        }
        ksort($constants);
        $methods = [];
        foreach ($class->getMethods() as $method) {
            if ($method->getDeclaringClass()->getName() === $class->getName()) {
                $methods[$method->getName()] = self::function_($method) + [
                    'static' => $method->isStatic(),
                    'visibility' => $method->isPublic() ? 'public' : ($method->isProtected() ? 'protected' : 'private'),
                    'final' => $method->isFinal(),
                    'abstract' => $method->isAbstract(),
                ];
            }
        }
        ksort($methods);
        $interfaces = $class->getInterfaceNames();
        sort($interfaces);
        $properties = array_map(fn (\ReflectionProperty $p) => $p->getName(), array_filter(
            $class->getProperties(),
            fn (\ReflectionProperty $p) => $p->getDeclaringClass()->getName() === $class->getName()
        ));
        sort($properties);
        return [
            'kind' => $class->isInterface() ? 'interface' : ($class->isTrait() ? 'trait' : 'class'),
            'final' => $class->isFinal(),
            'abstract' => $class->isAbstract(),
            'parent' => $class->getParentClass() ? $class->getParentClass()->getName() : null,
            'interfaces' => $interfaces,
            'constants' => $constants,
            'properties' => $properties,
            'methods' => $methods,
        ];
    }

    private static function function_(\ReflectionFunctionAbstract $function): array
    {
        $params = [];
        foreach ($function->getParameters() as $param) {
            $params[] = [
                'name' => $param->getName(),
                'type' => $param->hasType() ? (string) $param->getType() : null,
                'optional' => $param->isOptional(),
                'default' => $param->isDefaultValueAvailable() ? var_export($param->getDefaultValue(), true) : null,
                'byRef' => $param->isPassedByReference(),
                'variadic' => $param->isVariadic(),
            ];
        }
        return [
            'params' => $params,
            'return' => $function->hasReturnType() ? (string) $function->getReturnType() : null,
            'returnsReference' => $function->returnsReference(),
        ];
    }
}
