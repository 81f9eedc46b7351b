<?php

declare(strict_types=1);

namespace Tuf\Native\Tests;

use PHPUnit\Framework\TestCase;
use Tuf\Native\Exception\StateException;

/**
 * Updater::rolesToFetch(): the delegated roles a batch of lookups would
 * fetch, without any request, and exactly what the lookups then fetch.
 */
final class RolesToFetchTest extends TestCase
{
    use NativeAssertions;

    private const TARGETS = ['drupal/pkg00/1.0.0.0', 'drupal/pkg05/1.1.0.0', 'drupal/pkg13/1.2.0.0', 'p2/drupal/pkg00.json', 'drupal/pkg07/1.0.0.0'];

    public function testListsTheBinsTheLookupsFetch(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->takeLog();
        $roles = $u->rolesToFetch(self::TARGETS);
        $this->assertSame([], $repo->takeLog(), 'no request');
        $this->assertNotSame([], $roles);
        $snapshot = json_decode(Fixtures::metadata('drupal', '1', 'snapshot.json'), true)['signed']['meta'];
        foreach ($roles as $r) {
            $this->assertSame(['role', 'file', 'maxBytes'], array_keys($r));
            $this->assertSame($r['role'] . '.json', $r['file']);
            $this->assertSame($snapshot[$r['file']]['length'] ?? 5000000, $r['maxBytes']);
        }
        $this->assertSame(count($roles), count(array_unique(array_column($roles, 'role'))));
        foreach (self::TARGETS as $t) {
            $this->assertNotNull($u->getTargetInfo($t), $t);
        }
        $this->assertSame(array_column($roles, 'file'), $repo->takeLog());
        $this->assertSame([], $u->rolesToFetch(self::TARGETS));
    }

    public function testStoredRolesAreNotListed(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $bin = $u->getTargetInfo(self::TARGETS[0])->getRole();
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $repo->takeLog();
        $roles = array_column($u->rolesToFetch(self::TARGETS), 'role');
        $this->assertSame([], $repo->takeLog());
        $this->assertSame([], array_intersect($roles, array_keys($repo->stored)));
        $this->assertNotContains($bin, $roles);
        $this->assertNotSame([], $roles);
    }

    public function testConsistentSnapshotFileName(): void
    {
        $repo = new CallbackRepo('consistent', '1');
        $u = $repo->updater();
        $u->refresh(Fixtures::REF_TIME);
        $this->assertSame(
            [['role' => 'nested/role', 'file' => '1.nested%2Frole.json', 'maxBytes' => 686]],
            $u->rolesToFetch(['files/one.txt', 'hello.txt', 'files/one.txt'])
        );
        $this->assertSame([], $u->rolesToFetch([]));
    }

    public function testArgumentsAndState(): void
    {
        $repo = new CallbackRepo('drupal', '1');
        $u = $repo->updater();
        $this->assertThrows(StateException::class, fn () => $u->rolesToFetch(['x']));
        $u->refresh(Fixtures::REF_TIME);
        $this->assertThrows(\TypeError::class, fn () => $u->rolesToFetch(['x', 3]));
        $this->assertThrows(\ValueError::class, fn () => $u->rolesToFetch(["\xff"]));
    }
}
