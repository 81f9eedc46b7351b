//! Each step of the client workflow (spec 5.2 to 5.6.7) on
//! `tuf_core::trusted::TrustedSet`, accepted and rejected, with
//! repositories the test kit builds and signs in memory
//! (`tuf_testkit::repo`): no python fixtures needed, so plain
//! `cargo test -p tuf-core` covers every step. Each reject test also
//! asserts what stays trusted.

use std::sync::Arc;

use serde_json::json;
use tuf_core::delegation::find_target;
use tuf_core::error::{ErrorKind, Result};
use tuf_core::trusted::{TimestampUpdate, TrustedSet, VerifiedTargets};
use tuf_testkit::fixtures::{assert_kind, ref_time};
use tuf_testkit::repo::{key, sign, target_entry, Repo, JUST_EXPIRED};

fn trusting(repo: &Repo) -> TrustedSet {
    TrustedSet::new(&repo.root_bytes(), ref_time()).expect("trusted root")
}

/// A set with timestamp and snapshot of `repo` loaded.
fn through_snapshot(repo: &mut Repo) -> TrustedSet {
    let mut set = trusting(repo);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    set.update_snapshot(&repo.snapshot_bytes(), false).unwrap();
    set
}

// 5.2 ----------------------------------------------------------------------

#[test]
fn step_5_2_the_trusted_root_must_meet_its_own_threshold() {
    let mut repo = Repo::new();
    TrustedSet::new(&repo.root_bytes(), ref_time()).unwrap();
    repo.signers.insert("root".into(), vec![key("stranger")]);
    assert_kind(
        TrustedSet::new(&repo.root_bytes(), ref_time()),
        ErrorKind::SignatureThreshold,
    );
}

// 5.3 root update ------------------------------------------------------------

#[test]
fn step_5_3_4_a_rotated_root_signed_by_old_and_new_keys_is_accepted() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    repo.root["version"] = json!(2);
    repo.set_role_keys("root", &[key("root-2")], 1);
    // Signed by the trusted root's key and by its own.
    repo.signers
        .insert("root".into(), vec![key("root"), key("root-2")]);
    set.update_root(&repo.root_bytes()).unwrap();
    assert_eq!(set.root().common.version, 2);
    set.check_final_root().unwrap();
}

#[test]
fn step_5_3_4_a_new_root_needs_the_trusted_roots_threshold() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    repo.root["version"] = json!(2);
    repo.set_role_keys("root", &[key("root-2")], 1);
    // Only its own new key: not the trusted root's.
    assert_kind(
        set.update_root(&repo.root_bytes()),
        ErrorKind::SignatureThreshold,
    );
    assert_eq!(set.root().common.version, 1);
}

#[test]
fn step_5_3_4_a_new_root_needs_its_own_threshold() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    repo.root["version"] = json!(2);
    repo.set_role_keys("root", &[key("root-2")], 1);
    // Only the trusted root's key, which the new root no longer lists.
    repo.signers.insert("root".into(), vec![key("root")]);
    assert_kind(
        set.update_root(&repo.root_bytes()),
        ErrorKind::SignatureThreshold,
    );
    assert_eq!(set.root().common.version, 1);
}

#[test]
fn step_5_3_4_a_threshold_of_two_needs_two_distinct_keys() {
    let mut repo = Repo::new();
    let (a, b) = (key("root-a"), key("root-b"));
    repo.set_role_keys("root", &[a.clone(), b.clone()], 2);
    let mut set = trusting(&repo);
    repo.root["version"] = json!(2);
    repo.signers.insert("root".into(), vec![a.clone()]);
    assert_kind(
        set.update_root(&repo.root_bytes()),
        ErrorKind::SignatureThreshold,
    );
    // A key the root does not list does not count either.
    repo.signers
        .insert("root".into(), vec![a.clone(), key("stranger")]);
    assert_kind(
        set.update_root(&repo.root_bytes()),
        ErrorKind::SignatureThreshold,
    );
    assert_eq!(set.root().common.version, 1);
    repo.signers.insert("root".into(), vec![a, b]);
    set.update_root(&repo.root_bytes()).unwrap();
    assert_eq!(set.root().common.version, 2);
}

