//! The typed detail of each failure callers word their own message for
//! (`tuf_core::error::Detail`, read by the PHP shim to word php-tuf's):
//! every variant, produced where the core detects the failure, through the
//! updater on the python-tuf fixtures, with the message it accompanies.

mod common;

use common::*;
use tuf_core::config::Config;
use tuf_core::error::{Detail, Error, ErrorKind};
use tuf_core::hashing::{verify_bytes, Expected};
use tuf_core::time::parse_expires;
use tuf_core::trusted::TrustedSet;

/// `attacks/1` trusted, then `state` served: the refresh error.
fn attack_refresh(state: &str, kind: ErrorKind) -> Error {
    let mut u = client("attacks", "1");
    u.refresh(ref_time()).unwrap();
    serve(&mut u, "attacks", state);
    assert_kind(u.refresh(ref_time()), kind)
}

/// `attacks/1` trusted, then `state` served: the error of the role1 lookup.
fn attack_lookup(state: &str, kind: ErrorKind) -> Error {
    let mut u = client("attacks", "1");
    u.refresh(ref_time()).unwrap();
    serve(&mut u, "attacks", state);
    u.refresh(ref_time()).unwrap();
    assert_kind(u.get_target_info("r1/a.txt"), kind)
}

/// `rotation/1` trusted, then `state` served: the refresh error.
fn rotation_refresh(state: &str, kind: ErrorKind) -> Error {
    let mut u = client("rotation", "1");
    u.refresh(ref_time()).unwrap();
    serve(&mut u, "rotation", state);
    assert_kind(u.refresh(ref_time()), kind)
}

#[track_caller]
fn assert_detail(e: &Error, detail: Detail) {
    assert_eq!(e.detail(), Some(&detail), "{e}");
}

fn threshold(role: &str) -> Detail {
    Detail::ThresholdNotMet { role: role.into() }
}

