--TEST--
tuf_native: loads, verifies binary strings, throws its exceptions (the `make test` smoke test)
--EXTENSIONS--
tuf_native
--FILE--
<?php
var_dump(extension_loaded('tuf_native'));
$data = "a\0b\xff";
Tuf\Native\Hashes::verifyString($data, 4, ['sha256' => hash('sha256', $data)]);
try {
    Tuf\Native\Hashes::verifyString("a\0c\xff", 4, ['sha256' => hash('sha256', $data)]);
} catch (Tuf\Native\Exception\InvalidHashException $e) {
    echo get_class($e), "\n";
}
try {
    new Tuf\Native\TrustedMetadata('{}');
} catch (Tuf\Native\Exception\TufException $e) {
    echo get_class($e), "\n";
}
echo "done\n";
?>
--EXPECT--
bool(true)
Tuf\Native\Exception\InvalidHashException
Tuf\Native\Exception\FormatException
done