#[test]
fn step_5_3_5_a_new_root_is_exactly_the_next_version() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    for version in [1, 3] {
        repo.root["version"] = json!(version);
        assert_kind(set.update_root(&repo.root_bytes()), ErrorKind::Rollback);
        assert_eq!(set.root().common.version, 1, "{version}");
    }
    repo.root["version"] = json!(2);
    set.update_root(&repo.root_bytes()).unwrap();
    assert_eq!(set.root().common.version, 2);
}

#[test]
fn step_5_3_10_only_the_final_root_must_not_be_expired() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    // An expired intermediate root is accepted...
    repo.root["version"] = json!(2);
    repo.root["expires"] = json!(JUST_EXPIRED);
    set.update_root(&repo.root_bytes()).unwrap();
    // ...but cannot be the final one.
    assert_kind(set.check_final_root(), ErrorKind::Expired);
    assert_kind(
        set.update_timestamp(&repo.timestamp_bytes()),
        ErrorKind::Expired,
    );
    repo.root["version"] = json!(3);
    repo.root["expires"] = json!(tuf_testkit::repo::FAR_FUTURE);
    set.update_root(&repo.root_bytes()).unwrap();
    set.check_final_root().unwrap();
}

// 5.4 timestamp --------------------------------------------------------------

#[test]
fn step_5_4_2_the_timestamp_is_signed_by_the_roots_timestamp_keys() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    let good = repo.timestamp_bytes();
    repo.signers
        .insert("timestamp".into(), vec![key("snapshot")]);
    assert_kind(
        set.update_timestamp(&repo.timestamp_bytes()),
        ErrorKind::SignatureThreshold,
    );
    assert!(set.timestamp().is_none());
    assert_eq!(
        set.update_timestamp(&good).unwrap(),
        TimestampUpdate::Updated
    );
    assert_eq!(set.timestamp().unwrap().common.version, 1);
}

#[test]
fn step_5_4_3_the_timestamp_version_never_goes_down() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    let v1 = repo.timestamp_bytes();
    repo.timestamp["version"] = json!(2);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    assert_kind(set.update_timestamp(&v1), ErrorKind::Rollback);
    assert_eq!(set.timestamp().unwrap().common.version, 2);
    // The same version again: unchanged, not an error.
    assert_eq!(
        set.update_timestamp(&repo.timestamp_bytes()).unwrap(),
        TimestampUpdate::Unchanged
    );
    repo.timestamp["version"] = json!(3);
    assert_eq!(
        set.update_timestamp(&repo.timestamp_bytes()).unwrap(),
        TimestampUpdate::Updated
    );
    assert_eq!(set.timestamp().unwrap().common.version, 3);
}

#[test]
fn step_5_4_3_the_snapshot_version_a_timestamp_lists_never_goes_down() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    repo.snapshot["version"] = json!(2);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    repo.timestamp["version"] = json!(2);
    repo.snapshot["version"] = json!(1);
    assert_kind(
        set.update_timestamp(&repo.timestamp_bytes()),
        ErrorKind::Rollback,
    );
    assert_eq!(set.timestamp().unwrap().snapshot_meta.version, 2);
    repo.snapshot["version"] = json!(2);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    assert_eq!(set.timestamp().unwrap().common.version, 2);
}

#[test]
fn step_5_4_4_an_expired_timestamp_is_refused_but_kept_as_baseline() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    repo.timestamp["version"] = json!(2);
    repo.timestamp["expires"] = json!(JUST_EXPIRED);
    assert_kind(
        set.update_timestamp(&repo.timestamp_bytes()),
        ErrorKind::Expired,
    );
    // Authentic and newer: the rollback baseline, but nothing after it.
    assert_eq!(set.timestamp().unwrap().common.version, 2);
    assert_kind(
        set.update_snapshot(&repo.snapshot_bytes(), false),
        ErrorKind::Expired,
    );
}

