<?php

/**
 * Prints, as JSON, the API that callers and subclasses can reach of every
 * class, interface and trait under a Tuf\ source tree: kind and
 * modifiers, parent, interfaces, public and protected constants,
 * properties and methods with their full signatures.
 *
 *   php api-dump.php SRC_DIR
 *
 * Run once over php-tuf 0.1.7's src/ and once over the shim's php/src,
 * each in its own process (both declare the Tuf\ namespace); api-diff.php
 * compares the two. Classes are only reflected, never used: no dependency
 * of either tree is needed.
 */

declare(strict_types=1);

$src = $argv[1] ?? '';
if (!is_dir($src)) {
    fwrite(STDERR, "usage: php api-dump.php SRC_DIR\n");
    exit(2);
}
$src = realpath($src);
spl_autoload_register(static function (string $class) use ($src): void {
    if (str_starts_with($class, 'Tuf\\')) {
        $file = $src . '/' . str_replace('\\', '/', substr($class, 4)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

$names = [];
$files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($src, FilesystemIterator::SKIP_DOTS));
foreach ($files as $file) {
    if ($file->getExtension() === 'php') {
        $relative = substr($file->getPathname(), strlen($src) + 1, -4);
        $names[] = 'Tuf\\' . str_replace('/', '\\', $relative);
    }
}
sort($names);

function typeName(?ReflectionType $type): ?string
{
    return $type === null ? null : (string) $type;
}

function visibility(ReflectionMethod|ReflectionProperty|ReflectionClassConstant $member): string
{
    return $member->isPublic() ? 'public' : ($member->isProtected() ? 'protected' : 'private');
}

$api = [];
foreach ($names as $name) {
    if (!class_exists($name) && !interface_exists($name) && !trait_exists($name)) {
        $api[$name] = ['kind' => 'missing'];
        continue;
    }
    $class = new ReflectionClass($name);
    $entry = [
        'kind' => $class->isInterface() ? 'interface' : ($class->isTrait() ? 'trait' : 'class'),
        'abstract' => $class->isAbstract() && !$class->isInterface(),
        'final' => $class->isFinal(),
        'parent' => $class->getParentClass() ? $class->getParentClass()->getName() : null,
        'interfaces' => $class->getInterfaceNames(),
        'constants' => [],
        'properties' => [],
        'methods' => [],
    ];
    sort($entry['interfaces']);
    foreach ($class->getReflectionConstants() as $constant) {
        if ($constant->isPrivate()) {
            continue;
        }
        $entry['constants'][$constant->getName()] = visibility($constant) . ' = ' . var_export($constant->getValue(), true);
    }
    foreach ($class->getProperties() as $property) {
        if ($property->isPrivate()) {
            continue;
        }
        $entry['properties'][$property->getName()] = implode(' ', array_filter([
            visibility($property),
            $property->isStatic() ? 'static' : '',
            $property->isReadOnly() ? 'readonly' : '',
            typeName($property->getType()) ?? 'untyped',
            $property->hasDefaultValue() && $property->getDefaultValue() !== null ? '= ' . var_export($property->getDefaultValue(), true) : '',
        ]));
    }
    foreach ($class->getMethods() as $method) {
        if ($method->isPrivate()) {
            continue;
        }
        $params = [];
        foreach ($method->getParameters() as $param) {
            $text = trim((typeName($param->getType()) ?? '') . ' ' . ($param->isPassedByReference() ? '&' : '')
                . ($param->isVariadic() ? '...' : '') . '$' . $param->getName());
            if ($param->isDefaultValueAvailable()) {
                $text .= ' = ' . ($param->isDefaultValueConstant()
                    ? $param->getDefaultValueConstantName()
                    : var_export($param->getDefaultValue(), true));
            }
            $params[] = $text;
        }
        $entry['methods'][$method->getName()] = implode(' ', array_filter([
            $method->isAbstract() && !$class->isInterface() ? 'abstract' : '',
            $method->isFinal() ? 'final' : '',
            visibility($method),
            $method->isStatic() ? 'static' : '',
        ])) . ' function(' . implode(', ', $params) . ')'
            . ($method->hasReturnType() ? ': ' . typeName($method->getReturnType()) : '');
    }
    ksort($entry['constants']);
    ksort($entry['properties']);
    ksort($entry['methods']);
    $api[$name] = $entry;
}
echo json_encode($api, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
