//! Publishing is not an attack (issue 16). Drupal.org overwrites
//! timestamp, snapshot and bins in place (no consistent snapshots), so a
//! client can read timestamp N and then snapshot N+1, or refresh at
//! snapshot N and later fetch a bin re-signed at a newer version. Such a
//! role is newer than trusted metadata lists: `RepositoryChanged`, after
//! one restart from the timestamp (refresh) or one re-refresh (lookup).
//! Only an older version is a rollback, refused at once.
//!
//! The repository is the `drupal` fixture: state 1, then state 2 (a new
//! package in one bin; that bin, snapshot and timestamp at version 2),
//! switched at a chosen request.

use sha2::{Digest, Sha256};
use tuf_core::error::{ErrorKind, Result};
use tuf_core::updater::{Fetcher, MemoryStore, Updater};
use tuf_testkit::fixtures::*;

/// The fixture server, switched to state 2 just before the `nth` request
/// (1-based) for `name`: the publisher re-signing between two requests.
struct Publishing {
    inner: DirFetcher,
    switch_at: Option<(&'static str, usize)>,
    seen: usize,
    /// The state published at the switch (default: drupal state 2).
    switch_to: Option<std::path::PathBuf>,
}

impl Fetcher for Publishing {
    fn fetch(&mut self, url: &str, max_len: u64) -> Result<Vec<u8>> {
        if let Some((name, nth)) = self.switch_at {
            if url.ends_with(&format!("/{name}")) {
                self.seen += 1;
                if self.seen == nth {
                    self.inner.state = self
                        .switch_to
                        .take()
                        .unwrap_or_else(|| state_dir("drupal", "2"));
                    self.switch_at = None;
                }
            }
        }
        self.inner.fetch(url, max_len)
    }
}

type PubUpdater = Updater<Publishing, MemoryStore>;

fn client_at_state_1() -> PubUpdater {
    let store = trusting_root("drupal");
    let fetcher = Publishing {
        inner: DirFetcher::new(state_dir("drupal", "1")),
        switch_at: None,
        seen: 0,
        switch_to: None,
    };
    Updater::new(Default::default(), BASE_URL, fetcher, store)
}

fn requests(u: &mut PubUpdater) -> Vec<String> {
    u.fetcher_mut().inner.take_log()
}

fn version(u: &PubUpdater, role: &str) -> Option<u64> {
    version_of(u.store().files.get(role)?)
}

/// Serves `bin` as it is in drupal `state`, whatever snapshot lists;
/// returns its file name.
fn serve_bin_of_state(u: &mut PubUpdater, bin: &str, state: &str) -> String {
    let bin_file = format!("{bin}.json");
    let bytes = metadata_file("drupal", state, &bin_file);
    let overrides = &mut u.fetcher_mut().inner.overrides;
    overrides.insert(bin_file.clone(), bytes);
    bin_file
}

/// The bin of a Drupal fixture path (first hex digit of its sha256).
fn bin_of(path: &str) -> String {
    let i = hex::encode(Sha256::digest(path.as_bytes()))
        .chars()
        .next()
        .unwrap();
    format!("{i}00-{i}ff")
}

/// The bin state 2 changed, and a target state 1 already lists in it.
fn changed_bin_and_old_target() -> (String, String) {
    let bin = bin_of("drupal/newpkg/1.0.0.0");
    let old = (0..20)
        .flat_map(|i| (0..3).map(move |v| format!("drupal/pkg{i:02}/1.{v}.0.0")))
        .find(|p| bin_of(p) == bin)
        .expect("a state-1 package in the changed bin");
    (bin, old)
}

#[test]
fn snapshot_newer_than_the_timestamp_restarts_once_and_succeeds() {
    let mut u = client_at_state_1();
    // The publisher re-signs after our timestamp request, before snapshot.
    u.fetcher_mut().switch_at = Some(("snapshot.json", 1));
    let report = u.refresh(ref_time()).unwrap();
    assert_eq!(
        requests(&mut u),
        [
            "2.root.json",
            "timestamp.json",
            "snapshot.json", // version 2, timestamp 1 listed 1: changed
            "timestamp.json",
            "snapshot.json",
            "targets.json"
        ]
    );
    assert_eq!((report.timestamp_version, report.snapshot_version), (2, 2));
    assert_eq!(u.restarts(), 1);
    assert_eq!(version(&u, "timestamp"), Some(2));
    assert_eq!(version(&u, "snapshot"), Some(2));
    assert_eq!(version(&u, "targets"), Some(1));
    assert!(u
        .get_target_info("drupal/newpkg/1.0.0.0")
        .unwrap()
        .is_some());
}

#[test]
fn repository_changing_on_every_attempt_fails_with_repository_changed() {
    let mut u = client_at_state_1();
    // Timestamp 1 listing snapshot 1 is served beside snapshot 2, always.
    let ts1 = metadata_file("drupal", "1", "timestamp.json");
    u.fetcher_mut().inner.state = state_dir("drupal", "2");
    u.fetcher_mut()
        .inner
        .overrides
        .insert("timestamp.json".into(), ts1);
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::RepositoryChanged);
    assert!(
        e.message().contains("repository changed during the update"),
        "{e}"
    );
    assert_eq!(
        requests(&mut u),
        [
            "2.root.json",
            "timestamp.json",
            "snapshot.json",
            "timestamp.json",
            "snapshot.json"
        ]
    );
    assert_eq!(u.restarts(), 1);
    assert!(u.trusted().is_none());
    // Timestamp 1 verified and is the baseline; nothing newer was stored.
    assert_eq!(version(&u, "timestamp"), Some(1));
    assert_eq!(version(&u, "snapshot"), None);
    assert_eq!(version(&u, "targets"), None);
}

