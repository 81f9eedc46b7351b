//! Huge metadata, re-signed so only the size is wrong: a hundred thousand
//! signatures, ten thousand keys, 100,000 levels of nesting, 5 MB numbers,
//! 65,000 delegated roles and delegation cycles.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;
use tuf_core::config::Config;
use tuf_core::error::ErrorKind;

#[test]
fn fixture_keys_are_the_ones_python_tuf_signed_with() {
    // The derivation (SHAKE-256 of the key name) gives the keyids and
    // public keys listed in the fixture root and delegations...
    let root = fixture_doc("1.root.json");
    for role in ["root", "timestamp", "snapshot", "targets"] {
        let key = attacks_key(role);
        let keyids = &root["signed"]["roles"][role]["keyids"];
        assert_eq!(keyids, &json!([key.keyid()]), "{role}");
        assert_eq!(
            root["signed"]["keys"][key.keyid()],
            key.key_json(),
            "{role}"
        );
    }
    let targets = fixture_doc("targets.json");
    let role1 = attacks_key("role1");
    assert_eq!(
        targets["signed"]["delegations"]["keys"][role1.keyid()],
        role1.key_json()
    );
    // ...and re-signing an unchanged document gives python-tuf's bytes of
    // signature (ed25519 is deterministic).
    let mut doc = fixture_doc("timestamp.json");
    let original = doc["signatures"].clone();
    resign(&mut doc, &[&attacks_key("timestamp")]);
    assert_eq!(doc["signatures"], original);
    // A release that changes nothing refreshes like the fixture.
    let mut u = mem_client(Release::base().publish());
    u.refresh(ref_time()).unwrap();
    assert!(u.get_target_info("r1/a.txt").unwrap().is_some());
}

// ---------------------------------------------------------------------------
// Huge metadata: signatures, keys, nesting, numbers, delegations.

/// `n` signature entries under distinct keyids no role lists.
fn junk_signatures(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"keyid": format!("{i:x}"), "sig": "00"}))
        .collect()
}

#[test]
fn a_hundred_thousand_signatures() {
    // targets.json with 100,000 signatures from unlisted keyids (snapshot
    // lists its real length, 3.5 MB): only listed keyids are looked at, so
    // the cost is parsing; the valid signature at the end still counts.
    let mut release = Release::base();
    release.edit_signatures("targets", |sigs| {
        let valid = sigs.pop().unwrap();
        *sigs = junk_signatures(100_000);
        sigs.push(valid);
    });
    let mut u = mem_client(release.publish());
    let t = Instant::now();
    u.refresh(ref_time()).unwrap();
    eprintln!(
        "100,000 signatures + 1 valid: refreshed in {:?}",
        t.elapsed()
    );
    assert!(u.get_target_info("file1.txt").unwrap().is_some());

    // Without the valid one: below threshold, targets not stored.
    let mut release = Release::base();
    release.edit_signatures("targets", |sigs| *sigs = junk_signatures(100_000));
    let mut u = mem_client(release.publish());
    assert_kind(u.refresh(ref_time()), ErrorKind::SignatureThreshold);
    assert_eq!(stored_roles(u.store()), ["root", "snapshot", "timestamp"]);

    // 100,000 copies of the valid signature: one keyid twice is refused
    // outright (python-tuf does the same), so no key can count twice.
    let mut release = Release::base();
    release.edit_signatures("targets", |sigs| *sigs = vec![sigs[0].clone(); 100_000]);
    let files = release.publish();
    // 21 MB: over our targets cap, refused as listed; with a cap raised
    // to let it through, the parser refuses it.
    let mut u = mem_client(files.clone());
    assert_kind(u.refresh(ref_time()), ErrorKind::DownloadSize);
    assert_eq!(stored_roles(u.store()), ["root", "snapshot", "timestamp"]);
    let mut u = mem_client_with(files, large_targets());
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::Format);
    assert!(e.message().contains("duplicate signature keyid"), "{e}");
    assert_eq!(stored_roles(u.store()), ["root", "snapshot", "timestamp"]);

    // On timestamp and root, 100,000 signatures do not fit the byte caps.
    let mut release = Release::base();
    release.edit_signatures("timestamp", |sigs| sigs.extend(junk_signatures(100_000)));
    let mut u = mem_client(release.publish());
    assert_kind(u.refresh(ref_time()), ErrorKind::DownloadSize);
    assert_eq!(stored_roles(u.store()), ["root"]);
    let mut root = serde_json::from_slice::<Value>(&root_release(2, |_| {})).unwrap();
    root["signatures"]
        .as_array_mut()
        .unwrap()
        .extend(junk_signatures(100_000));
    let mut u = mem_client(HashMap::from([("2.root.json".into(), to_bytes(&root))]));
    assert_kind(u.refresh(ref_time()), ErrorKind::DownloadSize);
    assert_eq!(version_of(&u.store().files["root"]), Some(1));
}

