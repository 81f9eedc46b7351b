//! Target (a): metadata of every role from arbitrary bytes, parsed and
//! verified by `TrustedSet` against the trusted root of the python-tuf
//! `attacks` fixture, driven in spec order. Must never panic.
//!
//! Input: one selector byte, then the file. `selector % 5` picks the slot
//! (new root, timestamp, snapshot, top-level targets, delegated `role1`);
//! bit 3 (value 8) re-signs the file with the slot's fixture key when it
//! is a JSON envelope, so the checks behind the signatures are reached
//! too; bit 4 (16) first loads the valid cached timestamp or snapshot (the
//! rollback baseline) where the slot has one.
//!
//! Snapshot and targets are checked against a timestamp and snapshot
//! re-signed without lengths and hashes (built at start-up), so fuzzed
//! bytes reach the parser instead of stopping at the hash check.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tuf_core::delegation::find_target;
use tuf_core::metadata::{parse_root, parse_snapshot, parse_targets, parse_timestamp};
use tuf_core::trusted::{TimestampUpdate, TrustedSet, VerifiedTargets};
use tuf_core_fuzz::fixture_keys::{attacks_key, resign, to_bytes, FixtureKey};
use tuf_core_fuzz::repo::{load_metadata, ref_time};

struct Setup {
    root: Vec<u8>,
    timestamp: Vec<u8>,
    /// Timestamp and snapshot listing versions only.
    loose_timestamp: Vec<u8>,
    loose_snapshot: Vec<u8>,
    targets: Vec<u8>,
    keys: [FixtureKey; 5],
}

const SLOTS: [&str; 5] = ["root", "timestamp", "snapshot", "targets", "role1"];

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let files = load_metadata("attacks", "1");
        let keys = SLOTS.map(attacks_key);
        let strip = |name: &str, key: &FixtureKey| -> Vec<u8> {
            let mut doc: Value = serde_json::from_slice(&files[name]).expect("fixture JSON");
            for meta in doc["signed"]["meta"]
                .as_object_mut()
                .expect("meta")
                .values_mut()
            {
                let meta = meta.as_object_mut().expect("meta file");
                meta.remove("length");
                meta.remove("hashes");
            }
            resign(&mut doc, &[key]);
            to_bytes(&doc)
        };
        Setup {
            root: files["1.root.json"].clone(),
            timestamp: files["timestamp.json"].clone(),
            loose_timestamp: strip("timestamp.json", &keys[1]),
            loose_snapshot: strip("snapshot.json", &keys[2]),
            targets: files["targets.json"].clone(),
            keys,
        }
    })
}

/// The file re-signed by `key` if it is a JSON object with `signed`.
fn resigned(data: &[u8], key: &FixtureKey) -> Option<Vec<u8>> {
    let mut doc: Value = serde_json::from_slice(data).ok()?;
    if !doc.get("signed")?.is_object() {
        return None;
    }
    // Floats cannot be canonicalised: nothing to sign.
    tuf_core::json::canonicalize_value(&doc["signed"]).ok()?;
    resign(&mut doc, &[key]);
    Some(to_bytes(&doc))
}

/// Looks a few names up through an accepted targets role (spec 5.6.7),
/// with `role1` answered by `delegated` when given.
fn search(top: &Arc<VerifiedTargets>, set: &mut TrustedSet, delegated: Option<&[u8]>) {
    for name in ["file1.txt", "r1/a.txt", "r1/missing", "../x", ""] {
        let _ = find_target(name, 8, |role, parent| match (role, parent) {
            ("targets", None) => Ok(top.clone()),
            (role, Some(p)) => {
                let bytes = delegated.unwrap_or(b"{}");
                set.update_targets(bytes, role, Some(p))
            }
            _ => Err(tuf_core::Error::state("unexpected")),
        });
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, data)) = input.split_first() else {
        return;
    };
    let s = setup();
    let slot = usize::from(selector % 5);
    let baseline = selector & 16 != 0;
    let owned;
    let data = if selector & 8 != 0 {
        match resigned(data, &s.keys[slot]) {
            Some(d) => {
                owned = d;
                &owned[..]
            }
            None => data,
        }
    } else {
        data
    };

    // The parsers alone, whatever the slot.
    let _ = parse_root(data, "root");
    let _ = parse_timestamp(data, "timestamp");
    let _ = parse_snapshot(data, "snapshot");
    let _ = parse_targets(data, "targets");

    let mut set = TrustedSet::new(&s.root, ref_time()).expect("trusted root");
    match slot {
        0 => {
            if set.update_root(data).is_ok() {
                assert_eq!(set.root().common.version, 2, "root must be exactly N+1");
            }
        }
        1 => {
            if baseline {
                set.update_timestamp(&s.timestamp).expect("valid timestamp");
            }
            let before = set.timestamp().map(|t| t.common.version);
            match set.update_timestamp(data) {
                Ok(TimestampUpdate::Updated) => {
                    let now = set.timestamp().expect("loaded").common.version;
                    assert!(before.is_none_or(|b| now > b), "timestamp went back");
                }
                Ok(TimestampUpdate::Unchanged) => {
                    assert_eq!(set.timestamp().map(|t| t.common.version), before);
                }
                Err(_) => {}
            }
        }
        2 => {
            set.update_timestamp(&s.loose_timestamp)
                .expect("loose timestamp");
            if baseline {
                set.update_snapshot(&s.loose_snapshot, true)
                    .expect("snapshot");
            }
            if set.update_snapshot(data, selector & 32 != 0).is_ok() {
                let v = set.snapshot().expect("loaded").common.version;
                assert_eq!(v, 2, "snapshot version must be the timestamp's");
            }
        }
        _ => {
            set.update_timestamp(&s.loose_timestamp)
                .expect("loose timestamp");
            set.update_snapshot(&s.loose_snapshot, false)
                .expect("snapshot");
            if slot == 3 {
                if let Ok(top) = set.update_targets(data, "targets", None) {
                    assert_eq!(top.common.version, 2);
                    search(&top, &mut set, None);
                }
            } else {
                let top = set
                    .update_targets(&s.targets, "targets", None)
                    .expect("valid targets");
                search(&top, &mut set, Some(data));
            }
        }
    }
});
