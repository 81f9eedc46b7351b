//! The python-tuf fixtures of `tests/fixtures/generate.py` and the
//! in-memory client over them: a fetcher serving one state directory with
//! a request log, the memory store, and assertion helpers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tuf_core::config::Config;
use tuf_core::error::{Error, ErrorKind, Result};
use tuf_core::time::{parse_expires, UnixTime};
use tuf_core::updater::{Fetcher, Updater};

/// The reference time the fixtures are made for (valid until 2100).
pub fn ref_time() -> UnixTime {
    parse_expires("2030-01-01T00:00:00Z").expect("fixed time")
}

/// Where `tests/fixtures/generate.py` wrote its repositories:
/// `$TUF_FIXTURES`, else the workspace's `target/fixtures`.
pub fn fixtures() -> PathBuf {
    let dir = std::env::var_os("TUF_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fixtures"));
    assert!(
        dir.join("VERSION").exists(),
        "fixtures missing at {}: run scripts/test (it generates them with python-tuf)",
        dir.display()
    );
    dir
}

pub fn state_dir(repo: &str, state: &str) -> PathBuf {
    let d = fixtures().join(repo).join(state);
    assert!(d.is_dir(), "no fixture state {}", d.display());
    d
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn metadata_file(repo: &str, state: &str, name: &str) -> Vec<u8> {
    read(&state_dir(repo, state).join("metadata").join(name))
}

pub fn target_file(repo: &str, state: &str, name: &str) -> Vec<u8> {
    read(&state_dir(repo, state).join("targets").join(name))
}

/// The metadata files of a state, by served name.
pub fn metadata_files(repo: &str, state: &str) -> HashMap<String, Vec<u8>> {
    let mut files = HashMap::new();
    load_tree(&state_dir(repo, state).join("metadata"), "", &mut files);
    files
}

/// Every file of a state as `metadata/<name>` and `targets/<path>`.
pub fn state_files(repo: &str, state: &str) -> HashMap<String, Vec<u8>> {
    let dir = state_dir(repo, state);
    let mut files = HashMap::new();
    for sub in ["metadata", "targets"] {
        load_tree(&dir.join(sub), &format!("{sub}/"), &mut files);
    }
    files
}

fn load_tree(dir: &Path, prefix: &str, files: &mut HashMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("read fixture directory").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let key = format!("{prefix}{name}");
        if path.is_dir() {
            load_tree(&path, &format!("{key}/"), files);
        } else {
            files.insert(key, read(&path));
        }
    }
}

/// Serves `<state>/metadata/<name>` for URLs `mem://repo/<name>`.
pub struct DirFetcher {
    pub state: PathBuf,
    pub log: Vec<String>,
    /// Files served instead of the state's (tests that tamper in Rust).
    pub overrides: HashMap<String, Vec<u8>>,
}

pub const BASE_URL: &str = "mem://repo/";

impl DirFetcher {
    pub fn new(state: PathBuf) -> Self {
        DirFetcher {
            state,
            log: Vec::new(),
            overrides: HashMap::new(),
        }
    }
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }
}

impl Fetcher for DirFetcher {
    fn fetch(&mut self, url: &str, max_len: u64) -> Result<Vec<u8>> {
        serve_mem(url, max_len, &mut self.log, |name| {
            let file = self.state.join("metadata").join(name);
            self.overrides
                .get(name)
                .cloned()
                .or_else(|| std::fs::read(file).ok())
        })
    }
}

/// Answers `mem://repo/<name>` with `find(name)` (None: 404), logging the
/// name and honouring the byte cap like the HTTP fetcher.
pub fn serve_mem(
    url: &str,
    max_len: u64,
    log: &mut Vec<String>,
    find: impl FnOnce(&str) -> Option<Vec<u8>>,
) -> Result<Vec<u8>> {
    let name = url
        .strip_prefix(BASE_URL)
        .ok_or_else(|| Error::io(format!("unexpected URL {url}")))?;
    log.push(name.to_string());
    let body = find(name).ok_or_else(|| Error::not_found(format!("{url}: 404")))?;
    if body.len() as u64 > max_len {
        return Err(Error::download_size(format!(
            "{url}: more than {max_len} bytes"
        )));
    }
    Ok(body)
}

/// Metadata store in memory.
pub type MemStore = tuf_core::updater::MemoryStore;

pub type TestUpdater = Updater<DirFetcher, MemStore>;

/// A client that trusts `1.root.json` of `<repo>/1` and talks to
/// `<repo>/<state>`.
pub fn client_with(repo: &str, state: &str, config: Config) -> TestUpdater {
    Updater::new(
        config,
        BASE_URL,
        DirFetcher::new(state_dir(repo, state)),
        trusting_root(repo),
    )
}

/// A store holding only `<repo>/1`'s `1.root.json` as the trusted root.
pub fn trusting_root(repo: &str) -> MemStore {
    let mut store = MemStore::default();
    store
        .files
        .insert("root".into(), metadata_file(repo, "1", "1.root.json"));
    store
}

pub fn client(repo: &str, state: &str) -> TestUpdater {
    client_with(repo, state, Config::default())
}

/// Points the client at another state of the same repository.
pub fn serve(u: &mut TestUpdater, repo: &str, state: &str) {
    u.fetcher_mut().state = state_dir(repo, state);
    u.fetcher_mut().log.clear();
}

pub fn stored(u: &TestUpdater, role: &str) -> Option<Vec<u8>> {
    u.store().files.get(role).cloned()
}

/// The `signed.version` of stored metadata, for asserting trusted state.
pub fn stored_version(u: &TestUpdater, role: &str) -> Option<u64> {
    version_of(&stored(u, role)?)
}

/// `signed.version` of metadata bytes, if they are JSON with one.
pub fn version_of(bytes: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    v["signed"]["version"].as_u64()
}

#[track_caller]
pub fn assert_kind<T: std::fmt::Debug>(r: Result<T>, kind: ErrorKind) -> Error {
    match r {
        Err(e) if e.kind() == kind => e,
        other => panic!("expected {kind:?} error, got {other:?}"),
    }
}
