<?php

declare(strict_types=1);

namespace TufNative\Shim\Tests;

use PHPUnit\Framework\Attributes\DataProvider;
use Tuf\DelegatedRole;
use Tuf\Exception\FormatException;
use Tuf\Exception\MetadataException;
use Tuf\Exception\NotFoundException;
use Tuf\Key;
use Tuf\Metadata\MetadataBase;
use Tuf\Metadata\RootMetadata;
use Tuf\Metadata\SnapshotMetadata;
use Tuf\Metadata\TargetsMetadata;
use Tuf\Metadata\TimestampMetadata;
use Tuf\Role;
use TufNative\Shim\Tests\Support\Fixtures;
use TufNative\Shim\Tests\Support\TestCase;

/**
 * The read-only metadata views, on python-tuf generated files.
 */
final class MetadataTest extends TestCase
{
    private static function root(string $repo = 'drupal'): RootMetadata
    {
        return RootMetadata::createFromJson(Fixtures::metadata($repo, '1', '1.root.json'))->trust();
    }

    public function testRootMetadata(): void
    {
        $json = Fixtures::metadata('drupal', '1', '1.root.json');
        $root = RootMetadata::createFromJson($json);
        $this->assertSame($root, $root->trust(), 'trust() returns the object');
        $this->assertSame($json, $root->source);
        $this->assertSame('root', $root->type);
        $this->assertSame('root', $root->getRole());
        $this->assertSame(1, $root->version);
        $this->assertEquals(new \DateTimeImmutable('2100-01-01T00:00:00Z'), $root->getExpires());
        $this->assertSame(json_decode($json, true)['signed'], $root->signed);
        $this->assertCount(3, $root->signatures);
        $this->assertFalse($root->supportsConsistentSnapshots());
        $this->assertTrue(self::root('consistent')->supportsConsistentSnapshots());

        $roles = $root->getRoles();
        $this->assertEqualsCanonicalizing(['root', 'snapshot', 'targets', 'timestamp'], array_keys($roles));
        $this->assertInstanceOf(Role::class, $roles['root']);
        $this->assertSame(2, $roles['root']->threshold);
        $this->assertSame('timestamp', $roles['timestamp']->name);
        $this->assertTrue($roles['root']->keysMatch(Role::createFromMetadata($root->signed['roles']['root'], 'root')));
        $this->assertFalse($roles['root']->keysMatch($roles['timestamp']));

        $keys = $root->getKeys();
        $this->assertCount(6, $keys);
        foreach ($keys as $keyId => $key) {
            $this->assertInstanceOf(Key::class, $key);
            $this->assertSame('ed25519', $key->type);
            $this->assertSame(64, strlen($key->public));
            $this->assertSame(64, strlen($key->getComputedKeyId()));
        }
        foreach ($root->signed['roles']['root']['keyids'] as $keyId) {
            $this->assertTrue($roles['root']->isKeyIdAcceptable($keyId));
        }
        $this->assertFalse($roles['root']->isKeyIdAcceptable('nope'));
    }

    public function testComputedKeyIdsUsePhpTufsLegacyFormula(): void
    {
        // Root keys listed without keyid_hash_algorithms, as on
        // packages.drupal.org, and other keys listed with it.
        foreach (self::root('legacy-keyids')->getKeys() as $keyId => $key) {
            $this->assertSame($keyId, $key->getComputedKeyId());
        }
    }

    public function testUntrustedMetadataGuardsTrustedOnlyAccessors(): void
    {
        $root = RootMetadata::createFromJson(Fixtures::metadata('drupal', '1', '1.root.json'));
        $this->assertThrows(\RuntimeException::class, fn () => $root->getRoles());
        $this->assertThrows(\RuntimeException::class, fn () => $root->getKeys());
        $this->assertThrows(\RuntimeException::class, fn () => $root->supportsConsistentSnapshots());
        $this->assertThrows(\RuntimeException::class, fn () => $root->ensureIsTrusted());
        $this->assertCount(4, $root->getRoles(true));
        $root->ensureIsTrusted(true);

        $timestamp = TimestampMetadata::createFromJson(Fixtures::metadata('drupal', '1', 'timestamp.json'));
        $this->assertThrows(\RuntimeException::class, fn () => $timestamp->getFileMetaInfo('snapshot.json'));
        $this->assertSame(['version' => 1], $timestamp->getFileMetaInfo('snapshot.json', true));
        $this->assertSame(['version' => 1], $timestamp->trust()->getFileMetaInfo('snapshot.json'));
        $this->assertNull($timestamp->getFileMetaInfo('other.json'));
    }

