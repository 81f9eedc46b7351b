//! Shared harness for the fixture-driven tests: a repository "server" that
//! serves one state directory of a python-tuf generated repository and
//! records every request, an in-memory metadata store, and helpers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tuf_core::config::Config;
use tuf_core::error::{Error, ErrorKind, Result};
use tuf_core::time::{parse_expires, UnixTime};
use tuf_core::updater::{Fetcher, Updater};

/// The reference time the fixtures are made for (valid until 2100).
pub fn ref_time() -> UnixTime {
    parse_expires("2030-01-01T00:00:00Z").unwrap()
}

/// Where `tests/fixtures/generate.py` wrote its repositories.
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
        let name = url
            .strip_prefix(BASE_URL)
            .ok_or_else(|| Error::io(format!("unexpected URL {url}")))?;
        self.log.push(name.to_string());
        let body = match self.overrides.get(name) {
            Some(b) => b.clone(),
            None => std::fs::read(self.state.join("metadata").join(name))
                .map_err(|_| Error::not_found(format!("{url}: 404")))?,
        };
        if body.len() as u64 > max_len {
            return Err(Error::download_size(format!(
                "{url}: more than {max_len} bytes"
            )));
        }
        Ok(body)
    }
}

/// Metadata store in memory.
pub type MemStore = tuf_core::updater::MemoryStore;

pub type TestUpdater = Updater<DirFetcher, MemStore>;

/// A client that trusts `1.root.json` of `<repo>/<root_state>` and talks to
/// `<repo>/<state>`.
pub fn client_with(repo: &str, state: &str, config: Config) -> TestUpdater {
    let mut store = MemStore::default();
    store
        .files
        .insert("root".into(), metadata_file(repo, "1", "1.root.json"));
    Updater::new(
        config,
        BASE_URL,
        DirFetcher::new(state_dir(repo, state)),
        store,
    )
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
    let bytes = stored(u, role)?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v["signed"]["version"].as_u64()
}

#[track_caller]
pub fn assert_kind<T: std::fmt::Debug>(r: Result<T>, kind: ErrorKind) -> Error {
    match r {
        Err(e) if e.kind() == kind => e,
        other => panic!("expected {kind:?} error, got {other:?}"),
    }
}
