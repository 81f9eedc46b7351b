//! The client workflow (spec 5.1 to 5.7) against python-tuf generated
//! repositories: Drupal-shaped hashed bins, consistent snapshots, every key
//! type, succinct bins, and root rotation with fast-forward recovery.

use tuf_core::config::Config;
use tuf_core::error::ErrorKind;
use tuf_core::hashing::{verify_bytes, Expected};
use tuf_core::trusted::TrustedSet;
use tuf_testkit::fixtures::*;

fn drupal_targets() -> Vec<String> {
    let mut names = Vec::new();
    for i in 0..20 {
        for v in 0..3 {
            names.push(format!("drupal/pkg{i:02}/1.{v}.0.0"));
        }
        names.push(format!("p2/drupal/pkg{i:02}.json"));
    }
    names
}

/// Looks up `target`, then checks the served file against the verified info.
fn fetch_and_verify(u: &mut TestUpdater, repo: &str, state: &str, target: &str) -> String {
    let info = u
        .get_target_info(target)
        .unwrap_or_else(|e| panic!("{target}: {e}"))
        .unwrap_or_else(|| panic!("{target} not found"));
    let data = target_file(repo, state, target);
    let expected = Expected {
        length: info.length,
        hashes: &info.hashes,
    };
    verify_bytes(target, expected, &data).unwrap();
    info.role
}

