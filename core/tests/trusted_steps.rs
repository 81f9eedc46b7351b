//! Each step of the client workflow (spec 5.2 to 5.6.7) on
//! `tuf_core::trusted::TrustedSet`, accepted and rejected, with
//! repositories the test kit builds and signs in memory
//! (`tuf_testkit::repo`): no python fixtures needed, so plain
//! `cargo test -p tuf-core` covers every step. Each reject test also
//! asserts what stays trusted.

use std::sync::Arc;

use serde_json::{json, Value};
use tuf_core::delegation::find_target;
use tuf_core::error::{ErrorKind, Result};
use tuf_core::trusted::{TimestampUpdate, TrustedSet, VerifiedTargets};
use tuf_testkit::fixtures::{assert_kind, ref_time};
use tuf_testkit::repo::{key, sign, Repo, FAR_FUTURE, JUST_EXPIRED};

fn trusting(repo: &Repo) -> TrustedSet {
    TrustedSet::new(&repo.root_bytes(), ref_time()).expect("trusted root")
}

/// The top-level roles in the order a refresh loads them.
const ORDER: [&str; 4] = ["root", "timestamp", "snapshot", "targets"];

fn signed_mut<'a>(repo: &'a mut Repo, role: &str) -> &'a mut Value {
    match role {
        "root" => &mut repo.root,
        "timestamp" => &mut repo.timestamp,
        "snapshot" => &mut repo.snapshot,
        other => repo.role(other),
    }
}

/// Loads `role` of `repo` as downloaded: its referrer's listing applies.
fn load(set: &mut TrustedSet, repo: &mut Repo, role: &str) -> Result<()> {
    match role {
        "root" => set.update_root(&repo.root_bytes()),
        "timestamp" => set.update_timestamp(&repo.timestamp_bytes()).map(drop),
        "snapshot" => set.update_snapshot(&repo.snapshot_bytes(), false),
        other => set
            .update_targets(&repo.targets_bytes(other), other, None)
            .map(drop),
    }
}

/// The version of `role` the set holds.
fn held(set: &TrustedSet, role: &str) -> Option<u64> {
    match role {
        "root" => Some(set.root().common.version),
        "timestamp" => set.timestamp().map(|t| t.common.version),
        "snapshot" => set.snapshot().map(|s| s.common.version),
        _ => set.top_targets().map(|t| t.common.version),
    }
}

/// A set trusting `repo`'s root with every top-level role before `role`
/// loaded (so `role`'s listing is the repository's current one).
fn ready_for(repo: &mut Repo, role: &str) -> TrustedSet {
    let mut set = trusting(repo);
    for before in ORDER.iter().skip(1).take_while(|r| **r != role) {
        load(&mut set, repo, before).unwrap();
    }
    set
}

/// `role` signed by a key its delegator does not list: refused, nothing
/// held; signed by its own key: accepted.
fn wrong_signer_is_refused(role: &str) {
    let mut repo = Repo::new();
    repo.hashes = false;
    let mut set = ready_for(&mut repo, role);
    let own = repo.signers[role].clone();
    repo.signers.insert(role.into(), vec![key("stranger")]);
    assert_kind(
        load(&mut set, &mut repo, role),
        ErrorKind::SignatureThreshold,
    );
    assert_eq!(held(&set, role), None, "{role}");
    repo.signers.insert(role.into(), own);
    load(&mut set, &mut repo, role).unwrap();
    assert_eq!(held(&set, role), Some(1), "{role}");
}

/// `role` changed after its referrer listed its length and hash: refused,
/// nothing held; as listed: accepted.
fn unlisted_bytes_are_refused(role: &str) {
    let mut repo = Repo::new();
    let mut set = ready_for(&mut repo, role);
    signed_mut(&mut repo, role)["expires"] = json!("2099-01-01T00:00:00Z");
    assert_kind(load(&mut set, &mut repo, role), ErrorKind::InvalidHash);
    assert_eq!(held(&set, role), None, "{role}");
    signed_mut(&mut repo, role)["expires"] = json!(FAR_FUTURE);
    load(&mut set, &mut repo, role).unwrap();
}

/// `role` must be the version its referrer lists (2): newer means the
/// repository changed, older is a rollback.
fn only_the_listed_version_is_accepted(role: &str) {
    let mut repo = Repo::new();
    repo.hashes = false;
    signed_mut(&mut repo, role)["version"] = json!(2);
    let mut set = ready_for(&mut repo, role);
    for (version, kind) in [(3, ErrorKind::RepositoryChanged), (1, ErrorKind::Rollback)] {
        signed_mut(&mut repo, role)["version"] = json!(version);
        assert_kind(load(&mut set, &mut repo, role), kind);
    }
    signed_mut(&mut repo, role)["version"] = json!(2);
    load(&mut set, &mut repo, role).unwrap();
    assert_eq!(held(&set, role), Some(2), "{role}");
}

