//! Attack classes: each test asserts the error kind and what the trusted
//! store holds afterwards. The client first trusts `attacks/1` (timestamp,
//! snapshot, targets and role1 all at version 2), then the repository
//! serves a hostile state.

use tuf_core::error::ErrorKind;
use tuf_core::hashing::{verify_bytes, Expected};
use tuf_testkit::fixtures::*;

fn trusting_base() -> TestUpdater {
    let mut u = client("attacks", "1");
    u.refresh(ref_time()).unwrap();
    assert!(u.get_target_info("r1/a.txt").unwrap().is_some());
    u
}

fn base(name: &str) -> Vec<u8> {
    metadata_file("attacks", "1", name)
}

/// Serves `state`, expects a refresh failure of `kind`, and returns the
/// updater for checks on the store.
fn refresh_fails(state: &str, kind: ErrorKind) -> TestUpdater {
    let mut u = trusting_base();
    serve(&mut u, "attacks", state);
    let e = assert_kind(u.refresh(ref_time()), kind);
    eprintln!("{state}: {e}");
    assert!(
        u.trusted().is_none(),
        "{state}: nothing stays trusted in memory"
    );
    u
}

#[test]
fn timestamp_rollback() {
    let u = refresh_fails("ts-rollback", ErrorKind::Rollback);
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
}

#[test]
fn timestamp_freeze() {
    let mut u = refresh_fails("ts-expired", ErrorKind::Expired);
    // 5.4.4 before 5.4.5: authentic and newer, but expired, so never
    // persisted; the baseline on disk stays the last valid one (v2).
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
    // That baseline still refuses a rollback below it...
    serve(&mut u, "attacks", "ts-rollback");
    assert_kind(u.refresh(ref_time()), ErrorKind::Rollback);
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
    // ...and the expired v3 was never a baseline: v2 served again is fine.
    serve(&mut u, "attacks", "1");
    u.refresh(ref_time()).unwrap();
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
}

#[test]
fn timestamp_listing_older_snapshot() {
    let u = refresh_fails("ts-snapshot-version-rollback", ErrorKind::Rollback);
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
}

#[test]
fn timestamp_signed_by_unknown_key() {
    let u = refresh_fails("ts-wrong-key", ErrorKind::SignatureThreshold);
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
}

#[test]
fn timestamp_slot_holding_other_type() {
    let u = refresh_fails("ts-wrong-type", ErrorKind::Format);
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
}

#[test]
fn snapshot_hash_mismatch_is_checked_before_parsing() {
    let u = refresh_fails("snapshot-hash-mismatch", ErrorKind::InvalidHash);
    // The new timestamp was verified before the snapshot failed: kept.
    assert_eq!(stored_version(&u, "timestamp"), Some(3));
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
}

#[test]
fn snapshot_longer_than_listed_is_cut_off() {
    let u = refresh_fails("snapshot-length-mismatch", ErrorKind::DownloadSize);
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
}

#[test]
fn snapshot_version_mismatch() {
    // Snapshot 4 where timestamp lists 3: newer, so the repository changed
    // (not a rollback); one restart from the timestamp, then the error.
    let u = refresh_fails("snapshot-version-mismatch", ErrorKind::RepositoryChanged);
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
    assert_eq!(u.restarts(), 1);
}

#[test]
fn snapshot_rolling_back_targets() {
    let u = refresh_fails("snapshot-rollback-targets", ErrorKind::Rollback);
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
}

#[test]
fn snapshot_dropping_a_role() {
    let u = refresh_fails("snapshot-role-removed", ErrorKind::Rollback);
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
}

#[test]
fn snapshot_freeze() {
    let u = refresh_fails("snapshot-expired", ErrorKind::Expired);
    // 5.5.6 before 5.5.7: the expired snapshot is not persisted; the valid
    // timestamp that listed it is.
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
    assert_eq!(stored_version(&u, "timestamp"), Some(3));
    assert_eq!(stored(&u, "targets").unwrap(), base("targets.json"));
}

#[test]
fn snapshot_signed_by_wrong_key() {
    let u = refresh_fails("snapshot-wrong-key", ErrorKind::SignatureThreshold);
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
}

#[test]
fn targets_version_mismatch() {
    // Targets 4 where snapshot lists 3: newer, the repository changed.
    let u = refresh_fails("targets-version-mismatch", ErrorKind::RepositoryChanged);
    assert_eq!(stored(&u, "targets").unwrap(), base("targets.json"));
    assert_eq!(u.restarts(), 1);
}

#[test]
fn targets_hash_mismatch() {
    let u = refresh_fails("targets-hash-mismatch", ErrorKind::InvalidHash);
    assert_eq!(stored(&u, "targets").unwrap(), base("targets.json"));
    // Timestamp and snapshot verified before targets failed: kept.
    assert_eq!(stored_version(&u, "snapshot"), Some(3));
}

#[test]
fn targets_freeze() {
    let u = refresh_fails("targets-expired", ErrorKind::Expired);
    assert_eq!(stored(&u, "targets").unwrap(), base("targets.json"));
}

#[test]
fn targets_signed_by_wrong_key() {
    let u = refresh_fails("targets-wrong-key", ErrorKind::SignatureThreshold);
    assert_eq!(stored(&u, "targets").unwrap(), base("targets.json"));
}

