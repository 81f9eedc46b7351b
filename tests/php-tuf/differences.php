<?php

/**
 * The scenarios of driver.php where the shim deliberately behaves unlike
 * php-tuf 0.1.7 (php-tuf is wrong; README.md, "Where the shim differs from
 * php-tuf", names each case). Before step 'from' both must agree exactly;
 * from it on, the shim's outcomes must be those listed (fnmatch patterns,
 * one per step), and php-tuf must really differ.
 *
 * Everywhere, php-tuf's re-downloads of metadata storage already holds
 * unchanged are left out of its requests (compare.php, withoutRedownloads()).
 */

$threshold = 'Tuf\\Exception\\Attack\\SignatureThresholdException: Signature threshold not met on';

// php-tuf saves a new timestamp before verifying the snapshot and targets
// (5.4.5), and a later refresh() of the same updater (download() and
// verify() call it) returns early on that now "unchanged" timestamp: the
// refused snapshot or targets are ignored and the old ones used. The
// shim refuses again, in every call.
$refusedAgain = static fn (string $outcome): array => [
    'why' => 'php-tuf accepts on the next call a refresh it refused',
    'from' => 3,
    'shim' => [$outcome, $outcome, $outcome],
];

$differences = [
    'consistent' => [
        'why' => "delegated role names percent-encoded (1.nested%2Frole.json), php-tuf asks for 1.nested/role.json",
        'from' => 2,
        // Found; the target itself is served under its consistent name only.
        'shim' => ['Tuf\\Exception\\NotFoundException: Item not found: files/one.txt'],
    ],
    'delegations-other-key-after-a' => [
        'why' => 'shared-leaf reached through d must verify with d\'s key; php-tuf reuses it as verified through a',
        'from' => 2,
        'shim' => ["$threshold shared-leaf"],
    ],
    'rotation' => [
        'why' => 'fast-forward recovery (5.3.11): php-tuf checks the new timestamp key against the old root',
        'from' => 2,
        'shim' => ['ok', 'ok', 'ok sha256:*'],
    ],
    'rotation-snapshot-key-only' => [
        'why' => 'fast-forward recovery (5.3.11): php-tuf checks the new snapshot key against the old root',
        'from' => 1,
        'shim' => ['ok', 'ok sha256:*'],
    ],
    'rotation-max-root-downloads' => [
        'why' => 'MAX_ROOT_DOWNLOADS ends the root chain of one refresh (as python-tuf), php-tuf throws',
        'from' => 1,
        // Root 2, then root 3 (an expired intermediate root: the refresh
        // ends on it), then root 4 and the rest of the refresh.
        'shim' => ['ok', 'Tuf\\Exception\\Attack\\FreezeAttackException: Remote root metadata expired on 2021-01-01T00:00:00+00:00', 'ok', 'ok sha256:*'],
    ],
    'rotation-wrong-version' => [
        'why' => 'php-tuf\'s message has a stray "$" before each number',
        'from' => 1,
        'shim' => array_fill(0, 2, 'Tuf\\Exception\\Attack\\RollbackAttackException: Remote \'root\' metadata version "3" does not match the expected version "2"'),
    ],
    'attacks-ts-rollback' => [
        'why' => 'php-tuf\'s message has a stray "$" before each number',
        'from' => 2,
        'shim' => array_fill(0, 4, 'Tuf\\Exception\\Attack\\RollbackAttackException: Remote timestamp metadata version "1" is less than previously seen timestamp version "2"'),
    ],
    'attacks-ts-wrong-type' => [
        'why' => 'malformed metadata: same class, not symfony/validator\'s message',
        'from' => 2,
        'shim' => array_fill(0, 4, 'Tuf\\Exception\\MetadataException: *wrong _type "snapshot", expected "timestamp"'),
    ],
];
foreach ([
    'snapshot-hash-mismatch' => "Tuf\\Exception\\MetadataException: The 'snapshot' contents does not match hash 'sha256' specified in the 'timestamp' metadata.",
    'snapshot-length-mismatch' => 'Tuf\\Exception\\DownloadSizeException: Expected snapshot.json to be 723 bytes.',
    'snapshot-version-mismatch' => 'Tuf\\Exception\\MetadataException: Expected snapshot version 3 does not match actual version 4.',
    'snapshot-rollback-targets' => 'Tuf\\Exception\\Attack\\RollbackAttackException: Remote snapshot metadata file \'targets.json\' version "1" is less than previously seen  version "2"',
    'snapshot-role-removed' => 'Tuf\\Exception\\Attack\\RollbackAttackException: Remote snapshot metadata file references \'role1.json\' but this is not present in the remote file',
    'snapshot-expired' => 'Tuf\\Exception\\Attack\\FreezeAttackException: Remote snapshot metadata expired on 2021-01-01T00:00:00+00:00',
    'snapshot-wrong-key' => "$threshold snapshot",
    'targets-version-mismatch' => 'Tuf\\Exception\\MetadataException: Expected targets version 3 does not match actual version 4.',
    'targets-hash-mismatch' => "Tuf\\Exception\\MetadataException: The 'targets' contents does not match hash 'sha256' specified in the 'snapshot' metadata.",
    'targets-expired' => 'Tuf\\Exception\\Attack\\FreezeAttackException: Remote targets metadata expired on 2021-01-01T00:00:00+00:00',
    'targets-wrong-key' => "$threshold targets",
    'mix-and-match' => 'Tuf\\Exception\\MetadataException: Expected targets version 3 does not match actual version 2.',
] as $state => $outcome) {
    $differences["attacks-$state"] = $refusedAgain($outcome);
}
// A version newer than listed is the repository changing during the update
// (issue 16): the shim restarts the refresh once from the timestamp before
// it gives up, so it asks for more in the refusing step too.
foreach (['snapshot-version-mismatch', 'targets-version-mismatch'] as $state) {
    $differences["attacks-$state"] = [
        'why' => 'a version newer than listed restarts the refresh once from the timestamp (README: "A version newer than listed"); then as above',
        'from' => 2,
        'shim' => array_fill(0, 1 + count($differences["attacks-$state"]['shim']), $differences["attacks-$state"]['shim'][0]),
    ];
}
// A timestamp, snapshot or targets role signed by keys the trusted root
// does not list: the shim asks once more for the next root, in case the
// repository rotated those keys after the refresh's root request (issue
// 16); with none, the signature error stands.
$differences['attacks-ts-wrong-key'] = [
    'why' => 'a signature failure asks once more for the next root (keys rotated mid-refresh?) before it stands',
    'from' => 2,
    'shim' => array_fill(0, 4, "$threshold timestamp"),
];
foreach (['snapshot-wrong-key', 'targets-wrong-key'] as $state) {
    $differences["attacks-$state"] = [
        'why' => 'a signature failure asks once more for the next root (keys rotated mid-refresh?) before it stands; then as above',
        'from' => 2,
        'shim' => array_fill(0, 1 + count($differences["attacks-$state"]['shim']), $differences["attacks-$state"]['shim'][0]),
    ];
}
return $differences;
