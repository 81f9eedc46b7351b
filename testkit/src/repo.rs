//! A small TUF repository built in memory, signed with ed25519 keys the
//! kit derives from their names, so that state-machine tests need no
//! python fixtures: every role is its `signed` object as JSON, edited by
//! the test, and signed when its bytes are asked for. The snapshot lists
//! the targets roles as they are at that moment, the timestamp lists the
//! snapshot, so a test that changes a role after taking the bytes of its
//! referrer gets a listing that no longer matches.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::keys::{resign, to_bytes, FixtureKey};

/// Expiry of everything the builder makes: far after the reference time.
pub const FAR_FUTURE: &str = "2100-01-01T00:00:00Z";
/// One second before the fixtures' reference time (2030-01-01).
pub const JUST_EXPIRED: &str = "2029-12-31T23:59:59Z";

/// An ed25519 key derived from `name` (seed: SHA-256 of the name), the
/// same in every run.
pub fn key(name: &str) -> FixtureKey {
    let seed: [u8; 32] = Sha256::digest(format!("tuf-testkit repo key: {name}")).into();
    FixtureKey::from_seed(seed)
}

/// Signs `signed` with each key: the bytes of a metadata document.
pub fn sign(signed: &Value, keys: &[FixtureKey]) -> Vec<u8> {
    let mut doc = json!({"signatures": [], "signed": signed});
    resign(&mut doc, &keys.iter().collect::<Vec<_>>());
    to_bytes(&doc)
}

/// A snapshot or timestamp entry for `bytes` at `version`, with length
/// and sha256 when `hashes`.
pub fn listing(bytes: &[u8], version: &Value, hashes: bool) -> Value {
    if hashes {
        json!({
            "version": version,
            "length": bytes.len(),
            "hashes": {"sha256": hex::encode(Sha256::digest(bytes))},
        })
    } else {
        json!({ "version": version })
    }
}

pub struct Repo {
    pub root: Value,
    pub timestamp: Value,
    pub snapshot: Value,
    /// Targets roles by name (`targets` and delegated ones), signed parts.
    pub targets: BTreeMap<String, Value>,
    /// The keys that sign each role (top-level roles and delegated ones).
    pub signers: BTreeMap<String, Vec<FixtureKey>>,
    /// Whether snapshot and timestamp list length and sha256, or only
    /// versions.
    pub hashes: bool,
}

impl Default for Repo {
    fn default() -> Self {
        Repo::new()
    }
}

impl Repo {
    /// Version 1 of every top-level role, one key each (named after the
    /// role), threshold 1, targets listing nothing and delegating nothing.
    pub fn new() -> Repo {
        let mut repo = Repo {
            root: json!({
                "_type": "root",
                "spec_version": "1.0.31",
                "version": 1,
                "expires": FAR_FUTURE,
                "consistent_snapshot": false,
                "keys": {},
                "roles": {},
            }),
            timestamp: json!({
                "_type": "timestamp",
                "spec_version": "1.0.31",
                "version": 1,
                "expires": FAR_FUTURE,
                "meta": {},
            }),
            snapshot: json!({
                "_type": "snapshot",
                "spec_version": "1.0.31",
                "version": 1,
                "expires": FAR_FUTURE,
                "meta": {},
            }),
            targets: BTreeMap::new(),
            signers: BTreeMap::new(),
            hashes: true,
        };
        repo.targets
            .insert("targets".into(), targets_role(1, json!({})));
        for role in ["root", "timestamp", "snapshot", "targets"] {
            repo.set_role_keys(role, &[key(role)], 1);
        }
        repo
    }

    /// Root lists `keys` for top-level `role` with `threshold`, and they
    /// sign it.
    pub fn set_role_keys(&mut self, role: &str, keys: &[FixtureKey], threshold: u64) {
        for k in keys {
            self.root["keys"][k.keyid()] = k.key_json();
        }
        let keyids: Vec<&str> = keys.iter().map(|k| k.keyid()).collect();
        self.root["roles"][role] = json!({"keyids": keyids, "threshold": threshold});
        self.signers.insert(role.into(), keys.to_vec());
    }

    /// `parent` delegates `role` (paths `paths`, `terminating`) to the
    /// key named after the role, threshold 1; the role starts at version
    /// 1, listing nothing, signed by that key.
    pub fn delegate(&mut self, parent: &str, role: &str, paths: &[&str], terminating: bool) {
        let k = key(role);
        let delegator = self.targets.get_mut(parent).expect("delegating role");
        if delegator.get("delegations").is_none() {
            delegator["delegations"] = json!({"keys": {}, "roles": []});
        }
        delegator["delegations"]["keys"][k.keyid()] = k.key_json();
        let entry = json!({
            "name": role,
            "keyids": [k.keyid()],
            "threshold": 1,
            "terminating": terminating,
            "paths": paths,
        });
        delegator["delegations"]["roles"]
            .as_array_mut()
            .expect("roles array")
            .push(entry);
        self.targets.insert(role.into(), targets_role(1, json!({})));
        self.signers.insert(role.into(), vec![k]);
    }

    /// `role` lists a target at `path` with these bytes.
    pub fn list_target(&mut self, role: &str, path: &str, bytes: &[u8]) {
        self.role(role)["targets"][path] = target_entry(bytes);
    }

    /// A signed part of a targets role.
    pub fn role(&mut self, name: &str) -> &mut Value {
        self.targets
            .get_mut(name)
            .unwrap_or_else(|| panic!("no role {name}"))
    }

    fn signed_by(&self, role: &str, signed: &Value) -> Vec<u8> {
        sign(signed, &self.signers[role])
    }

    pub fn root_bytes(&self) -> Vec<u8> {
        self.signed_by("root", &self.root)
    }

    pub fn targets_bytes(&self, role: &str) -> Vec<u8> {
        self.signed_by(role, &self.targets[role])
    }

    /// The snapshot, listing every targets role as it is now.
    pub fn snapshot_bytes(&mut self) -> Vec<u8> {
        let mut meta = json!({});
        for (name, signed) in &self.targets {
            let bytes = self.signed_by(name, signed);
            meta[format!("{name}.json")] = listing(&bytes, &signed["version"], self.hashes);
        }
        self.snapshot["meta"] = meta;
        self.signed_by("snapshot", &self.snapshot)
    }

    /// The timestamp, listing the snapshot as it is now.
    pub fn timestamp_bytes(&mut self) -> Vec<u8> {
        let snapshot = self.snapshot_bytes();
        self.timestamp["meta"] = json!({
            "snapshot.json": listing(&snapshot, &self.snapshot["version"], self.hashes)
        });
        self.signed_by("timestamp", &self.timestamp)
    }
}

/// A targets role's signed part at `version`, listing `targets`.
pub fn targets_role(version: u64, targets: Value) -> Value {
    json!({
        "_type": "targets",
        "spec_version": "1.0.31",
        "version": version,
        "expires": FAR_FUTURE,
        "targets": targets,
    })
}

/// A `targets` entry for a file with these bytes.
pub fn target_entry(bytes: &[u8]) -> Value {
    json!({
        "length": bytes.len(),
        "hashes": {"sha256": hex::encode(Sha256::digest(bytes))},
    })
}
