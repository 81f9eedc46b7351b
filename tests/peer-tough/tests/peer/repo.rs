//! Repositories written by tough's editor, and the on-disk layout both
//! clients read.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tempfile::TempDir;
use tough::editor::signed::SignedRole;
use tough::editor::RepositoryEditor;
use tough::schema::decoded::{Decoded, Hex};
use tough::schema::{Hashes, KeyHolder, PathPattern, PathSet, RoleKeys, RoleType, Root, Target};
use tough::TargetName;

use crate::json::{self, sha256, Style};
use crate::keys::{KeyPair, Keys};

/// Expiry every role gets unless a case says otherwise.
pub const VALID: &str = "2100-01-01T00:00:00Z";
/// An expiry in the past for both clients (see `main.rs`).
pub const EXPIRED: &str = "2020-01-01T00:00:00Z";

pub const HELLO: &str = "hello.txt";
pub const NESTED: &str = "nested/dir/data.bin";
pub const DELEGATED_ROLE: &str = "delegated";
pub const DELEGATED_PATTERN: &str = "delegated/*";
pub const DELEGATED_TARGET: &str = "delegated/pkg.tar";
/// The targets every scenario looks up, the delegated one included.
pub const LOOKUPS: &[&str] = &[HELLO, NESTED, DELEGATED_TARGET];

/// The `custom.note` of `hello.txt`. It holds what canonical JSON must
/// carry through untouched: the two escaped characters, a solidus, raw
/// control characters, and non-ASCII text (in NFC, see [`NOTE_NFD`]).
pub const NOTE: &str =
    "quote \" backslash \\ solidus / newline \n tab \t bell \u{7} NFC \u{e9} \u{2713} astral \u{1d11e}";
/// The same kind of text in decomposed form: `e` + U+0301 COMBINING ACUTE.
/// tough's canonical JSON (olpc-cjson) NFC-normalises strings before
/// signing; securesystemslib's, which tuf-core implements, does not.
pub const NOTE_NFD: &str = "NFD e\u{301}";

/// The version and expiry of one role.
#[derive(Debug, Clone, Copy)]
pub struct RoleSpec {
    pub version: u64,
    pub expires: &'static str,
}

impl RoleSpec {
    pub const fn new(version: u64) -> RoleSpec {
        RoleSpec {
            version,
            expires: VALID,
        }
    }
}

/// One generation of the repository: what the editor is told to sign.
#[derive(Debug, Clone, Copy)]
pub struct Generation {
    pub timestamp: RoleSpec,
    pub snapshot: RoleSpec,
    pub targets: RoleSpec,
    pub delegated: RoleSpec,
    pub note: &'static str,
}

impl Generation {
    /// Timestamp, snapshot and targets at `version`; the delegated role
    /// stays at version 1 (it does not change between generations).
    pub const fn new(version: u64) -> Generation {
        Generation {
            timestamp: RoleSpec::new(version),
            snapshot: RoleSpec::new(version),
            targets: RoleSpec::new(version),
            delegated: RoleSpec::new(1),
            note: NOTE,
        }
    }
}

/// Content of each target; the same in every generation.
fn target_content(name: &str) -> Vec<u8> {
    match name {
        HELLO => b"hello from tough's editor\n".to_vec(),
        NESTED => (0..4096u32).map(|i| (i * 7 % 251) as u8).collect(),
        DELEGATED_TARGET => b"payload signed for by the delegated role\n".to_vec(),
        _ => panic!("no content for {name}"),
    }
}

/// A repository on disk: `metadata/` and `targets/` under a temp dir.
pub struct Repo {
    dir: TempDir,
    consistent: bool,
    /// Target name -> file under `targets/`, in the layout tough's client
    /// requests (with consistent snapshots: `<sha256>.<name>`).
    target_files: BTreeMap<String, PathBuf>,
}

