//! Target (d): whole refreshes (`tuf_core::updater::Updater`) against an
//! in-memory repository that starts as the python-tuf `attacks/1` fixture
//! and whose files the input rewrites between refreshes. After every step
//! nothing trusted may go backwards: the stored version of each role never
//! decreases, except where the specification allows it (fast-forward
//! recovery after the timestamp or snapshot keys rotate, 5.3.11).
//!
//! Input: a sequence of steps, each an opcode byte then its operands:
//!
//! | op % 5 | operands                 | step |
//! |--------|--------------------------|------|
//! | 0      | slot, len (u16 LE), data | serve `data` as the slot's file |
//! | 1      | slot, len (u16 LE), data | serve `data` re-signed with the slot's fixture key and published: snapshot and timestamp listings updated and re-signed |
//! | 2      |                          | refresh |
//! | 3      | name                     | look up one of a few target names |
//! | 4      | slot                     | stop serving the slot's file (404) |
//!
//! Slots (`slot % 6`): 2.root.json, timestamp.json, snapshot.json,
//! targets.json, role1.json, 3.root.json.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tuf_core::config::Config;
use tuf_core::updater::Updater;
use tuf_core_fuzz::fixture_keys::{attacks_key, resign, to_bytes};
use tuf_core_fuzz::repo::{load_metadata, ref_time, version_of, MemFetcher, MemStore, BASE_URL};

const SLOTS: [(&str, &str); 6] = [
    ("2.root.json", "root"),
    ("timestamp.json", "timestamp"),
    ("snapshot.json", "snapshot"),
    ("targets.json", "targets"),
    ("role1.json", "role1"),
    ("3.root.json", "root"),
];
const ROLES: [&str; 5] = ["root", "timestamp", "snapshot", "targets", "role1"];
const NAMES: [&str; 5] = ["file1.txt", "file2.txt", "r1/a.txt", "r1/none", "none"];
const MAX_STEPS: usize = 24;

struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn data(&mut self) -> Option<&'a [u8]> {
        let len = usize::from(u16::from_le_bytes([self.byte()?, self.byte()?]));
        let len = len.min(self.0.len());
        let (d, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(d)
    }
}

/// Keyids and thresholds of the timestamp and snapshot roles of a root.
fn rotation_keys(root: &[u8]) -> Option<Vec<(Vec<String>, u64)>> {
    let v: Value = serde_json::from_slice(root).ok()?;
    ["timestamp", "snapshot"]
        .iter()
        .map(|r| {
            let role = &v["signed"]["roles"][r];
            let mut ids: Vec<String> = role["keyids"]
                .as_array()?
                .iter()
                .map(|k| k.as_str().map(str::to_string))
                .collect::<Option<_>>()?;
            ids.sort();
            Some((ids, role["threshold"].as_u64()?))
        })
        .collect()
}

/// Re-signs `data` with the fixture key of `role` and publishes it: the
/// listing in snapshot (for targets roles) and in timestamp are updated
/// with version, length and sha256, and those are re-signed as well.
fn publish(files: &mut HashMap<String, Vec<u8>>, name: &str, role: &str, data: &[u8]) {
    let Ok(mut doc) = serde_json::from_slice::<Value>(data) else {
        files.insert(name.to_string(), data.to_vec());
        return;
    };
    if !doc.get("signed").is_some_and(Value::is_object)
        || tuf_core::json::canonicalize_value(&doc["signed"]).is_err()
    {
        files.insert(name.to_string(), data.to_vec());
        return;
    }
    resign(&mut doc, &[&attacks_key(role)]);
    let bytes = to_bytes(&doc);
    let version = doc["signed"]["version"].clone();
    files.insert(name.to_string(), bytes.clone());
    let listing = |bytes: &[u8]| {
        serde_json::json!({
            "version": version,
            "length": bytes.len(),
            "hashes": {"sha256": hex::encode(Sha256::digest(bytes))},
        })
    };
    let relist = |files: &mut HashMap<String, Vec<u8>>, lister: &str, file: &str, entry: Value| {
        let Some(Ok(mut doc)) = files
            .get(lister)
            .map(|b| serde_json::from_slice::<Value>(b))
        else {
            return None;
        };
        if !doc["signed"]["meta"].is_object() {
            return None;
        }
        doc["signed"]["meta"][file] = entry;
        resign(&mut doc, &[&attacks_key(lister.trim_end_matches(".json"))]);
        let out = to_bytes(&doc);
        files.insert(lister.to_string(), out.clone());
        Some((doc, out))
    };
    match role {
        "targets" | "role1" => {
            if let Some((snap, out)) = relist(files, "snapshot.json", name, listing(&bytes)) {
                let entry = serde_json::json!({
                    "version": snap["signed"]["version"],
                    "length": out.len(),
                    "hashes": {"sha256": hex::encode(Sha256::digest(&out))},
                });
                relist(files, "timestamp.json", "snapshot.json", entry);
            }
        }
        "snapshot" => {
            relist(files, "timestamp.json", "snapshot.json", listing(&bytes));
        }
        _ => {}
    }
}