#[test]
fn a_10_gib_listed_length_is_refused_before_any_request() {
    // Timestamp 3 lists snapshot 3 at 10 GiB.
    let mut u = trusting_base();
    serve(&mut u, "attacks", "ts-huge-snapshot-length");
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::DownloadSize);
    assert!(e.message().contains("length of 10737418240 bytes"), "{e}");
    assert_eq!(
        u.fetcher_mut().take_log(),
        ["2.root.json", "timestamp.json"]
    );
    assert_eq!(stored_version(&u, "timestamp"), Some(3));
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
    // Snapshot 3 lists role1 at 10 GiB: the lookup fails, role1 unasked.
    let mut u = trusting_base();
    serve(&mut u, "attacks", "snapshot-huge-role1-length");
    u.refresh(ref_time()).unwrap();
    u.fetcher_mut().take_log();
    let e = assert_kind(u.get_target_info("r1/a.txt"), ErrorKind::DownloadSize);
    assert!(e.message().contains("role1"), "{e}");
    assert!(u.fetcher_mut().take_log().is_empty());
    assert_eq!(stored(&u, "role1").unwrap(), base("role1.json"));
    assert!(u.get_target_info("file1.txt").unwrap().is_some());
}

#[test]
fn mix_and_match_old_targets_with_new_snapshot() {
    // Older than listed: a rollback, refused at once without a restart.
    let u = refresh_fails("mix-and-match", ErrorKind::Rollback);
    assert_eq!(stored(&u, "targets").unwrap(), base("targets.json"));
    assert_eq!(u.restarts(), 0);
}

#[test]
fn delegated_role_attacks_fail_the_lookup() {
    for (state, kind) in [
        ("role1-wrong-key", ErrorKind::SignatureThreshold),
        ("role1-expired", ErrorKind::Expired),
    ] {
        let mut u = trusting_base();
        serve(&mut u, "attacks", state);
        u.refresh(ref_time()).unwrap();
        // The cached role1 v2 no longer matches snapshot v3 and is refetched.
        let e = assert_kind(u.get_target_info("r1/a.txt"), kind);
        assert!(e.message().contains("role1"), "{e}");
        assert_eq!(stored(&u, "role1").unwrap(), base("role1.json"), "{state}");
        // Targets of the top-level role still resolve.
        assert!(u.get_target_info("file1.txt").unwrap().is_some());
    }
}

#[test]
fn tampered_and_oversized_targets_are_refused() {
    let mut u = trusting_base();
    let info = u.get_target_info("file1.txt").unwrap().unwrap();
    let expected = || Expected {
        length: info.length,
        hashes: &info.hashes,
    };
    verify_bytes(
        "file1.txt",
        expected(),
        &target_file("attacks", "1", "file1.txt"),
    )
    .unwrap();
    let tampered = target_file("attacks", "target-tampered", "file1.txt");
    assert_eq!(tampered.len() as u64, info.length);
    assert_kind(
        verify_bytes("file1.txt", expected(), &tampered),
        ErrorKind::InvalidHash,
    );
    let longer = target_file("attacks", "target-longer", "file1.txt");
    assert_kind(
        verify_bytes("file1.txt", expected(), &longer),
        ErrorKind::DownloadSize,
    );
    let shorter = &tampered[..tampered.len() - 1];
    assert_kind(
        verify_bytes("file1.txt", expected(), shorter),
        ErrorKind::InvalidHash,
    );
}

#[test]
fn legitimate_next_version_is_accepted() {
    let mut u = trusting_base();
    serve(&mut u, "attacks", "next-version");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!(
        (r.timestamp_version, r.snapshot_version, r.targets_version),
        (3, 3, 3)
    );
    let info = u.get_target_info("file1.txt").unwrap().unwrap();
    let data = target_file("attacks", "next-version", "file1.txt");
    verify_bytes(
        "file1.txt",
        Expected {
            length: info.length,
            hashes: &info.hashes,
        },
        &data,
    )
    .unwrap();
    assert!(u.get_target_info("r1/a.txt").unwrap().is_some());
}

#[test]
fn endless_timestamp_is_cut_at_the_configured_cap() {
    let mut u = trusting_base();
    let mut huge = base("timestamp.json");
    huge.resize(1 << 20, b' ');
    u.fetcher_mut()
        .overrides
        .insert("timestamp.json".into(), huge);
    assert_kind(u.refresh(ref_time()), ErrorKind::DownloadSize);
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
}

#[test]
fn duplicated_signatures_and_keys_do_not_reach_a_threshold() {
    let mut u = client("threshold", "1");
    u.refresh(ref_time()).unwrap();
    for (state, kind) in [
        ("dup-keyid", ErrorKind::Format),
        ("same-key-two-ids", ErrorKind::SignatureThreshold),
        ("one-sig", ErrorKind::SignatureThreshold),
    ] {
        serve(&mut u, "threshold", state);
        let e = assert_kind(u.refresh(ref_time()), kind);
        eprintln!("{state}: {e}");
        assert_eq!(stored_version(&u, "timestamp"), Some(1), "{state}");
    }
}

#[test]
fn signature_entries_duplicated_in_transit_are_rejected() {
    let mut u = trusting_base();
    // Same signature listed twice: rejected as malformed, not counted twice.
    let mut ts: serde_json::Value =
        serde_json::from_slice(&metadata_file("attacks", "next-version", "timestamp.json"))
            .unwrap();
    let sig = ts["signatures"][0].clone();
    ts["signatures"].as_array_mut().unwrap().push(sig);
    u.fetcher_mut()
        .overrides
        .insert("timestamp.json".into(), serde_json::to_vec(&ts).unwrap());
    serve_keep_overrides(&mut u, "next-version");
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::Format);
    assert!(e.message().contains("duplicate signature keyid"), "{e}");
    assert_eq!(stored(&u, "timestamp").unwrap(), base("timestamp.json"));
    assert_eq!(stored(&u, "snapshot").unwrap(), base("snapshot.json"));
}

fn serve_keep_overrides(u: &mut TestUpdater, state: &str) {
    u.fetcher_mut().state = state_dir("attacks", state);
}