fn expired(role: &str, version: u64, expires: &str) -> Detail {
    Detail::Expired {
        role: role.into(),
        version,
        expires: parse_expires(expires).unwrap(),
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

#[test]
fn threshold_not_met_names_the_role() {
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
    // 5.3.4, by the new root's keys and by the trusted root's.
    for state in ["bad-new-threshold", "bad-old-threshold"] {
        let e = rotation_refresh(state, ErrorKind::SignatureThreshold);
        assert!(e.message().contains("root version 2 (by "), "{e}");
        assert_detail(&e, threshold("root"));
    }
    // 5.4.2, 5.5.3, 5.6.3.
    for (state, role) in [
        ("ts-wrong-key", "timestamp"),
        ("snapshot-wrong-key", "snapshot"),
        ("targets-wrong-key", "targets"),
    ] {
        assert_detail(
            &attack_refresh(state, ErrorKind::SignatureThreshold),
            threshold(role),
        );
    }
    let e = attack_lookup("role1-wrong-key", ErrorKind::SignatureThreshold);
    assert!(e.message().contains("role \"role1\": 0 valid"), "{e}");
    assert_detail(&e, threshold("role1"));
}

#[test]
fn expired_names_role_version_and_expiry() {
    let e = rotation_refresh("final-expired", ErrorKind::Expired);
    assert!(
        e.message()
            .ends_with("root version 2 expired at 2021-01-01T00:00:00Z"),
        "{e}"
    );
    assert_detail(&e, expired("root", 2, "2021-01-01T00:00:00Z"));
    for (state, role) in [
        ("ts-expired", "timestamp"),
        ("snapshot-expired", "snapshot"),
        ("targets-expired", "targets"),
    ] {
        assert_detail(
            &attack_refresh(state, ErrorKind::Expired),
            expired(role, 3, "2021-01-01T00:00:00Z"),
        );
    }
    let e = attack_lookup("role1-expired", ErrorKind::Expired);
    assert!(
        e.message().contains("role \"role1\" version 3 expired"),
        "{e}"
    );
    assert_detail(&e, expired("role1", 3, "2021-01-01T00:00:00Z"));
}

#[test]
fn root_version_other_than_the_next() {
    // 5.3.5: 2.root.json is version 3.
    let e = rotation_refresh("wrong-version", ErrorKind::Rollback);
    assert!(
        e.message().contains("root: expected version 2, got 3"),
        "{e}"
    );
    assert_detail(
        &e,
        Detail::RootVersion {
            expected: 2,
            actual: 3,
        },
    );
}

#[test]
fn timestamp_rollbacks() {
    // 5.4.3: timestamp 1 after 2; timestamp 3 listing snapshot 1 after 2.
    let e = attack_refresh("ts-rollback", ErrorKind::Rollback);
    assert!(
        e.message()
            .contains("timestamp version 1 is older than trusted version 2"),
        "{e}"
    );
    assert_detail(
        &e,
        Detail::TimestampRollback {
            version: 1,
            trusted: 2,
        },
    );
    let e = attack_refresh("ts-snapshot-version-rollback", ErrorKind::Rollback);
    assert!(
        e.message()
            .contains("timestamp lists snapshot version 1, older than trusted 2"),
        "{e}"
    );
    assert_detail(
        &e,
        Detail::SnapshotVersionRollback {
            version: 1,
            trusted: 2,
        },
    );
}

#[test]
fn snapshot_rollbacks_name_the_file() {
    // 5.5.5: targets.json 1 after 2; role1.json no longer listed.
    let e = attack_refresh("snapshot-rollback-targets", ErrorKind::Rollback);
    assert!(
        e.message()
            .contains("snapshot lists targets.json version 1, older than trusted 2"),
        "{e}"
    );
    assert_detail(
        &e,
        Detail::MetaRollback {
            file: "targets.json".into(),
            version: 1,
            trusted: 2,
        },
    );
    let e = attack_refresh("snapshot-role-removed", ErrorKind::Rollback);
    assert!(
        e.message()
            .contains("snapshot version 3 drops role1.json, listed by trusted version 2"),
        "{e}"
    );
    assert_detail(
        &e,
        Detail::MetaDropped {
            file: "role1.json".into(),
        },
    );
}

#[test]
fn version_mismatch_older_or_newer_than_listed() {
    // 5.5.4: snapshot 4 where timestamp lists 3 (after one restart).
    let e = attack_refresh("snapshot-version-mismatch", ErrorKind::RepositoryChanged);
    assert!(
        e.message()
            .contains("role \"snapshot\" version 4 is newer than version 3 listed by timestamp"),
        "{e}"
    );
    assert_detail(&e, mismatch("snapshot", 3, 4, "timestamp"));
    // 5.6.4: targets 4 where snapshot lists 3; targets 2 where it lists 3.
    let e = attack_refresh("targets-version-mismatch", ErrorKind::RepositoryChanged);
    assert_detail(&e, mismatch("targets", 3, 4, "snapshot"));
    let e = attack_refresh("mix-and-match", ErrorKind::Rollback);
    assert!(
        e.message()
            .contains("role \"targets\" version 2 is older than version 3 listed by snapshot"),
        "{e}"
    );
    assert_detail(&e, mismatch("targets", 3, 2, "snapshot"));
}

#[test]
fn hash_mismatch_names_file_and_algorithm() {
    // 5.5.2, 5.6.2.
    for (state, file) in [
        ("snapshot-hash-mismatch", "snapshot.json"),
        ("targets-hash-mismatch", "targets.json"),
    ] {
        let e = attack_refresh(state, ErrorKind::InvalidHash);
        assert!(e.message().contains(&format!("{file}: sha256 is ")), "{e}");
        assert_detail(
            &e,
            Detail::HashMismatch {
                file: file.into(),
                algorithm: "sha256".into(),
            },
        );
    }
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
fn visit_limit_names_the_limit() {
    // 5.6.7: targets, a, then a-child would be the third role.
    let config = Config {
        max_roles_visited: 2,
        ..Config::default()
    };
    let mut u = client_with("delegations", "1", config);
    u.refresh(ref_time()).unwrap();
    let e = assert_kind(
        u.get_target_info("a/sub/file.txt"),
        ErrorKind::DenialOfService,
    );
    assert!(
        e.message().contains("gave up after visiting 2 roles"),
        "{e}"
    );
    assert_detail(&e, Detail::VisitLimit { max_roles: 2 });
}

#[test]
fn other_failures_carry_no_detail() {
    // Malformed metadata, a length mismatch, a missing role.
    let e = attack_refresh("ts-wrong-type", ErrorKind::Format);
    assert_eq!(e.detail(), None, "{e}");
    let e = attack_refresh("snapshot-length-mismatch", ErrorKind::DownloadSize);
    assert_eq!(e.detail(), None, "{e}");
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
