//! Hostile metadata: the python-tuf `attacks` fixture (attacks/1: root v1;
//! timestamp, snapshot, targets and role1 at v2; targets lists file1.txt
//! and file2.txt and delegates r1/* to role1, which lists r1/a.txt;
//! snapshot and timestamp list length and sha256) edited in Rust and signed
//! again with the fixture's own keys (see `keys`), so every signature and
//! every hash listing is valid and the hostile property is the only thing
//! wrong.

use std::collections::HashMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tuf_core::updater::encode_role;

use crate::fixtures::metadata_file;
use crate::keys::{attacks_key, resign, to_bytes, FixtureKey};

/// A document of attacks/1 as JSON.
pub fn fixture_doc(name: &str) -> Value {
    serde_json::from_slice(&metadata_file("attacks", "1", name)).expect("fixture JSON")
}

/// A new release of the attacks repository: targets roles, snapshot and
/// timestamp as JSON, published with fresh signatures and listings.
pub struct Release {
    pub timestamp: Value,
    pub snapshot: Value,
    /// Targets roles in publishing order, with their signing keys.
    pub roles: Vec<(String, Value, Vec<FixtureKey>)>,
    /// Whether snapshot and timestamp list length and sha256 (as the
    /// fixture does) or only versions.
    pub list_lengths: bool,
    /// Lengths listed in place of the real ones: (file name, length).
    pub listed_lengths: Vec<(String, u64)>,
    /// Hashes listed beside sha256: (file name, algorithm, hex digest).
    pub listed_hashes: Vec<(String, String, String)>,
    /// Text put in place of a placeholder string in a role's bytes and in
    /// the canonical form its signature covers: how documents no JSON
    /// library here can hold (100,000 levels deep, 5 MB numbers) are
    /// signed correctly anyway.
    pub splices: Vec<(String, String, String)>,
    /// Newer roots to serve: (version, bytes).
    pub roots: Vec<(u64, Vec<u8>)>,
    /// Edits of a role's signature list after signing.
    pub sig_edits: Vec<(String, SigEdit)>,
}

pub type SigEdit = Box<dyn Fn(&mut Vec<Value>)>;

impl Release {
    pub fn base() -> Release {
        Release {
            timestamp: fixture_doc("timestamp.json"),
            snapshot: fixture_doc("snapshot.json"),
            roles: vec![
                (
                    "targets".into(),
                    fixture_doc("targets.json"),
                    vec![attacks_key("targets")],
                ),
                (
                    "role1".into(),
                    fixture_doc("role1.json"),
                    vec![attacks_key("role1")],
                ),
            ],
            list_lengths: true,
            listed_lengths: Vec::new(),
            listed_hashes: Vec::new(),
            splices: Vec::new(),
            roots: Vec::new(),
            sig_edits: Vec::new(),
        }
    }

    pub fn role(&mut self, name: &str) -> &mut Value {
        let entry = self.roles.iter_mut().find(|(n, _, _)| n == name);
        &mut entry.unwrap_or_else(|| panic!("no role {name}")).1
    }

    pub fn signed(&mut self, name: &str) -> &mut Value {
        match name {
            "timestamp" => &mut self.timestamp["signed"],
            "snapshot" => &mut self.snapshot["signed"],
            role => &mut self.role(role)["signed"],
        }
    }

    pub fn add_role(&mut self, name: &str, signed: Value, keys: Vec<FixtureKey>) {
        let doc = json!({"signatures": [], "signed": signed});
        self.roles.push((name.to_string(), doc, keys));
    }

    pub fn edit_signatures(&mut self, role: &str, edit: impl Fn(&mut Vec<Value>) + 'static) {
        self.sig_edits.push((role.to_string(), Box::new(edit)));
    }

    pub fn splice(&mut self, role: &str, placeholder: &str, replacement: String) {
        self.splices
            .push((role.into(), format!("\"{placeholder}\""), replacement));
    }

    /// Served name -> bytes of everything this release changes.
    pub fn publish(&self) -> HashMap<String, Vec<u8>> {
        let mut files = HashMap::new();
        let mut snapshot = self.snapshot.clone();
        for (name, doc, keys) in &self.roles {
            let bytes = self.sign_spliced(name, doc, keys);
            let file = format!("{name}.json");
            let entry = self.listing(&file, &doc["signed"]["version"], &bytes);
            snapshot["signed"]["meta"][file] = entry;
            files.insert(format!("{}.json", encode_role(name)), bytes);
        }
        let snapshot_bytes = self.sign_spliced("snapshot", &snapshot, &[attacks_key("snapshot")]);
        let mut timestamp = self.timestamp.clone();
        timestamp["signed"]["meta"]["snapshot.json"] = self.listing(
            "snapshot.json",
            &snapshot["signed"]["version"],
            &snapshot_bytes,
        );
        let timestamp_bytes =
            self.sign_spliced("timestamp", &timestamp, &[attacks_key("timestamp")]);
        files.insert("snapshot.json".into(), snapshot_bytes);
        files.insert("timestamp.json".into(), timestamp_bytes);
        for (version, bytes) in &self.roots {
            files.insert(format!("{version}.root.json"), bytes.clone());
        }
        files
    }

    fn listing(&self, file: &str, version: &Value, bytes: &[u8]) -> Value {
        let listed = self.listed_lengths.iter().find(|(f, _)| f == file);
        let length = listed.map_or(bytes.len() as u64, |(_, l)| *l);
        if self.list_lengths {
            let mut hashes = json!({"sha256": hex::encode(Sha256::digest(bytes))});
            for (_, algorithm, digest) in self.listed_hashes.iter().filter(|h| h.0 == file) {
                hashes[algorithm] = json!(digest);
            }
            json!({
                "version": version,
                "length": length,
                "hashes": hashes,
            })
        } else {
            json!({ "version": version })
        }
    }

    fn sign_spliced(&self, role: &str, doc: &Value, keys: &[FixtureKey]) -> Vec<u8> {
        let splices: Vec<_> = self.splices.iter().filter(|s| s.0 == role).collect();
        let apply = |text: String| {
            splices
                .iter()
                .fold(text, |t, (_, from, to)| t.replacen(from, to, 1))
        };
        let canonical = tuf_core::json::canonicalize_value(&doc["signed"]).unwrap();
        let canonical = apply(String::from_utf8(canonical).unwrap());
        let mut sigs: Vec<Value> = keys
            .iter()
            .map(|k| json!({"keyid": k.keyid(), "sig": k.sign_hex(canonical.as_bytes())}))
            .collect();
        for (_, edit) in self.sig_edits.iter().filter(|e| e.0 == role) {
            edit(&mut sigs);
        }
        let mut doc = doc.clone();
        doc["signatures"] = Value::Array(sigs);
        apply(String::from_utf8(to_bytes(&doc)).unwrap()).into_bytes()
    }
}

/// Root version `version` of the attacks repository, edited by `edit`
/// and signed by root-1 (the trusted root's key, which stays listed).
pub fn root_release(version: u64, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut doc = fixture_doc("1.root.json");
    doc["signed"]["version"] = json!(version);
    edit(&mut doc["signed"]);
    resign(&mut doc, &[&attacks_key("root")]);
    to_bytes(&doc)
}