/// role1 delegated to `keys`, `threshold` of them, signed by all of them.
fn delegate_role1_to(release: &mut Release, keys: &[FixtureKey], threshold: u64) {
    let delegations = &mut release.role("targets")["signed"]["delegations"];
    delegations["keys"] = keys
        .iter()
        .map(|k| (k.keyid().to_string(), k.key_json()))
        .collect::<serde_json::Map<_, _>>()
        .into();
    delegations["roles"][0]["keyids"] = keys.iter().map(|k| json!(k.keyid())).collect();
    delegations["roles"][0]["threshold"] = json!(threshold);
    release.roles[1].2 = keys.to_vec();
}

#[test]
fn ten_thousand_keys() {
    let t = Instant::now();
    let keys: Vec<FixtureKey> = (0..10_000)
        .map(|i| FixtureKey::ed25519(&format!("hostile/key-{i}")))
        .collect();
    eprintln!("derived 10,000 keys in {:?}", t.elapsed());

    // role1 delegated to 10,000 keys, threshold 10,000, signed by all.
    let mut release = Release::base();
    delegate_role1_to(&mut release, &keys, 10_000);
    let mut u = mem_client(release.publish());
    u.refresh(ref_time()).unwrap();
    let t = Instant::now();
    let info = u.get_target_info("r1/a.txt").unwrap().unwrap();
    eprintln!("10,000 of 10,000 signatures verified in {:?}", t.elapsed());
    assert_eq!(info.role, "role1");

    // Threshold 1 and 10,000 signatures that all fail: every listed key
    // is tried once, then the lookup fails; role1 is not stored.
    let mut release = Release::base();
    delegate_role1_to(&mut release, &keys, 1);
    release.edit_signatures("role1", |sigs| {
        for sig in sigs.iter_mut() {
            let s = sig["sig"].as_str().unwrap();
            let flipped = if s.starts_with('0') { "1" } else { "0" };
            sig["sig"] = json!(format!("{flipped}{}", &s[1..]));
        }
    });
    let mut u = mem_client(release.publish());
    u.refresh(ref_time()).unwrap();
    let t = Instant::now();
    assert_kind(u.get_target_info("r1/a.txt"), ErrorKind::SignatureThreshold);
    eprintln!("10,000 bad signatures refused in {:?}", t.elapsed());
    assert!(!u.store().files.contains_key("role1"));

    // 10,000 keys in a new root do not fit its 512 kB cap.
    let root = root_release(2, |signed| {
        for k in &keys {
            signed["keys"][k.keyid()] = k.key_json();
        }
    });
    assert!(root.len() as u64 > Config::default().root_max_length);
    let mut u = mem_client(HashMap::from([("2.root.json".into(), root)]));
    assert_kind(u.refresh(ref_time()), ErrorKind::DownloadSize);
    assert_eq!(version_of(&u.store().files["root"]), Some(1));
}