#[test]
fn drupal_first_refresh_fetches_exactly_the_spec_sequence() {
    let mut u = client("drupal", "1");
    let report = u.refresh(ref_time()).unwrap();
    assert_eq!(
        (
            report.root_version,
            report.timestamp_version,
            report.snapshot_version,
            report.targets_version
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        u.fetcher_mut().take_log(),
        [
            "2.root.json",
            "timestamp.json",
            "snapshot.json",
            "targets.json"
        ]
    );
    // Only the bin that holds the target is fetched, once.
    let role = fetch_and_verify(&mut u, "drupal", "1", "drupal/pkg00/1.0.0.0");
    assert_eq!(u.fetcher_mut().take_log(), [format!("{role}.json")]);
    let again = fetch_and_verify(&mut u, "drupal", "1", "drupal/pkg00/1.0.0.0");
    assert_eq!(again, role);
    assert!(u.fetcher_mut().take_log().is_empty(), "bin fetched twice");
    for name in ["root", "timestamp", "snapshot", "targets"] {
        assert!(stored(&u, name).is_some(), "{name} not persisted");
    }
}

#[test]
fn drupal_all_targets_verify_and_map_to_hashed_bins() {
    let mut u = client("drupal", "1");
    u.refresh(ref_time()).unwrap();
    let mut bins = std::collections::HashSet::new();
    for t in drupal_targets() {
        let role = fetch_and_verify(&mut u, "drupal", "1", &t);
        assert_ne!(role, "targets");
        bins.insert(role);
    }
    assert!(bins.len() > 1, "targets should spread over several bins");
    assert!(u
        .get_target_info("drupal/absent/1.0.0.0")
        .unwrap()
        .is_none());
}

#[test]
fn drupal_unchanged_timestamp_fetches_nothing_more() {
    let mut u = client("drupal", "1");
    u.refresh(ref_time()).unwrap();
    fetch_and_verify(&mut u, "drupal", "1", "p2/drupal/pkg03.json");
    u.fetcher_mut().take_log();
    let report = u.refresh(ref_time()).unwrap();
    assert!(report.timestamp_unchanged);
    assert_eq!(
        u.fetcher_mut().take_log(),
        ["2.root.json", "timestamp.json"]
    );
    // Cached bins are re-verified, not re-fetched.
    fetch_and_verify(&mut u, "drupal", "1", "p2/drupal/pkg03.json");
    assert!(u.fetcher_mut().take_log().is_empty());
}

#[test]
fn drupal_update_and_root_rotation() {
    let mut u = client("drupal", "1");
    u.refresh(ref_time()).unwrap();
    fetch_and_verify(&mut u, "drupal", "1", "drupal/pkg05/1.2.0.0");
    serve(&mut u, "drupal", "2");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!((r.timestamp_version, r.snapshot_version), (2, 2));
    fetch_and_verify(&mut u, "drupal", "2", "drupal/newpkg/1.0.0.0");
    serve(&mut u, "drupal", "3");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!((r.root_version, r.timestamp_version), (2, 3));
    assert_eq!(
        stored(&u, "root").unwrap(),
        metadata_file("drupal", "3", "2.root.json")
    );
    fetch_and_verify(&mut u, "drupal", "3", "drupal/newpkg/1.0.0.0");
}

#[test]
fn consistent_snapshot_uses_versioned_and_encoded_names() {
    let mut u = client("consistent", "1");
    u.refresh(ref_time()).unwrap();
    // A refresh's requests with consistent snapshots, at snapshot version v.
    let refresh_log = |v: u32| {
        [
            "2.root.json".to_string(),
            "timestamp.json".to_string(),
            format!("{v}.snapshot.json"),
            format!("{v}.targets.json"),
        ]
    };
    assert_eq!(u.fetcher_mut().take_log(), refresh_log(1));
    let info = u.get_target_info("files/one.txt").unwrap().unwrap();
    assert_eq!(info.role, "nested/role");
    assert_eq!(u.fetcher_mut().take_log(), ["1.nested%2Frole.json"]);
    serve(&mut u, "consistent", "2");
    u.refresh(ref_time()).unwrap();
    assert_eq!(u.fetcher_mut().take_log(), refresh_log(2));
    let info = u.get_target_info("hello.txt").unwrap().unwrap();
    assert_eq!(info.role, "targets");
    let sha256 = &info.hashes.iter().find(|(a, _)| a == "sha256").unwrap().1;
    let data = target_file("consistent", "2", &format!("{sha256}.hello.txt"));
    verify_bytes(
        "hello.txt",
        Expected {
            length: info.length,
            hashes: &info.hashes,
        },
        &data,
    )
    .unwrap();
}

#[test]
fn every_key_type_verifies() {
    for repo in ["ecdsa", "rsa", "mixed", "legacy-keyids", "unknown-key"] {
        let mut u = client(repo, "1");
        u.refresh(ref_time())
            .unwrap_or_else(|e| panic!("{repo}: {e}"));
        fetch_and_verify(&mut u, repo, "1", "hello.txt");
    }
}

#[test]
fn succinct_bins_find_every_target() {
    let mut u = client("succinct", "1");
    u.refresh(ref_time()).unwrap();
    for i in 0..30 {
        let role = fetch_and_verify(&mut u, "succinct", "1", &format!("pkgs/{i}.txt"));
        assert!(role.starts_with("bin-"), "{role}");
        assert_eq!(role.len(), "bin-0".len());
    }
    assert!(u.get_target_info("pkgs/none.txt").unwrap().is_none());
}

#[test]
fn root_rotation_with_fast_forward_recovery() {
    let mut u = client("rotation", "1");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!((r.timestamp_version, r.snapshot_version), (5, 5));
    // Root 2 rotates timestamp and snapshot keys; their versions restart at
    // 1. The cached v5 files no longer verify and stop being a baseline.
    serve(&mut u, "rotation", "2");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!(
        (r.root_version, r.timestamp_version, r.snapshot_version),
        (2, 1, 1)
    );
    assert_eq!(stored_version(&u, "timestamp"), Some(1));
    fetch_and_verify(&mut u, "rotation", "2", "hello.txt");
    // 3.root.json is expired: intermediate expiry is ignored, 4 is final.
    serve(&mut u, "rotation", "3");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!(r.root_version, 4);
    assert_eq!(
        u.fetcher_mut().take_log()[..4],
        [
            "3.root.json",
            "4.root.json",
            "5.root.json",
            "timestamp.json"
        ]
    );
}

#[test]
fn fresh_client_walks_the_whole_root_chain() {
    let mut u = client("rotation", "3");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!((r.root_version, r.timestamp_version), (4, 2));
}

#[test]
fn snapshot_key_rotation_alone_recovers() {
    let mut u = client("rotation", "1");
    u.refresh(ref_time()).unwrap();
    serve(&mut u, "rotation", "snapshot-key-only");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!(
        (r.root_version, r.timestamp_version, r.snapshot_version),
        (2, 6, 1)
    );
}

#[test]
fn bad_root_rotations_keep_the_trusted_root() {
    for (state, kind) in [
        ("bad-new-threshold", ErrorKind::SignatureThreshold),
        ("bad-old-threshold", ErrorKind::SignatureThreshold),
        ("wrong-version", ErrorKind::Rollback),
    ] {
        let mut u = client("rotation", "1");
        u.refresh(ref_time()).unwrap();
        serve(&mut u, "rotation", state);
        let e = assert_kind(u.refresh(ref_time()), kind);
        assert!(e.message().contains("root"), "{state}: {e}");
        assert_eq!(
            stored(&u, "root").unwrap(),
            metadata_file("rotation", "1", "1.root.json"),
            "{state}"
        );
        assert!(u.trusted().is_none());
        // Only the root was requested: nothing else after a failed chain.
        assert_eq!(u.fetcher_mut().take_log(), ["2.root.json"], "{state}");
    }
}

#[test]
fn expired_final_root_is_kept_but_refused() {
    let mut u = client("rotation", "1");
    u.refresh(ref_time()).unwrap();
    serve(&mut u, "rotation", "final-expired");
    assert_kind(u.refresh(ref_time()), ErrorKind::Expired);
    assert_eq!(
        stored(&u, "root").unwrap(),
        metadata_file("rotation", "final-expired", "2.root.json")
    );
    assert_eq!(u.fetcher_mut().take_log(), ["2.root.json", "3.root.json"]);
}

#[test]
fn root_rotation_limit_is_honoured() {
    let config = Config {
        max_root_rotations: 1,
        ..Config::default()
    };
    let mut u = client_with("rotation", "3", config);
    // Stops after one rotation (root 2); the rest waits for the next refresh.
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!(r.root_version, 2);
}

#[test]
fn trusted_root_failing_its_own_threshold_fails_closed() {
    let mut u = client("drupal", "1");
    let mut root: serde_json::Value = serde_json::from_slice(&stored(&u, "root").unwrap()).unwrap();
    root["signed"]["version"] = 7.into();
    u.store_mut()
        .files
        .insert("root".into(), serde_json::to_vec(&root).unwrap());
    assert_kind(u.refresh(ref_time()), ErrorKind::SignatureThreshold);
    assert!(
        u.fetcher_mut().take_log().is_empty(),
        "no request before the root is trusted"
    );
    u.store_mut()
        .files
        .insert("root".into(), b"{not json".to_vec());
    assert_kind(u.refresh(ref_time()), ErrorKind::Format);
    assert!(u.fetcher_mut().take_log().is_empty());
}

#[test]
fn junk_in_the_cache_is_ignored_and_replaced() {
    let mut u = client("drupal", "1");
    for role in ["timestamp", "snapshot", "targets"] {
        u.store_mut().files.insert(role.into(), b"\0junk".to_vec());
    }
    u.refresh(ref_time()).unwrap();
    assert_eq!(
        stored(&u, "snapshot").unwrap(),
        metadata_file("drupal", "1", "snapshot.json")
    );
    fetch_and_verify(&mut u, "drupal", "1", "drupal/pkg01/1.0.0.0");
}

#[test]
fn real_drupal_org_roots_meet_their_own_threshold() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/drupal-org-roots");
    let before_expiry = tuf_core::time::parse_expires("2025-01-01T00:00:00Z").unwrap();
    let after_expiry = tuf_core::time::parse_expires("2026-01-01T00:00:00Z").unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let bytes = read(&path);
        let set = TrustedSet::new(&bytes, before_expiry)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        set.check_final_root().unwrap();
        assert_eq!(set.root().common.version, 1);
        assert!(!set.root().consistent_snapshot);
        let later = TrustedSet::new(&bytes, after_expiry).unwrap();
        assert_kind(later.check_final_root(), ErrorKind::Expired);
        count += 1;
    }
    assert_eq!(count, 4);
}

#[test]
fn composer_repository_serves_verified_packages_and_archives() {
    let mut u = client("composer", "1");
    u.refresh(ref_time()).unwrap();
    for target in [
        "packages.json",
        "p2/drupal/token.json",
        "drupal/token/1.14.0.0",
        "drupal/ctools/4.0.4.0",
    ] {
        fetch_and_verify(&mut u, "composer", "1", target);
    }
    assert!(u
        .get_target_info("drupal/token/1.15.0.0")
        .unwrap()
        .is_none());
    serve(&mut u, "composer", "2");
    let r = u.refresh(ref_time()).unwrap();
    assert_eq!((r.timestamp_version, r.snapshot_version), (2, 2));
    fetch_and_verify(&mut u, "composer", "2", "drupal/token/1.15.0.0");
    fetch_and_verify(&mut u, "composer", "2", "p2/drupal/token.json");
    // The old p2 listing no longer verifies against the new metadata.
    let info = u.get_target_info("p2/drupal/token.json").unwrap().unwrap();
    let old = target_file("composer", "1", "p2/drupal/token.json");
    assert!(verify_bytes(
        "p2",
        Expected {
            length: info.length,
            hashes: &info.hashes
        },
        &old
    )
    .is_err());
}
