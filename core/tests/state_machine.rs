//! The trusted-metadata state machine driven directly with bytes: call
//! order, equal versions, cached copies, and what stays trusted on errors.

use tuf_core::error::ErrorKind;
use tuf_core::trusted::{TimestampUpdate, TrustedSet};
use tuf_testkit::fixtures::*;

fn file(name: &str) -> Vec<u8> {
    metadata_file("attacks", "1", name)
}

fn new_set() -> TrustedSet {
    TrustedSet::new(&file("1.root.json"), ref_time()).unwrap()
}

#[test]
fn calls_out_of_order_are_errors() {
    let mut set = new_set();
    let snapshot = |set: &mut TrustedSet| set.update_snapshot(&file("snapshot.json"), false);
    let top_targets =
        |set: &mut TrustedSet| set.update_targets(&file("targets.json"), "targets", None);
    assert_kind(snapshot(&mut set), ErrorKind::State);
    assert_kind(top_targets(&mut set), ErrorKind::State);
    set.update_timestamp(&file("timestamp.json")).unwrap();
    assert_kind(top_targets(&mut set), ErrorKind::State);
    assert_kind(set.update_root(&file("1.root.json")), ErrorKind::State);
    snapshot(&mut set).unwrap();
    assert_kind(
        set.update_timestamp(&file("timestamp.json")),
        ErrorKind::State,
    );
    let targets = top_targets(&mut set).unwrap();
    assert_kind(snapshot(&mut set), ErrorKind::State);
    // A delegated role needs its delegator, and only the delegator's roles.
    assert_kind(
        set.update_targets(&file("role1.json"), "role1", None),
        ErrorKind::State,
    );
    set.update_targets(&file("role1.json"), "role1", Some(&targets))
        .unwrap();
}

#[test]
fn equal_timestamp_is_unchanged_not_an_error() {
    let mut set = new_set();
    assert_eq!(
        set.update_timestamp(&file("timestamp.json")).unwrap(),
        TimestampUpdate::Updated
    );
    assert_eq!(
        set.update_timestamp(&file("timestamp.json")).unwrap(),
        TimestampUpdate::Unchanged
    );
    let older = metadata_file("attacks", "ts-rollback", "timestamp.json");
    assert_kind(set.update_timestamp(&older), ErrorKind::Rollback);
    assert_eq!(set.timestamp().unwrap().common.version, 2);
}

#[test]
fn root_must_be_exactly_the_next_version() {
    let mut set = new_set();
    // Version 1 again, correctly signed: not N+1.
    assert_kind(set.update_root(&file("1.root.json")), ErrorKind::Rollback);
    assert_eq!(set.root().common.version, 1);
}

#[test]
fn cached_snapshot_skips_hashes_but_not_signatures_or_version() {
    let mut set = new_set();
    set.update_timestamp(&file("timestamp.json")).unwrap();
    let mut tampered: serde_json::Value = serde_json::from_slice(&file("snapshot.json")).unwrap();
    tampered["signed"]["meta"]["targets.json"]["version"] = 9.into();
    let tampered = serde_json::to_vec(&tampered).unwrap();
    assert_kind(
        set.update_snapshot(&tampered, true),
        ErrorKind::SignatureThreshold,
    );
    assert!(set.snapshot().is_none());
    set.update_snapshot(&file("snapshot.json"), true).unwrap();
}

#[test]
fn metadata_expiring_exactly_now_is_expired() {
    let ts = file("timestamp.json");
    let set = TrustedSet::new(&file("1.root.json"), ref_time()).unwrap();
    let expires = set.root().common.expires;
    // Reference time equal to the root's expiry: expired.
    let at_expiry = TrustedSet::new(&file("1.root.json"), expires).unwrap();
    assert_kind(at_expiry.check_final_root(), ErrorKind::Expired);
    let mut just_before = TrustedSet::new(&file("1.root.json"), expires - 1).unwrap();
    just_before.check_final_root().unwrap();
    just_before.update_timestamp(&ts).unwrap();
}