impl Repo {
    fn empty(consistent: bool) -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("metadata")).expect("metadata dir");
        std::fs::create_dir_all(dir.path().join("targets")).expect("targets dir");
        Repo {
            dir,
            consistent,
            target_files: BTreeMap::new(),
        }
    }

    pub fn metadata_dir(&self) -> PathBuf {
        self.dir.path().join("metadata")
    }

    pub fn targets_dir(&self) -> PathBuf {
        self.dir.path().join("targets")
    }

    /// The file holding target `name`, if the repository has one.
    pub fn target_file(&self, name: &str) -> Option<PathBuf> {
        self.target_files
            .get(name)
            .map(|p| self.targets_dir().join(p))
    }

    /// Where target `name` lives under `targets/`.
    pub fn target_relative(&self, name: &str) -> Option<&Path> {
        self.target_files.get(name).map(PathBuf::as_path)
    }

    /// Adds a target file at its plain path (non-consistent layout).
    pub fn add_target_file(&mut self, name: &str, content: &[u8]) {
        assert!(!self.consistent, "only for the plain layout");
        let path = self.targets_dir().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("target dir");
        std::fs::write(&path, content).expect("write target");
        self.target_files
            .insert(name.to_string(), PathBuf::from(name));
    }

    /// Bytes of metadata file `file` (e.g. `timestamp.json`).
    pub fn read(&self, file: &str) -> Vec<u8> {
        let path = self.metadata_dir().join(file);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn write(&self, file: &str, bytes: &[u8]) {
        let path = self.metadata_dir().join(file);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    pub fn read_json(&self, file: &str) -> Value {
        serde_json::from_slice(&self.read(file))
            .unwrap_or_else(|e| panic!("{file} is not JSON: {e}"))
    }

    /// Writes `doc` as tough does (pretty-printed, trailing newline).
    pub fn write_json(&self, file: &str, doc: &Value) {
        self.write(file, &json::render(doc, Style::Pretty));
    }

    /// Replaces the signatures of `file` with fresh ones by `signers` over
    /// its current `signed` object.
    pub async fn resign(&self, file: &str, signers: &[&KeyPair]) {
        let mut doc = self.read_json(file);
        json::resign(&mut doc, signers).await;
        self.write_json(file, &doc);
    }

    /// After `changed` was rewritten, updates the length and sha256 that
    /// the referring metadata lists for it, re-signs that with its proper
    /// key, and so on up to timestamp.json: the change then reaches the
    /// client's signature check instead of stopping at a hash mismatch.
    pub async fn repin(&self, keys: &Keys, changed: &str) {
        let referrer = match changed {
            "snapshot.json" => "timestamp.json",
            "targets.json" | "delegated.json" => "snapshot.json",
            _ => panic!("nothing pins {changed}"),
        };
        let mut doc = self.read_json(referrer);
        json::pin(&mut doc, changed, &self.read(changed));
        json::resign(&mut doc, &[keys.for_file(referrer)]).await;
        self.write_json(referrer, &doc);
        if referrer != "timestamp.json" {
            Box::pin(self.repin(keys, referrer)).await;
        }
    }

    /// An independent copy, for a case to mutate.
    pub fn copy(&self) -> Repo {
        let copy = Repo {
            dir: tempfile::tempdir().expect("temp dir"),
            consistent: self.consistent,
            target_files: self.target_files.clone(),
        };
        copy_tree(self.dir.path(), copy.dir.path());
        copy
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy file");
        }
    }
}

fn nonzero(v: u64) -> NonZeroU64 {
    NonZeroU64::new(v).expect("versions given to tough's editor are >= 1")
}

fn timestamp(s: &str) -> jiff::Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad test timestamp {s}: {e}"))
}

/// Sets the version and expiry of the targets role being edited.
fn set_version_and_expiry(editor: &mut RepositoryEditor, spec: RoleSpec) {
    editor
        .targets_version(nonzero(spec.version))
        .expect("targets version");
    editor
        .targets_expires(timestamp(spec.expires))
        .expect("targets expiry");
}

fn keyid(key: &KeyPair) -> Decoded<Hex> {
    key.public.key_id().expect("keyid")
}

/// Keys, a trusted root, and a way to write generations signed under it.
pub struct Fixture {
    pub keys: Keys,
    pub consistent: bool,
    root: Root,
    /// `1.root.json` exactly as written; both clients start from it.
    pub trusted_root: Vec<u8>,
}

impl Fixture {
    pub async fn new(consistent: bool) -> Fixture {
        let keys = Keys::load().await;
        let root = root_metadata(&keys, consistent, 1, &keys.root);
        let signed = SignedRole::new(
            root.clone(),
            &KeyHolder::Root(root.clone()),
            &[keys.root.source()],
            &aws_lc_rs::rand::SystemRandom::new(),
        )
        .await
        .expect("tough signs root version 1");
        let trusted_root = signed.buffer().clone();
        Fixture {
            keys,
            consistent,
            root,
            trusted_root,
        }
    }