#[test]
fn a_hundred_thousand_nested_arrays_and_objects() {
    let arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let objects = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    for (role, nested) in [("targets", arrays), ("role1", objects)] {
        let mut release = Release::base();
        let signed = release.signed(role);
        let (_, file) = signed["targets"]
            .as_object_mut()
            .unwrap()
            .iter_mut()
            .next()
            .unwrap();
        file["custom"] = json!("__NESTED__");
        release.splice(role, "__NESTED__", nested);
        let mut u = mem_client(release.publish());
        let t = Instant::now();
        let e = assert_kind(refresh_and_lookup(&mut u, role), ErrorKind::Format);
        assert!(e.message().contains("nesting deeper than 64"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert!(!u.store().files.contains_key(role), "{role}");
    }
}

#[test]
fn five_megabytes_of_digits_in_a_number() {
    let mut release = Release::base();
    release.role("targets")["signed"]["targets"]["file1.txt"]["length"] = json!("__DIGITS__");
    release.splice("targets", "__DIGITS__", "9".repeat(5_000_000));
    let files = release.publish();
    assert!(files["targets.json"].len() > 5_000_000);
    let mut u = mem_client_with(files, large_targets());
    let t = Instant::now();
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::Format);
    assert!(e.message().contains("out of range"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(stored_roles(u.store()), ["root", "snapshot", "timestamp"]);
    // In a timestamp the same number does not get past the byte cap.
    let mut release = Release::base();
    release.timestamp["signed"]["version"] = json!("__DIGITS__");
    release.splice("timestamp", "__DIGITS__", "9".repeat(5_000_000));
    let mut u = mem_client(release.publish());
    assert_kind(u.refresh(ref_time()), ErrorKind::DownloadSize);
}

/// The role1 key under the short keyid "k" (keeps 65,536 delegations
/// small): the signature entries are renamed to match.
fn short_keyid(release: &mut Release, role: &str) {
    release.edit_signatures(role, |sigs| {
        for s in sigs.iter_mut() {
            s["keyid"] = json!("k");
        }
    });
}

#[test]
fn sixty_five_thousand_delegated_roles() {
    let role1 = attacks_key("role1");
    let target = "r1/a.txt";
    let digest = hex::encode(Sha256::digest(target.as_bytes()));
    let bin = format!("bin-{}", &digest[..4]);

    // 65,536 hashed bins by 4-hex-digit prefix: a lookup fetches exactly
    // the one bin (an index, not a scan).
    let mut release = Release::base();
    let a_txt = release.role("role1")["signed"]["targets"][target].clone();
    let roles: Vec<Value> = (0..65_536)
        .map(|i| {
            json!({"name": format!("bin-{i:04x}"), "keyids": ["k"], "threshold": 1,
                   "terminating": false, "path_hash_prefixes": [format!("{i:04x}")]})
        })
        .collect();
    let delegations = &mut release.role("targets")["signed"]["delegations"];
    delegations["keys"] = json!({"k": role1.key_json()});
    delegations["roles"] = Value::Array(roles);
    release.add_role(
        &bin,
        empty_role(1, json!({ target: a_txt })),
        vec![role1.clone()],
    );
    short_keyid(&mut release, &bin);
    let files = release.publish();
    eprintln!(
        "targets.json with 65,536 roles: {} bytes",
        files["targets.json"].len()
    );
    let mut u = mem_client_with(files, large_targets());
    let t = Instant::now();
    u.refresh(ref_time()).unwrap();
    let refreshed = t.elapsed();
    u.fetcher_mut().log.clear();
    let t = Instant::now();
    let info = u.get_target_info(target).unwrap().unwrap();
    eprintln!("refresh {refreshed:?}, lookup {:?}", t.elapsed());
    assert_eq!(info.role, bin);
    assert_eq!(u.fetcher_mut().take_log(), [format!("{bin}.json")]);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(refreshed < Duration::from_secs(15), "{refreshed:?}");

    // 65,536 roles that all match: the search gives up after visiting
    // max_roles_visited (32) roles, top-level targets included.
    let mut release = Release::base();
    let roles: Vec<Value> = (0..65_536)
        .map(|i| {
            json!({"name": format!("r{i:05}"), "keyids": ["k"], "threshold": 1,
                   "terminating": false, "paths": ["r1/*"]})
        })
        .collect();
    let delegations = &mut release.role("targets")["signed"]["delegations"];
    delegations["keys"] = json!({"k": role1.key_json()});
    delegations["roles"] = Value::Array(roles);
    for i in 0..40 {
        let name = format!("r{i:05}");
        release.add_role(&name, empty_role(1, json!({})), vec![role1.clone()]);
        short_keyid(&mut release, &name);
    }
    let mut u = mem_client_with(release.publish(), large_targets());
    u.refresh(ref_time()).unwrap();
    u.fetcher_mut().log.clear();
    let e = assert_kind(u.get_target_info("r1/none"), ErrorKind::DenialOfService);
    assert!(e.message().contains("32 roles"), "{e}");
    let fetched = u.fetcher_mut().take_log();
    let expected: Vec<String> = (0..31).map(|i| format!("r{i:05}.json")).collect();
    assert_eq!(fetched, expected);
}

#[test]
fn delegation_cycles_end() {
    // role1 delegates r1/* to itself and to role2; role2 delegates r1/*
    // back to role1.
    let role1 = attacks_key("role1");
    let role2 = FixtureKey::ed25519("hostile/role2");
    let delegation = |name: &str, key: &FixtureKey| {
        json!({"name": name, "keyids": [key.keyid()], "threshold": 1,
               "terminating": false, "paths": ["r1/*"]})
    };
    let keys = json!({role1.keyid(): role1.key_json(), role2.keyid(): role2.key_json()});
    let mut release = Release::base();
    release.role("role1")["signed"]["delegations"] = json!({
        "keys": keys.clone(),
        "roles": [delegation("role1", &role1), delegation("role2", &role2)],
    });
    let mut back = empty_role(1, json!({}));
    back["delegations"] = json!({"keys": keys, "roles": [delegation("role1", &role1)]});
    release.add_role("role2", back, vec![role2.clone()]);
    let mut u = mem_client(release.publish());
    u.refresh(ref_time()).unwrap();
    u.fetcher_mut().log.clear();
    assert!(u.get_target_info("r1/none").unwrap().is_none());
    assert_eq!(u.fetcher_mut().take_log(), ["role1.json", "role2.json"]);
    assert!(u.get_target_info("r1/a.txt").unwrap().is_some());
    assert_eq!(u.fetcher_mut().take_log(), Vec::<String>::new());
}
