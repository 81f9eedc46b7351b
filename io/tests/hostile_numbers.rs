//! Numbers at the edges: versions at 2^63 and beyond, a target length of
//! u64::MAX, expiry exactly at the reference time.

mod support;

use std::collections::HashMap;

use serde_json::{json, Value};
use support::*;
use tuf_core::error::ErrorKind;

// ---------------------------------------------------------------------------
// Versions at 2^63 and beyond; expiry exactly at the reference time.

#[test]
fn versions_at_two_to_the_63_and_beyond() {
    const TWO_63: u64 = 1 << 63;
    let with_timestamp_version = |v: Value| {
        let mut r = Release::base();
        r.timestamp["signed"]["version"] = v;
        r.publish()
    };
    // 2^63 and u64::MAX are versions like any other...
    let mut u = mem_client(with_timestamp_version(json!(TWO_63)));
    u.refresh(ref_time()).unwrap();
    assert_eq!(version_of(&u.store().files["timestamp"]), Some(TWO_63));
    u.fetcher_mut().overrides = with_timestamp_version(json!(u64::MAX));
    assert_eq!(u.refresh(ref_time()).unwrap().timestamp_version, u64::MAX);
    // ...and going back from them is a rollback.
    u.fetcher_mut().overrides = with_timestamp_version(json!(TWO_63));
    assert_kind(u.refresh(ref_time()), ErrorKind::Rollback);
    assert_eq!(version_of(&u.store().files["timestamp"]), Some(u64::MAX));

    // 2^64, 2^64 + 1 and far beyond do not parse: no wrap to 0 or 1.
    for beyond in [
        "18446744073709551616",
        "18446744073709551617",
        "99999999999999999999999",
    ] {
        let mut r = Release::base();
        r.timestamp["signed"]["version"] = json!("__V__");
        r.splice("timestamp", "__V__", beyond.to_string());
        u.fetcher_mut().overrides = r.publish();
        let e = assert_kind(u.refresh(ref_time()), ErrorKind::Format);
        assert!(e.message().contains("out of range"), "{beyond}: {e}");
        assert_eq!(version_of(&u.store().files["timestamp"]), Some(u64::MAX));
    }
    for bad in [json!(0), json!(-1), json!(i64::MIN)] {
        let mut u = mem_client(with_timestamp_version(bad.clone()));
        assert_kind(u.refresh(ref_time()), ErrorKind::Format);
        assert_eq!(stored_roles(u.store()), ["root"], "{bad}");
    }

    // A snapshot at 2^64, listed so by the timestamp: refused there.
    let mut r = Release::base();
    r.snapshot["signed"]["version"] = json!("__V__");
    for role in ["snapshot", "timestamp"] {
        r.splice(role, "__V__", "18446744073709551616".into());
    }
    let files = r.publish();
    assert!(String::from_utf8_lossy(&files["timestamp.json"]).contains("18446744073709551616"));
    let mut u = mem_client(files);
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::Format);
    assert!(e.message().contains("timestamp"), "{e}");
    assert_eq!(stored_roles(u.store()), ["root"]);

    // A trusted root at u64::MAX has no next version: no request for one
    // (and no overflow to "0.root.json").
    let top = root_release(u64::MAX, |_| {});
    let mut u = mem_client(HashMap::new());
    u.store_mut().files.insert("root".into(), top.clone());
    u.refresh(ref_time()).unwrap();
    let log = u.fetcher_mut().take_log();
    assert!(!log.iter().any(|f| f.ends_with(".root.json")), "{log:?}");
    assert_eq!(u.store().files["root"], top);
    // Nor can a root at u64::MAX be replaced by another at u64::MAX.
    let mut set = tuf_core::trusted::TrustedSet::new(&top, ref_time()).unwrap();
    let again = root_release(u64::MAX, |s| s["consistent_snapshot"] = json!(true));
    assert_kind(set.update_root(&again), ErrorKind::Rollback);
    assert!(!set.root().consistent_snapshot);

    // A new root claiming u64::MAX instead of 2 is a rollback error.
    let mut u = mem_client(HashMap::from([(
        "2.root.json".into(),
        root_release(u64::MAX, |_| {}),
    )]));
    assert_kind(u.refresh(ref_time()), ErrorKind::Rollback);
    assert_eq!(version_of(&u.store().files["root"]), Some(1));

    // A delegation threshold of u64::MAX can never be met.
    let mut r = Release::base();
    r.role("targets")["signed"]["delegations"]["roles"][0]["threshold"] = json!(u64::MAX);
    let mut u = mem_client(r.publish());
    u.refresh(ref_time()).unwrap();
    assert_kind(u.get_target_info("r1/a.txt"), ErrorKind::SignatureThreshold);
}

#[test]
fn a_target_length_of_u64_max_does_not_overflow() {
    let mut r = Release::base();
    r.role("targets")["signed"]["targets"]["file1.txt"]["length"] = json!(u64::MAX);
    let server = attacks_server(&r.publish());
    let mut u = http_client(&server, http_config());
    u.refresh(ref_time()).unwrap();
    let info = u.get_target_info("file1.txt").unwrap().unwrap();
    assert_eq!(info.length, u64::MAX);
    // The 21 bytes served are shorter than listed: a hash failure.
    download_leaves_nothing(&mut u, &server, &info, ErrorKind::InvalidHash);
}

#[test]
fn expiry_exactly_at_the_reference_time_is_expired() {
    const NOW: &str = "2030-01-01T00:00:00Z";
    const LATER: &str = "2030-01-01T00:00:01Z";
    for role in ["root", "timestamp", "snapshot", "targets", "role1"] {
        for (expires, expired) in [(NOW, true), (LATER, false)] {
            let files = if role == "root" {
                HashMap::from([(
                    "2.root.json".to_string(),
                    root_release(2, |s| s["expires"] = json!(expires)),
                )])
            } else {
                let mut r = Release::base();
                r.signed(role)["expires"] = json!(expires);
                r.publish()
            };
            let mut u = mem_client(files);
            let result = refresh_and_lookup(&mut u, role);
            if !expired {
                result.unwrap_or_else(|e| panic!("{role} expiring at {expires}: {e}"));
                continue;
            }
            assert_kind(result, ErrorKind::Expired);
            let stored = stored_roles(u.store());
            match role {
                // A root verified before the expiry check is kept (5.3.8);
                // an expired timestamp or snapshot never is (5.4.4, 5.5.6).
                "root" => assert_eq!(version_of(&u.store().files["root"]), Some(2)),
                "timestamp" => assert_eq!(stored, ["root"]),
                "snapshot" => assert_eq!(stored, ["root", "timestamp"]),
                "targets" => assert_eq!(stored, ["root", "snapshot", "timestamp"]),
                _ => assert_eq!(stored, ["root", "snapshot", "targets", "timestamp"]),
            }
        }
    }
}