/// Expired `role`: refused, and so is the role after it; kept (or not)
/// as the rollback baseline of the next refresh.
fn expired_is_refused(role: &str, kept_as_baseline: bool) {
    let mut repo = Repo::new();
    signed_mut(&mut repo, role)["expires"] = json!(JUST_EXPIRED);
    let mut set = ready_for(&mut repo, role);
    assert_kind(load(&mut set, &mut repo, role), ErrorKind::Expired);
    assert_eq!(held(&set, role).is_some(), kept_as_baseline, "{role}");
    for after in ORDER.iter().skip_while(|r| **r != role).skip(1).take(1) {
        assert_kind(load(&mut set, &mut repo, after), ErrorKind::Expired);
    }
}

/// Asserts `kind` for the new root, and that root v1 stays trusted.
#[track_caller]
fn root_refused(set: &mut TrustedSet, repo: &Repo, kind: ErrorKind) {
    assert_kind(set.update_root(&repo.root_bytes()), kind);
    assert_eq!(set.root().common.version, 1);
}

/// Root v2 of `repo` is accepted.
fn root_accepted(set: &mut TrustedSet, repo: &Repo) {
    set.update_root(&repo.root_bytes()).unwrap();
    assert_eq!(set.root().common.version, 2);
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
fn step_5_3_4_a_new_root_needs_the_trusted_and_its_own_threshold() {
    // Root v2 rotates the root key to root-2.
    for (signers, accepted) in [
        (&["root-2"][..], false),
        (&["root"][..], false),
        (&["root", "root-2"][..], true),
    ] {
        let mut repo = Repo::new();
        let mut set = trusting(&repo);
        repo.root["version"] = json!(2);
        repo.set_role_keys("root", &[key("root-2")], 1);
        let keys = signers.iter().map(|name| key(name)).collect();
        repo.signers.insert("root".into(), keys);
        if accepted {
            root_accepted(&mut set, &repo);
        } else {
            root_refused(&mut set, &repo, ErrorKind::SignatureThreshold);
        }
    }
}

#[test]
fn step_5_3_4_a_threshold_of_two_needs_two_listed_keys() {
    let mut repo = Repo::new();
    let (a, b) = (key("root-a"), key("root-b"));
    repo.set_role_keys("root", &[a.clone(), b.clone()], 2);
    let mut set = trusting(&repo);
    repo.root["version"] = json!(2);
    // One key, then one key and one the root does not list.
    for signers in [vec![a.clone()], vec![a.clone(), key("stranger")]] {
        repo.signers.insert("root".into(), signers);
        root_refused(&mut set, &repo, ErrorKind::SignatureThreshold);
    }
    repo.signers.insert("root".into(), vec![a, b]);
    root_accepted(&mut set, &repo);
}

#[test]
fn step_5_3_5_a_new_root_is_exactly_the_next_version() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    for version in [1, 3] {
        repo.root["version"] = json!(version);
        root_refused(&mut set, &repo, ErrorKind::Rollback);
    }
    repo.root["version"] = json!(2);
    root_accepted(&mut set, &repo);
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
    repo.root["expires"] = json!(FAR_FUTURE);
    set.update_root(&repo.root_bytes()).unwrap();
    set.check_final_root().unwrap();
}

// 5.4 timestamp --------------------------------------------------------------

#[test]
fn step_5_4_2_the_timestamp_is_signed_by_the_roots_timestamp_keys() {
    wrong_signer_is_refused("timestamp");
}

#[test]
fn step_5_4_3_the_timestamp_version_never_goes_down() {
    let mut repo = Repo::new();
    let mut set = trusting(&repo);
    let v1 = repo.timestamp_bytes();
    repo.timestamp["version"] = json!(2);
    set.update_timestamp(&repo.timestamp_bytes()).unwrap();
    assert_kind(set.update_timestamp(&v1), ErrorKind::Rollback);
    assert_eq!(held(&set, "timestamp"), Some(2));
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
    assert_eq!(held(&set, "timestamp"), Some(3));
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
    assert_eq!(held(&set, "timestamp"), Some(2));
}

#[test]
fn step_5_4_4_an_expired_timestamp_is_refused_but_kept_as_baseline() {
    expired_is_refused("timestamp", true);
}

// 5.5 snapshot ---------------------------------------------------------------

#[test]
fn step_5_5_2_the_snapshot_matches_the_length_and_hashes_listed() {
    unlisted_bytes_are_refused("snapshot");
    // A cached copy is not held to the listing (its version still is).
    let mut repo = Repo::new();
    let mut set = ready_for(&mut repo, "snapshot");
    repo.snapshot["expires"] = json!("2099-01-01T00:00:00Z");
    set.update_snapshot(&repo.snapshot_bytes(), true).unwrap();
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
    wrong_signer_is_refused("snapshot");
}