#[test]
fn snapshot_older_than_the_timestamp_is_a_rollback_at_once() {
    let mut u = client_at_state_1();
    u.fetcher_mut().inner.state = state_dir("drupal", "2");
    let snapshot1 = metadata_file("drupal", "1", "snapshot.json");
    u.fetcher_mut()
        .inner
        .overrides
        .insert("snapshot.json".into(), snapshot1);
    assert_kind(u.refresh(ref_time()), ErrorKind::Rollback);
    assert_eq!(
        requests(&mut u),
        ["2.root.json", "timestamp.json", "snapshot.json"]
    );
    assert_eq!(u.restarts(), 0);
    assert_eq!(version(&u, "timestamp"), Some(2));
    assert_eq!(version(&u, "snapshot"), None);
}

#[test]
fn bin_re_signed_after_the_refresh_re_refreshes_once_and_is_found() {
    let (bin, old_target) = changed_bin_and_old_target();
    let mut u = client_at_state_1();
    u.refresh(ref_time()).unwrap();
    requests(&mut u);
    // Published between refresh() and the lookup.
    u.fetcher_mut().inner.state = state_dir("drupal", "2");
    let info = u.get_target_info(&old_target).unwrap().unwrap();
    assert_eq!(info.role, bin);
    let bin_file = format!("{bin}.json");
    assert_eq!(
        requests(&mut u),
        [
            bin_file.as_str(), // version 2, our snapshot 1 lists 1: changed
            "2.root.json",
            "timestamp.json",
            "snapshot.json",
            bin_file.as_str()
        ]
    );
    assert_eq!(u.restarts(), 1);
    assert_eq!(version(&u, "snapshot"), Some(2));
    assert_eq!(version(&u, &bin), Some(2));
    // The new package is found without further requests.
    assert!(u
        .get_target_info("drupal/newpkg/1.0.0.0")
        .unwrap()
        .is_some());
    assert_eq!(requests(&mut u), Vec::<String>::new());
}

#[test]
fn bin_changing_on_every_attempt_fails_the_lookup_with_repository_changed() {
    let (bin, old_target) = changed_bin_and_old_target();
    let mut u = client_at_state_1();
    u.refresh(ref_time()).unwrap();
    requests(&mut u);
    // Only the bin is new; timestamp and snapshot still say version 1.
    let bin_file = serve_bin_of_state(&mut u, &bin, "2");
    assert_kind(u.get_target_info(&old_target), ErrorKind::RepositoryChanged);
    assert_eq!(
        requests(&mut u),
        [
            bin_file.as_str(),
            "2.root.json",
            "timestamp.json",
            bin_file.as_str()
        ]
    );
    assert_eq!(u.restarts(), 1);
    assert_eq!(version(&u, "snapshot"), Some(1));
    assert_eq!(version(&u, &bin), None, "the changed bin was never stored");
}