struct Check {
    /// Stored version per role after the last step.
    baseline: HashMap<&'static str, u64>,
    /// The stored root after the last step.
    root: Vec<u8>,
}

impl Check {
    fn observe(&mut self, store: &MemStore, served: &HashMap<String, Vec<u8>>, what: &str) {
        let stored = |role: &str| store.files.get(role).and_then(|b| version_of(b));
        let root_bytes = store
            .files
            .get("root")
            .expect("the trusted root is never removed");
        let root = version_of(root_bytes).expect("a stored root has a version");
        let old_root = self.baseline["root"];
        assert!(
            root >= old_root,
            "{what}: root went back from {old_root} to {root}"
        );
        // 5.3.11: did any root of the chain just walked rotate the
        // timestamp or snapshot keys? Then their baselines restart.
        let mut rotated = false;
        let mut prev = rotation_keys(&self.root);
        for v in old_root.saturating_add(1)..=root {
            let next = if v == root {
                rotation_keys(root_bytes)
            } else {
                served
                    .get(&format!("{v}.root.json"))
                    .and_then(|b| rotation_keys(b))
            };
            if next.is_none() || prev.is_none() || next != prev {
                rotated = true;
            }
            prev = next;
        }
        if rotated {
            self.baseline.retain(|r, _| *r == "root");
        }
        self.baseline.insert("root", root);
        self.root = root_bytes.clone();
        for role in &ROLES[1..] {
            match (self.baseline.get(role), stored(role)) {
                (Some(&old), Some(new)) => {
                    assert!(new >= old, "{what}: {role} went back from {old} to {new}");
                    self.baseline.insert(role, new);
                }
                (Some(&old), None) => {
                    panic!("{what}: stored {role} (version {old}) vanished without a key rotation")
                }
                (None, Some(new)) => {
                    self.baseline.insert(role, new);
                }
                (None, None) => {}
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut served = load_metadata("attacks", "1");
    let mut store = MemStore::default();
    store
        .files
        .insert("root".into(), served["1.root.json"].clone());
    let mut updater = Updater::new(Config::default(), BASE_URL, MemFetcher::default(), store);
    let mut check = Check {
        baseline: HashMap::from([("root", 1)]),
        root: served["1.root.json"].clone(),
    };
    let mut input = Input(data);
    for _ in 0..MAX_STEPS {
        let Some(op) = input.byte() else { break };
        match op % 5 {
            0 | 1 => {
                let (Some(slot), Some(bytes)) = (input.byte(), input.data()) else {
                    break;
                };
                let (name, role) = SLOTS[usize::from(slot) % SLOTS.len()];
                if op % 5 == 0 {
                    served.insert(name.to_string(), bytes.to_vec());
                } else {
                    publish(&mut served, name, role, bytes);
                }
            }
            2 => {
                updater.fetcher_mut().files = served.clone();
                let result = updater.refresh(ref_time());
                check.observe(updater.store(), &served, "refresh");
                if let Ok(report) = result {
                    let stored = |r: &str| updater.store().files.get(r).and_then(|b| version_of(b));
                    assert_eq!(stored("root"), Some(report.root_version));
                    assert_eq!(stored("timestamp"), Some(report.timestamp_version));
                    assert_eq!(stored("snapshot"), Some(report.snapshot_version));
                    assert_eq!(stored("targets"), Some(report.targets_version));
                }
            }
            3 => {
                let Some(n) = input.byte() else { break };
                if updater.trusted().is_some() {
                    updater.fetcher_mut().files = served.clone();
                    let _ = updater.get_target_info(NAMES[usize::from(n) % NAMES.len()]);
                    check.observe(updater.store(), &served, "lookup");
                }
            }
            _ => {
                let Some(slot) = input.byte() else { break };
                served.remove(SLOTS[usize::from(slot) % SLOTS.len()].0);
            }
        }
    }
});