#[test]
fn step_5_5_4_the_snapshot_version_is_the_one_the_timestamp_lists() {
    only_the_listed_version_is_accepted("snapshot");
}

#[test]
fn step_5_5_5_no_listed_version_goes_down_and_no_role_disappears() {
    // (what the error names, the edit of the new snapshot's listing)
    type Case = (&'static str, fn(&mut Repo));
    let cases: [Case; 2] = [
        ("older than trusted", |repo| {
            repo.role("targets")["version"] = json!(1);
        }),
        ("drops role1.json", |repo| {
            repo.targets.remove("role1");
        }),
    ];
    for (message, edit) in cases {
        let mut repo = Repo::new();
        repo.hashes = false;
        repo.delegate("targets", "role1", &["r1/*"], false);
        repo.role("targets")["version"] = json!(2);
        let cached = repo.snapshot_bytes();
        let mut set = trusting(&repo);
        repo.snapshot["version"] = json!(2);
        set.update_timestamp(&repo.timestamp_bytes()).unwrap();
        // Older than the timestamp lists, as a cached copy is: refused as
        // final, kept as the rollback baseline.
        assert_kind(set.update_snapshot(&cached, true), ErrorKind::Rollback);
        let honest = repo.snapshot_bytes();
        edit(&mut repo);
        let e = assert_kind(
            set.update_snapshot(&repo.snapshot_bytes(), false),
            ErrorKind::Rollback,
        );
        assert!(e.message().contains(message), "{e}");
        assert_eq!(held(&set, "snapshot"), Some(1));
        set.update_snapshot(&honest, false).unwrap();
        assert_eq!(held(&set, "snapshot"), Some(2));
    }
}

#[test]
fn step_5_5_6_an_expired_snapshot_is_refused() {
    expired_is_refused("snapshot", true);
}

// 5.6 targets ----------------------------------------------------------------

#[test]
fn step_5_6_2_targets_match_the_length_and_hashes_listed() {
    unlisted_bytes_are_refused("targets");
}

#[test]
fn step_5_6_3_targets_are_signed_by_the_roots_targets_keys() {
    wrong_signer_is_refused("targets");
}

#[test]
fn step_5_6_4_the_targets_version_is_the_one_the_snapshot_lists() {
    only_the_listed_version_is_accepted("targets");
}

#[test]
fn step_5_6_5_expired_targets_are_refused() {
    expired_is_refused("targets", false);
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
    repo.delegate("targets", "role1", &["r1/*"], false);
    repo.list_target("role1", "r1/a.txt", b"a");
    let mut set = ready_for(&mut repo, "targets");
    let (found, loaded) = lookup(&repo, &mut set, "r1/a.txt", 32);
    assert_eq!(found.unwrap().as_deref(), Some("role1"));
    assert_eq!(loaded, ["targets", "role1"]);
    // A path the delegation does not cover never loads the role.
    let (found, loaded) = lookup(&repo, &mut set, "other/a.txt", 32);
    assert_eq!(found.unwrap(), None);
    assert_eq!(loaded, ["targets"]);

    // Signed by a key the delegator does not list: refused.
    let mut repo = Repo::new();
    repo.delegate("targets", "role1", &["r1/*"], false);
    repo.list_target("role1", "r1/a.txt", b"a");
    repo.signers.insert("role1".into(), vec![key("targets")]);
    let mut set = ready_for(&mut repo, "targets");
    let (found, _) = lookup(&repo, &mut set, "r1/a.txt", 32);
    assert_kind(found, ErrorKind::SignatureThreshold);
}

#[test]
fn step_5_6_7_a_terminating_delegation_ends_the_search() {
    for terminating in [false, true] {
        let mut repo = Repo::new();
        repo.delegate("targets", "first", &["a/*"], terminating);
        repo.delegate("targets", "second", &["a/*"], false);
        repo.list_target("second", "a/x.txt", b"x");
        let mut set = ready_for(&mut repo, "targets");
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
        repo.delegate(&parent, &role, &["*"], false);
        parent = role;
    }
    repo.list_target("level4", "deep.txt", b"deep");
    let mut set = ready_for(&mut repo, "targets");
    let (found, loaded) = lookup(&repo, &mut set, "deep.txt", 4);
    assert_kind(found, ErrorKind::DenialOfService);
    assert_eq!(loaded.len(), 4);
    let mut set = ready_for(&mut repo, "targets");
    let (found, _) = lookup(&repo, &mut set, "deep.txt", 5);
    assert_eq!(found.unwrap().as_deref(), Some("level4"));
}