// 5.5 snapshot ---------------------------------------------------------------

#[test]
fn step_5_5_2_the_snapshot_matches_the_length_and_hashes_listed() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    let listed = repo.snapshot_bytes();
    // Re-signed after the timestamp listed it: another hash.
    repo.snapshot["expires"] = json!("2099-01-01T00:00:00Z");
    let changed = repo.snapshot_bytes();
    assert_kind(set.update_snapshot(&changed, false), ErrorKind::InvalidHash);
    assert!(set.snapshot().is_none());
    // A cached copy is not held to the listing (its version still is).
    set.update_snapshot(&changed, true).unwrap();
    set.update_snapshot(&listed, false).unwrap();
}

#[test]
fn step_5_5_2_a_wrong_listed_length_is_refused() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    repo.timestamp_bytes();
    let snapshot = repo.snapshot_bytes();
    repo.timestamp["meta"]["snapshot.json"]["length"] = json!(snapshot.len() + 1);
    let timestamp = sign(&repo.timestamp, &repo.signers["timestamp"]);
    set.update_timestamp(&timestamp).unwrap();
    assert_kind(
        set.update_snapshot(&snapshot, false),
        ErrorKind::InvalidHash,
    );
    assert!(set.snapshot().is_none());
}

#[test]
fn step_5_5_3_the_snapshot_is_signed_by_the_roots_snapshot_keys() {
    let mut repo = Repo::new();
    repo.hashes = false;
    let mut set = trusting(&repo);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    let good = repo.snapshot_bytes();
    repo.signers
        .insert("snapshot".into(), vec![key("timestamp")]);
    assert_kind(
        set.update_snapshot(&repo.snapshot_bytes(), false),
        ErrorKind::SignatureThreshold,
    );
    assert!(set.snapshot().is_none());
    set.update_snapshot(&good, false).unwrap();
}

#[test]
fn step_5_5_4_the_snapshot_version_is_the_one_the_timestamp_lists() {
    let mut repo = Repo::new();
    repo.hashes = false;
    repo.snapshot["version"] = json!(2);
    let mut set = trusting(&repo);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    repo.snapshot["version"] = json!(3);
    assert_kind(
        set.update_snapshot(&repo.snapshot_bytes(), false),
        ErrorKind::RepositoryChanged,
    );
    repo.snapshot["version"] = json!(1);
    assert_kind(
        set.update_snapshot(&repo.snapshot_bytes(), false),
        ErrorKind::Rollback,
    );
    repo.snapshot["version"] = json!(2);
    set.update_snapshot(&repo.snapshot_bytes(), false).unwrap();
    assert_eq!(set.snapshot().unwrap().common.version, 2);
}

/// A set whose cached snapshot (version 1) lists targets v2 and role1 v1,
/// with a timestamp listing snapshot v2.
fn with_cached_snapshot(repo: &mut Repo) -> TrustedSet {
    repo.hashes = false;
    repo.delegate(
        "targets",
        "role1",
        &["r1/*"],
        false,
        &[key("role1")],
        1,
        json!({}),
    );
    repo.role("targets")["version"] = json!(2);
    let cached = repo.snapshot_bytes();
    let mut set = trusting(repo);
    repo.snapshot["version"] = json!(2);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    // Older than the timestamp lists, as a cached copy is: refused as
    // final, kept as the rollback baseline.
    assert_kind(set.update_snapshot(&cached, true), ErrorKind::Rollback);
    set
}

#[test]
fn step_5_5_5_no_listed_targets_version_goes_down() {
    let mut repo = Repo::new();
    let mut set = with_cached_snapshot(&mut repo);
    repo.role("targets")["version"] = json!(1);
    let e = assert_kind(
        set.update_snapshot(&repo.snapshot_bytes(), false),
        ErrorKind::Rollback,
    );
    assert!(e.message().contains("targets.json"), "{e}");
    assert_eq!(set.snapshot().unwrap().common.version, 1);
    repo.role("targets")["version"] = json!(3);
    set.update_snapshot(&repo.snapshot_bytes(), false).unwrap();
    assert_eq!(set.snapshot().unwrap().common.version, 2);
}

