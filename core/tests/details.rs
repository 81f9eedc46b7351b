//! The typed detail of each failure callers word their own message for
//! (`tuf_core::error::Detail`, read by the PHP shim to word php-tuf's):
//! every variant, produced where the core detects the failure, through the
//! updater on the python-tuf fixtures, with the message it accompanies.

use tuf_core::config::Config;
use tuf_core::error::{Detail, Error, ErrorKind};
use tuf_core::hashing::{verify_bytes, Expected};
use tuf_core::time::parse_expires;
use tuf_core::trusted::TrustedSet;
use tuf_testkit::fixtures::*;

/// Where a failure shows: the refresh, or then a lookup of this target.
#[derive(Clone, Copy)]
enum Step {
    Refresh,
    Lookup(&'static str),
}

/// `repo`'s state 1 trusted, then `state` served: the error of `step`.
fn failure(repo: &str, state: &str, step: Step, config: Config, kind: ErrorKind) -> Error {
    let mut u = client_with(repo, "1", config);
    u.refresh(ref_time()).unwrap();
    serve(&mut u, repo, state);
    match step {
        Step::Refresh => assert_kind(u.refresh(ref_time()), kind),
        Step::Lookup(target) => {
            u.refresh(ref_time()).unwrap();
            assert_kind(u.get_target_info(target), kind)
        }
    }
}

#[track_caller]
fn assert_detail(e: &Error, detail: Detail) {
    assert_eq!(e.detail(), Some(&detail), "{e}");
}

fn threshold(role: &str) -> Detail {
    Detail::ThresholdNotMet { role: role.into() }
}

fn expired(role: &str, version: u64) -> Detail {
    Detail::Expired {
        role: role.into(),
        version,
        expires: parse_expires("2021-01-01T00:00:00Z").unwrap(),
    }
}

fn mismatch(role: &str, expected: u64, actual: u64, referrer: &str) -> Detail {
    Detail::VersionMismatch {
        role: role.into(),
        expected,
        actual,
        referrer: referrer.into(),
    }
}

/// (repo, state served, step, error kind, part of the message, detail).
type Case = (
    &'static str,
    &'static str,
    Step,
    ErrorKind,
    &'static str,
    Detail,
);

fn cases() -> Vec<Case> {
    use ErrorKind::*;
    use Step::*;
    let hash = |file: &str| Detail::HashMismatch {
        file: file.into(),
        algorithm: "sha256".into(),
    };
    vec![
        // 5.3.4, 5.4.2, 5.5.3, 5.6.3
        (
            "rotation",
            "bad-new-threshold",
            Refresh,
            SignatureThreshold,
            "root version 2 (by its own keys): ",
            threshold("root"),
        ),
        (
            "rotation",
            "bad-old-threshold",
            Refresh,
            SignatureThreshold,
            "root version 2 (by trusted root keys): ",
            threshold("root"),
        ),
        (
            "attacks",
            "ts-wrong-key",
            Refresh,
            SignatureThreshold,
            "timestamp: 0 valid",
            threshold("timestamp"),
        ),
        (
            "attacks",
            "snapshot-wrong-key",
            Refresh,
            SignatureThreshold,
            "snapshot: 0 valid",
            threshold("snapshot"),
        ),
        (
            "attacks",
            "targets-wrong-key",
            Refresh,
            SignatureThreshold,
            "role \"targets\": 0 valid",
            threshold("targets"),
        ),
        (
            "attacks",
            "role1-wrong-key",
            Lookup("r1/a.txt"),
            SignatureThreshold,
            "role \"role1\": 0 valid",
            threshold("role1"),
        ),
        // 5.3.10, 5.4.4, 5.5.6, 5.6.5
        (
            "rotation",
            "final-expired",
            Refresh,
            Expired,
            "root version 2 expired at 2021-01-01T00:00:00Z",
            expired("root", 2),
        ),
        (
            "attacks",
            "ts-expired",
            Refresh,
            Expired,
            "timestamp version 3 expired at",
            expired("timestamp", 3),
        ),
        (
            "attacks",
            "snapshot-expired",
            Refresh,
            Expired,
            "snapshot version 3 expired at",
            expired("snapshot", 3),
        ),
        (
            "attacks",
            "targets-expired",
            Refresh,
            Expired,
            "role \"targets\" version 3 expired at",
            expired("targets", 3),
        ),
        (
            "attacks",
            "role1-expired",
            Lookup("r1/a.txt"),
            Expired,
            "role \"role1\" version 3 expired at",
            expired("role1", 3),
        ),
        // 5.3.5: 2.root.json is version 3.
        (
            "rotation",
            "wrong-version",
            Refresh,
            Rollback,
            "root: expected version 2, got 3",
            Detail::RootVersion {
                expected: 2,
                actual: 3,
            },
        ),
        // 5.4.3
        (
            "attacks",
            "ts-rollback",
            Refresh,
            Rollback,
            "timestamp version 1 is older than trusted version 2",
            Detail::TimestampRollback {
                version: 1,
                trusted: 2,
            },
        ),
        (
            "attacks",
            "ts-snapshot-version-rollback",
            Refresh,
            Rollback,
            "timestamp lists snapshot version 1, older than trusted 2",
            Detail::SnapshotVersionRollback {
                version: 1,
                trusted: 2,
            },
        ),
        // 5.5.5
        (
            "attacks",
            "snapshot-rollback-targets",
            Refresh,
            Rollback,
            "snapshot lists targets.json version 1, older than trusted 2",
            Detail::MetaRollback {
                file: "targets.json".into(),
                version: 1,
                trusted: 2,
            },
        ),
        (
            "attacks",
            "snapshot-role-removed",
            Refresh,
            Rollback,
            "snapshot version 3 drops role1.json, listed by trusted version 2",
            Detail::MetaDropped {
                file: "role1.json".into(),
            },
        ),
        // 5.5.4, 5.6.4: newer (after one restart) or older than listed.
        (
            "attacks",
            "snapshot-version-mismatch",
            Refresh,
            RepositoryChanged,
            "role \"snapshot\" version 4 is newer than version 3 listed by timestamp",
            mismatch("snapshot", 3, 4, "timestamp"),
        ),
        (
            "attacks",
            "targets-version-mismatch",
            Refresh,
            RepositoryChanged,
            "role \"targets\" version 4 is newer than version 3 listed by snapshot",
            mismatch("targets", 3, 4, "snapshot"),
        ),
        (
            "attacks",
            "mix-and-match",
            Refresh,
            Rollback,
            "role \"targets\" version 2 is older than version 3 listed by snapshot",
            mismatch("targets", 3, 2, "snapshot"),
        ),
        // 5.5.2, 5.6.2
        (
            "attacks",
            "snapshot-hash-mismatch",
            Refresh,
            InvalidHash,
            "snapshot.json: sha256 is ",
            hash("snapshot.json"),
        ),
        (
            "attacks",
            "targets-hash-mismatch",
            Refresh,
            InvalidHash,
            "targets.json: sha256 is ",
            hash("targets.json"),
        ),
        // 5.6.7: targets, a, then a-child would be the third role.
        (
            "delegations",
            "1",
            Lookup("a/sub/file.txt"),
            DenialOfService,
            "gave up after visiting 2 roles",
            Detail::VisitLimit { max_roles: 2 },
        ),
    ]
}

#[test]
fn each_detail_is_set_where_the_failure_is_detected() {
    let config = Config {
        max_roles_visited: 2,
        ..Config::default()
    };
    for (repo, state, step, kind, message, detail) in cases() {
        let e = failure(repo, state, step, config.clone(), kind);
        assert!(e.message().contains(message), "{repo}/{state}: {e}");
        assert_detail(&e, detail);
    }
}

#[test]
fn the_trusted_root_failing_its_threshold_names_root() {
    // 5.2: the trusted root without its signatures.
    let mut root: serde_json::Value =
        serde_json::from_slice(&metadata_file("attacks", "1", "1.root.json")).unwrap();
    root["signatures"] = serde_json::json!([]);
    let e = assert_kind(
        TrustedSet::new(&serde_json::to_vec(&root).unwrap(), ref_time()),
        ErrorKind::SignatureThreshold,
    );
    assert!(e.message().starts_with("trusted root: 0 valid"), "{e}");
    assert_detail(&e, threshold("root"));
}

#[test]
fn a_target_hash_mismatch_names_the_first_differing_algorithm() {
    // 5.7.2: a target, the first listed algorithm that differs.
    let hashes = vec![
        ("sha256".to_string(), hex_digest::<sha2::Sha256>(b"hello")),
        ("sha512".to_string(), hex_digest::<sha2::Sha512>(b"hellO")),
    ];
    let expected = Expected {
        length: 5,
        hashes: &hashes,
    };
    let e = assert_kind(
        verify_bytes("pkg/a.zip", expected, b"hello"),
        ErrorKind::InvalidHash,
    );
    assert_detail(
        &e,
        Detail::HashMismatch {
            file: "pkg/a.zip".into(),
            algorithm: "sha512".into(),
        },
    );
}

fn hex_digest<D: sha2::Digest>(data: &[u8]) -> String {
    hex::encode(D::digest(data))
}

#[test]
fn other_failures_carry_no_detail() {
    // Malformed metadata, a length mismatch, a missing role.
    for (state, kind) in [
        ("ts-wrong-type", ErrorKind::Format),
        ("snapshot-length-mismatch", ErrorKind::DownloadSize),
    ] {
        let e = failure("attacks", state, Step::Refresh, Config::default(), kind);
        assert_eq!(e.detail(), None, "{e}");
    }
    let hashes = vec![("sha256".to_string(), hex_digest::<sha2::Sha256>(b"hello"))];
    let short = Expected {
        length: 6,
        hashes: &hashes,
    };
    let e = assert_kind(verify_bytes("t", short, b"hello"), ErrorKind::InvalidHash);
    assert_eq!(e.detail(), None, "{e}");
    let mut u = client("attacks", "1");
    u.refresh(ref_time()).unwrap();
    let set = u.trusted().unwrap();
    let e = assert_kind(set.snapshot_meta("no-such-role"), ErrorKind::NotFound);
    assert_eq!(e.detail(), None, "{e}");
}