    /// Writes `generation` with tough's editor: targets `hello.txt` and
    /// `nested/dir/data.bin` in top-level targets (RSA key), a delegation
    /// of `delegated/*` to role `delegated` (ECDSA key) which lists
    /// `delegated/pkg.tar`, and snapshot (ECDSA) and timestamp (Ed25519).
    pub async fn write(&self, generation: &Generation) -> Repo {
        let keys = &self.keys;
        let mut repo = Repo::empty(self.consistent);
        let root_path = repo.metadata_dir().join("1.root.json");
        std::fs::write(&root_path, &self.trusted_root).expect("write root");

        let mut editor = RepositoryEditor::new(&root_path)
            .await
            .expect("tough's editor loads root");
        set_version_and_expiry(&mut editor, generation.targets);
        let custom = json!({
            "note": generation.note,
            "build": 42,
            "flags": [true, false, null],
            "nested": { "z": 1, "a": {}, "\u{e9}t\u{e9}": "\u{fc}" },
        });
        for name in [HELLO, NESTED] {
            let custom = if name == HELLO { Some(&custom) } else { None };
            let target = self.stage_target(&mut repo, name, custom);
            editor
                .add_target(TargetName::new(name).expect("target name"), target)
                .expect("add target");
        }
        editor
            .delegate_role(
                DELEGATED_ROLE,
                &[keys.delegated.source()],
                PathSet::Paths(vec![PathPattern::new(DELEGATED_PATTERN).expect("pattern")]),
                false,
                nonzero(1),
                timestamp(generation.delegated.expires),
                nonzero(generation.delegated.version),
            )
            .await
            .expect("delegate role");
        editor
            .sign_targets_editor(&[keys.targets.source()])
            .await
            .expect("sign top-level targets");

        editor
            .change_delegated_targets(DELEGATED_ROLE)
            .expect("edit delegated role");
        set_version_and_expiry(&mut editor, generation.delegated);
        let target = self.stage_target(&mut repo, DELEGATED_TARGET, None);
        editor
            .add_target(
                TargetName::new(DELEGATED_TARGET).expect("target name"),
                target,
            )
            .expect("add delegated target");
        editor
            .sign_targets_editor(&[keys.delegated.source()])
            .await
            .expect("sign delegated role");

        editor
            .snapshot_version(nonzero(generation.snapshot.version))
            .snapshot_expires(timestamp(generation.snapshot.expires))
            .timestamp_version(nonzero(generation.timestamp.version))
            .timestamp_expires(timestamp(generation.timestamp.expires));
        let signed = editor
            .sign(&[keys.snapshot.source(), keys.timestamp.source()])
            .await
            .expect("tough signs snapshot and timestamp");
        signed
            .write(repo.metadata_dir())
            .await
            .expect("tough writes the repository");
        repo
    }

    /// Writes target `name` where tough's client will look for it and
    /// returns its entry for targets metadata.
    fn stage_target(&self, repo: &mut Repo, name: &str, custom: Option<&Value>) -> Target {
        let content = target_content(name);
        let digest = sha256(&content);
        let relative = if self.consistent {
            // tough prefixes the whole target path, not its file name
            // (spec 5.7.3 would give nested/dir/<hash>.data.bin).
            PathBuf::from(format!("{}.{name}", hex::encode(&digest)))
        } else {
            PathBuf::from(name)
        };
        let path = repo.targets_dir().join(&relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("target dir");
        std::fs::write(&path, &content).expect("write target");
        repo.target_files.insert(name.to_string(), relative);

        let custom: HashMap<String, Value> = match custom {
            Some(v) => serde_json::from_value(v.clone()).expect("custom is an object"),
            None => HashMap::new(),
        };
        Target {
            length: content.len() as u64,
            hashes: Hashes {
                sha256: Decoded::from(digest),
                _extra: HashMap::new(),
            },
            custom,
            _extra: HashMap::new(),
        }
    }

    /// A root that rotates the root key to `root_next`, version
    /// `version`, signed by the keys chosen: `old` (root version 1's key)
    /// and/or `new` (`root_next`).
    pub async fn rotated_root(&self, version: u64, old: bool, new: bool) -> Vec<u8> {
        let keys = &self.keys;
        let next = root_metadata(keys, self.consistent, version, &keys.root_next);
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let sign_as = |holder: Root, key: &KeyPair| {
            let next = next.clone();
            let source = key.source();
            let rng = &rng;
            async move {
                SignedRole::new(next, &KeyHolder::Root(holder), &[source], rng)
                    .await
                    .expect("tough signs a root")
            }
        };
        let by_new = sign_as(next.clone(), &keys.root_next).await;
        let by_old = sign_as(self.root.clone(), &keys.root).await;
        let signed = match (old, new) {
            (true, true) => by_new
                .add_old_signatures(by_old.signed().signatures.clone())
                .expect("cross-signed root"),
            (false, true) => by_new,
            (true, false) => by_old,
            (false, false) => panic!("a root needs a signer"),
        };
        signed.buffer().clone()
    }
}

/// Root metadata trusting `root_key` for root and the fixed keys for the
/// other top-level roles, threshold 1 each.
fn root_metadata(keys: &Keys, consistent: bool, version: u64, root_key: &KeyPair) -> Root {
    let roles = [
        (RoleType::Root, root_key),
        (RoleType::Timestamp, &keys.timestamp),
        (RoleType::Snapshot, &keys.snapshot),
        (RoleType::Targets, &keys.targets),
    ];
    Root {
        spec_version: "1.0.0".to_string(),
        consistent_snapshot: consistent,
        version: nonzero(version),
        expires: timestamp(VALID),
        keys: roles
            .iter()
            .map(|(_, key)| (keyid(key), key.public.clone()))
            .collect(),
        roles: roles
            .iter()
            .map(|(role, key)| {
                let role_keys = RoleKeys {
                    keyids: vec![keyid(key)],
                    threshold: nonzero(1),
                    _extra: HashMap::new(),
                };
                (*role, role_keys)
            })
            .collect(),
        _extra: HashMap::new(),
    }
}