#[test]
fn step_5_5_5_no_listed_role_disappears() {
    let mut repo = Repo::new();
    let mut set = with_cached_snapshot(&mut repo);
    let role1 = repo.targets.remove("role1").unwrap();
    let e = assert_kind(
        set.update_snapshot(&repo.snapshot_bytes(), false),
        ErrorKind::Rollback,
    );
    assert!(e.message().contains("drops role1.json"), "{e}");
    assert_eq!(set.snapshot().unwrap().common.version, 1);
    repo.targets.insert("role1".into(), role1);
    set.update_snapshot(&repo.snapshot_bytes(), false).unwrap();
    assert_eq!(set.snapshot().unwrap().common.version, 2);
}

#[test]
fn step_5_5_6_an_expired_snapshot_is_refused() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    repo.snapshot["expires"] = json!(JUST_EXPIRED);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    assert_kind(
        set.update_snapshot(&repo.snapshot_bytes(), false),
        ErrorKind::Expired,
    );
    assert_kind(
        set.update_targets(&repo.targets_bytes("targets"), "targets", None),
        ErrorKind::Expired,
    );
}

// 5.6 targets ----------------------------------------------------------------

#[test]
fn step_5_6_2_targets_match_the_length_and_hashes_listed() {
    let mut repo = Repo::new();
    let mut set = through_snapshot(&mut repo);
    let listed = repo.targets_bytes("targets");
    repo.role("targets")["targets"] = json!({"x.txt": target_entry(b"x")});
    assert_kind(
        set.update_targets(&repo.targets_bytes("targets"), "targets", None),
        ErrorKind::InvalidHash,
    );
    assert!(set.top_targets().is_none());
    set.update_targets(&listed, "targets", None).unwrap();
    assert!(set.top_targets().is_some());
}

#[test]
fn step_5_6_3_targets_are_signed_by_the_roots_targets_keys() {
    let mut repo = Repo::new();
    repo.hashes = false;
    let mut set = through_snapshot(&mut repo);
    let good = repo.targets_bytes("targets");
    repo.signers.insert("targets".into(), vec![key("root")]);
    assert_kind(
        set.update_targets(&repo.targets_bytes("targets"), "targets", None),
        ErrorKind::SignatureThreshold,
    );
    assert!(set.top_targets().is_none());
    set.update_targets(&good, "targets", None).unwrap();
}

#[test]
fn step_5_6_4_the_targets_version_is_the_one_the_snapshot_lists() {
    let mut repo = Repo::new();
    repo.hashes = false;
    repo.role("targets")["version"] = json!(2);
    let mut set = through_snapshot(&mut repo);
    for (version, kind) in [(3, ErrorKind::RepositoryChanged), (1, ErrorKind::Rollback)] {
        repo.role("targets")["version"] = json!(version);
        assert_kind(
            set.update_targets(&repo.targets_bytes("targets"), "targets", None),
            kind,
        );
        assert!(set.top_targets().is_none());
    }
    repo.role("targets")["version"] = json!(2);
    set.update_targets(&repo.targets_bytes("targets"), "targets", None)
        .unwrap();
    assert_eq!(set.top_targets().unwrap().common.version, 2);
}

#[test]
fn step_5_6_5_expired_targets_are_refused() {
    let mut repo = Repo::new();
    repo.role("targets")["expires"] = json!(JUST_EXPIRED);
    let mut set = through_snapshot(&mut repo);
    assert_kind(
        set.update_targets(&repo.targets_bytes("targets"), "targets", None),
        ErrorKind::Expired,
    );
    assert!(set.top_targets().is_none());
}

// 5.6.7 delegations ------------------------------------------------------------