    public function testTimestampAndSnapshotListFiles(): void
    {
        $timestamp = TimestampMetadata::createFromJson(Fixtures::metadata('consistent', '1', 'timestamp.json'))->trust();
        $info = $timestamp->getFileMetaInfo('snapshot.json');
        $this->assertSame(1, $info['version']);
        $snapshotJson = Fixtures::metadata('consistent', '1', '1.snapshot.json');
        $this->assertSame(strlen($snapshotJson), $info['length']);
        $this->assertSame(hash('sha256', $snapshotJson), $info['hashes']['sha256']);

        $snapshot = SnapshotMetadata::createFromJson(Fixtures::metadata('drupal', '1', 'snapshot.json'))->trust();
        $this->assertSame('snapshot', $snapshot->type);
        $this->assertSame(1, $snapshot->getFileMetaInfo('targets.json')['version']);
        $this->assertSame(1, $snapshot->getFileMetaInfo('000-0ff.json')['version']);
    }

    public function testTargetsMetadataAndHashedBinDelegations(): void
    {
        $top = TargetsMetadata::createFromJson(Fixtures::metadata('drupal', '1', 'targets.json'))->trust();
        $this->assertSame('targets', $top->getRole());
        $roles = $top->getDelegatedRoles();
        $this->assertCount(16, $roles);
        $this->assertSame('000-0ff', array_key_first($roles));
        $this->assertCount(1, $top->getDelegatedKeys());
        foreach ($top->getDelegatedKeys() as $key) {
            $this->assertSame('ed25519', $key->type);
        }

        $bins = [];
        foreach (Fixtures::drupalTargets() as $target) {
            $matching = array_keys(array_filter($roles, fn (DelegatedRole $r) => $r->matchesPath($target)));
            $this->assertCount(1, $matching, $target);
            $role = $matching[0];
            $this->assertFalse($roles[$role]->terminating);
            $bins[$role] ??= TargetsMetadata::createFromJson(Fixtures::metadata('drupal', '1', "$role.json"), $role)->trust();
            $bin = $bins[$role];
            $this->assertSame($role, $bin->getRole());
            $this->assertSame('targets', $bin->type);
            $this->assertTrue($bin->hasTarget($target));
            $data = Fixtures::target('drupal', '1', $target);
            $this->assertSame(strlen($data), $bin->getLength($target));
            $this->assertSame(hash('sha256', $data), $bin->getHashes($target)['sha256']);
            $this->assertSame(hash('sha512', $data), $bin->getHashes($target)['sha512']);
        }
        $this->assertFalse($top->hasTarget('drupal/pkg00/1.0.0.0'));
        $this->assertThrows(NotFoundException::class, fn () => $top->getLength('drupal/pkg00/1.0.0.0'));
        $this->assertThrows(NotFoundException::class, fn () => $top->getHashes('nope'));
    }

    public function testPathPatternsDoNotLetStarCrossSlash(): void
    {
        $role = DelegatedRole::createFromMetadata([
            'name' => 'r',
            'keyids' => ['k'],
            'threshold' => 1,
            'terminating' => true,
            'paths' => ['files/*', 'docs/*.txt', 'bin/?', 'lib/[ab]*/x'],
        ]);
        $this->assertSame('r', $role->name);
        $this->assertTrue($role->terminating);
        $this->assertTrue($role->matchesPath('files/a'));
        $this->assertFalse($role->matchesPath('files/a/b'), "'*' does not match '/' (php-tuf's fnmatch does)");
        $this->assertFalse($role->matchesPath('files'));
        $this->assertTrue($role->matchesPath('docs/readme.txt'));
        $this->assertFalse($role->matchesPath('docs/sub/readme.txt'));
        $this->assertTrue($role->matchesPath('bin/x'));
        $this->assertFalse($role->matchesPath('bin/xy'));
        $this->assertTrue($role->matchesPath('lib/alpha/x'));
        $this->assertFalse($role->matchesPath('lib/gamma/x'));

        $this->assertThrows(MetadataException::class, fn () => DelegatedRole::createFromMetadata([
            'name' => 'r', 'keyids' => [], 'threshold' => 1, 'terminating' => false, 'paths' => [], 'path_hash_prefixes' => [],
        ]));
        $this->assertThrows(MetadataException::class, fn () => DelegatedRole::createFromMetadata([
            'name' => 'r', 'keyids' => [], 'threshold' => 0, 'terminating' => false, 'paths' => [],
        ]));
    }