#[test]
fn bin_older_than_the_snapshot_is_a_rollback_at_once() {
    let (bin, old_target) = changed_bin_and_old_target();
    let mut u = client_at_state_1();
    u.fetcher_mut().inner.state = state_dir("drupal", "2");
    u.refresh(ref_time()).unwrap();
    requests(&mut u);
    let bin_file = serve_bin_of_state(&mut u, &bin, "1");
    assert_kind(u.get_target_info(&old_target), ErrorKind::Rollback);
    assert_eq!(requests(&mut u), [bin_file.as_str()]);
    assert_eq!(u.restarts(), 0);
    assert_eq!(version(&u, &bin), None);
}

#[test]
fn a_newer_bin_stored_by_another_process_is_never_overwritten_by_an_older_one() {
    // Another process sharing the store refreshed to state 2 and stored
    // bin version 2 after our refresh at state 1. The server still serves
    // version 1 files under their version names, as a consistent-snapshot
    // repository would: fetching would store version 1 over version 2.
    let (bin, old_target) = changed_bin_and_old_target();
    let mut u = client_at_state_1();
    u.refresh(ref_time()).unwrap();
    requests(&mut u);
    let bin_file = format!("{bin}.json");
    for (role, file) in [
        ("timestamp", "timestamp.json".to_string()),
        ("snapshot", "snapshot.json".to_string()),
        (bin.as_str(), bin_file.clone()),
    ] {
        let bytes = metadata_file("drupal", "2", &file);
        u.store_mut().files.insert(role.to_string(), bytes);
    }
    u.fetcher_mut().inner.state = state_dir("drupal", "2");
    let info = u.get_target_info(&old_target).unwrap().unwrap();
    assert_eq!(info.role, bin);
    // Re-refreshed from the newer stored state; the bin came from the store.
    assert_eq!(requests(&mut u), ["2.root.json", "timestamp.json"]);
    assert_eq!(u.restarts(), 1);
    assert_eq!(version(&u, &bin), Some(2));
    assert_eq!(version(&u, "snapshot"), Some(2));
}

#[test]
fn keys_rotated_by_a_root_published_mid_refresh_restart_once() {
    // `rotation` state 2: root 2 rotates the timestamp and snapshot keys.
    // Published after our 2.root.json request (404), before timestamp.json:
    // the timestamp is signed by a key root 1 does not list.
    let store = trusting_root("rotation");
    let fetcher = Publishing {
        inner: DirFetcher::new(state_dir("rotation", "1")),
        switch_at: None,
        seen: 0,
        switch_to: None,
    };
    let mut u = Updater::new(Default::default(), BASE_URL, fetcher, store);
    u.refresh(ref_time()).unwrap();
    requests(&mut u);
    u.fetcher_mut().switch_at = Some(("timestamp.json", 1));
    u.fetcher_mut().inner.state = state_dir("rotation", "1");
    // The switch targets "rotation" state 2 here, not "drupal".
    u.fetcher_mut().switch_to = Some(state_dir("rotation", "2"));
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!(
        (r.root_version, r.timestamp_version, r.snapshot_version),
        (2, 1, 1)
    );
    assert_eq!(
        requests(&mut u),
        [
            "2.root.json",
            "timestamp.json", // signed by the new key: threshold not met
            "2.root.json",
            "3.root.json",
            "timestamp.json",
            "snapshot.json"
        ]
    );
    assert_eq!(u.restarts(), 1);
    assert_eq!(version(&u, "root"), Some(2));
    assert_eq!(version(&u, "timestamp"), Some(1));
}

#[test]
fn a_bad_timestamp_signature_without_a_new_root_fails_after_one_root_request() {
    let mut u = client_at_state_1();
    u.refresh(ref_time()).unwrap();
    requests(&mut u);
    // A timestamp with a broken signature: no newer root explains it.
    let mut ts: serde_json::Value =
        serde_json::from_slice(&metadata_file("drupal", "2", "timestamp.json")).unwrap();
    ts["signatures"][0]["sig"] = serde_json::Value::String("00".repeat(64));
    u.fetcher_mut()
        .inner
        .overrides
        .insert("timestamp.json".into(), serde_json::to_vec(&ts).unwrap());
    assert_kind(u.refresh(ref_time()), ErrorKind::SignatureThreshold);
    assert_eq!(
        requests(&mut u),
        ["2.root.json", "timestamp.json", "2.root.json"]
    );
    assert_eq!(u.restarts(), 0);
    assert_eq!(version(&u, "timestamp"), Some(1));
}