/// Looks `target` up in `repo` through `set`, visiting at most
/// `max_roles`; returns the listing role and every role loaded, in order.
fn lookup(
    repo: &Repo,
    set: &mut TrustedSet,
    target: &str,
    max_roles: usize,
) -> (Result<Option<String>>, Vec<String>) {
    let mut loaded = Vec::new();
    let found = find_target(
        target,
        max_roles,
        |role: &str, parent: Option<&Arc<VerifiedTargets>>| {
            loaded.push(role.to_string());
            set.update_targets(&repo.targets_bytes(role), role, parent)
        },
    );
    (found.map(|info| info.map(|i| i.role)), loaded)
}

#[test]
fn step_5_6_7_a_delegated_role_is_verified_with_its_delegators_keys() {
    let mut repo = Repo::new();
    let file = json!({"r1/a.txt": target_entry(b"a")});
    repo.delegate(
        "targets",
        "role1",
        &["r1/*"],
        false,
        &[key("role1")],
        1,
        file,
    );
    let mut set = through_snapshot(&mut repo);
    let (found, loaded) = lookup(&repo, &mut set, "r1/a.txt", 32);
    assert_eq!(found.unwrap().as_deref(), Some("role1"));
    assert_eq!(loaded, ["targets", "role1"]);
    // A path the delegation does not cover never loads the role.
    let (found, loaded) = lookup(&repo, &mut set, "other/a.txt", 32);
    assert_eq!(found.unwrap(), None);
    assert_eq!(loaded, ["targets"]);

    // Signed by a key the delegator does not list: refused.
    let mut repo = Repo::new();
    let file = json!({"r1/a.txt": target_entry(b"a")});
    repo.delegate(
        "targets",
        "role1",
        &["r1/*"],
        false,
        &[key("role1")],
        1,
        file,
    );
    repo.signers.insert("role1".into(), vec![key("targets")]);
    let mut set = through_snapshot(&mut repo);
    let (found, _) = lookup(&repo, &mut set, "r1/a.txt", 32);
    assert_kind(found, ErrorKind::SignatureThreshold);
}

#[test]
fn step_5_6_7_a_terminating_delegation_ends_the_search() {
    for terminating in [false, true] {
        let mut repo = Repo::new();
        repo.delegate(
            "targets",
            "first",
            &["a/*"],
            terminating,
            &[key("first")],
            1,
            json!({}),
        );
        let file = json!({"a/x.txt": target_entry(b"x")});
        repo.delegate(
            "targets",
            "second",
            &["a/*"],
            false,
            &[key("second")],
            1,
            file,
        );
        let mut set = through_snapshot(&mut repo);
        let (found, loaded) = lookup(&repo, &mut set, "a/x.txt", 32);
        if terminating {
            assert_eq!(found.unwrap(), None);
            assert_eq!(loaded, ["targets", "first"]);
        } else {
            assert_eq!(found.unwrap().as_deref(), Some("second"));
            assert_eq!(loaded, ["targets", "first", "second"]);
        }
    }
}

#[test]
fn step_5_6_7_the_search_visits_at_most_the_configured_roles() {
    let mut repo = Repo::new();
    let mut parent = "targets".to_string();
    for depth in 1..=4 {
        let role = format!("level{depth}");
        let file = if depth == 4 {
            json!({"deep.txt": target_entry(b"deep")})
        } else {
            json!({})
        };
        repo.delegate(&parent, &role, &["*"], false, &[key(&role)], 1, file);
        parent = role;
    }
    let mut set = through_snapshot(&mut repo);
    let (found, loaded) = lookup(&repo, &mut set, "deep.txt", 4);
    assert_kind(found, ErrorKind::DenialOfService);
    assert_eq!(loaded.len(), 4);
    let mut set = through_snapshot(&mut repo);
    let (found, _) = lookup(&repo, &mut set, "deep.txt", 5);
    assert_eq!(found.unwrap().as_deref(), Some("level4"));
}