    /**
     * @dataProvider signedFiles
     */
    #[DataProvider('signedFiles')]
    public function testCanonicalJsonIsWhatTheSignersSigned(string $class, string $repo, string $file, ?string $delegator): void
    {
        /** @var MetadataBase $metadata */
        $metadata = $class::createFromJson(Fixtures::metadata($repo, '1', $file));
        $canonical = $metadata->toCanonicalJson();
        $keys = $delegator === null
            ? self::root($repo)->signed['keys']
            : json_decode(Fixtures::metadata($repo, '1', $delegator), true)['signed']['delegations']['keys'];
        $checked = 0;
        foreach ($metadata->signatures as $signature) {
            $key = $keys[$signature['keyid']] ?? null;
            if ($key === null || $key['keytype'] !== 'ed25519') {
                continue;
            }
            $this->assertTrue(sodium_crypto_sign_verify_detached(hex2bin($signature['sig']), $canonical, hex2bin($key['keyval']['public'])), $file);
            $checked++;
        }
        $this->assertGreaterThan(0, $checked, "$file: no ed25519 signature checked");
    }

    public static function signedFiles(): array
    {
        return [
            'root' => [RootMetadata::class, 'drupal', '1.root.json', null],
            'timestamp' => [TimestampMetadata::class, 'drupal', 'timestamp.json', null],
            'snapshot' => [SnapshotMetadata::class, 'drupal', 'snapshot.json', null],
            'targets' => [TargetsMetadata::class, 'drupal', 'targets.json', null],
            'hashed bin' => [TargetsMetadata::class, 'drupal', '500-5ff.json', 'targets.json'],
            'delegated role' => [TargetsMetadata::class, 'delegations', 'a.json', 'targets.json'],
        ];
    }

    public function testCanonicalJsonEncoding(): void
    {
        $json = '{"signatures": [], "signed": {"_type": "targets", "spec_version": "1.0.31", "version": 2,'
            . ' "expires": "2100-01-01T00:00:00Z", "targets": {"\u00e9/b\"c\\\\d": {"length": 1,'
            . ' "hashes": {"sha256": "00"}, "custom": {}}, "a": {"length": 2, "hashes": {"sha512": "11"}, "custom": {"z": [1, true, null], "y": "\u0001"}}}}}';
        $metadata = TargetsMetadata::createFromJson($json);
        $this->assertSame(
            '{"_type":"targets","expires":"2100-01-01T00:00:00Z","spec_version":"1.0.31","targets":{'
            . '"a":{"custom":{"y":"' . "\x01" . '","z":[1,true,null]},"hashes":{"sha512":"11"},"length":2},'
            . '"é/b\"c\\\\d":{"custom":{},"hashes":{"sha256":"00"},"length":1}},"version":2}',
            $metadata->toCanonicalJson()
        );
    }

    public function testMalformedMetadataIsRefused(): void
    {
        $root = Fixtures::metadata('drupal', '1', '1.root.json');
        $this->assertThrows(MetadataException::class, fn () => TimestampMetadata::createFromJson($root));
        $this->assertThrows(MetadataException::class, fn () => TargetsMetadata::createFromJson($root));
        $this->assertThrows(\JsonException::class, fn () => RootMetadata::createFromJson('{not json'));
        $this->assertThrows(MetadataException::class, fn () => RootMetadata::createFromJson('[]'));
        $this->assertThrows(MetadataException::class, fn () => RootMetadata::createFromJson('{"signed": {}, "signatures": []}'));
        $data = json_decode($root, true);
        $data['signed']['version'] = '1';
        $this->assertThrows(MetadataException::class, fn () => RootMetadata::createFromJson(json_encode($data)));
        $data = json_decode($root, true);
        unset($data['signed']['roles']['snapshot']);
        $this->assertThrows(MetadataException::class, fn () => RootMetadata::createFromJson(json_encode($data)));
        $data = json_decode($root, true);
        $data['signed']['expires'] = 'tomorrow';
        $this->assertThrows(FormatException::class, fn () => RootMetadata::createFromJson(json_encode($data))->getExpires());
    }
}
