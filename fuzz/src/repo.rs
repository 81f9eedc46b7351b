//! An in-memory repository served from the python-tuf fixtures, and an
//! in-memory metadata store, for driving `tuf_core::updater::Updater`
//! without I/O.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tuf_core::error::{Error, Result};
use tuf_core::time::{parse_expires, UnixTime};
use tuf_core::updater::Fetcher;

/// URL prefix of the in-memory repository's metadata.
pub const BASE_URL: &str = "mem://repo/";

/// The reference time the fixtures are made for (valid until 2100).
pub fn ref_time() -> UnixTime {
    parse_expires("2030-01-01T00:00:00Z").expect("fixed time")
}

/// Where `tests/fixtures/generate.py` wrote its repositories:
/// `$TUF_FIXTURES`, else `target/fixtures` of the main workspace.
pub fn fixtures_dir() -> PathBuf {
    let dir = std::env::var_os("TUF_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fixtures"));
    assert!(
        dir.join("VERSION").exists(),
        "fixtures missing at {}: run scripts/fuzz or scripts/test (they generate them)",
        dir.display()
    );
    dir
}

/// The metadata files of one fixture state, by served name.
pub fn load_metadata(repo: &str, state: &str) -> HashMap<String, Vec<u8>> {
    let dir = fixtures_dir().join(repo).join(state).join("metadata");
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("fixture entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        files.insert(name, std::fs::read(&path).expect("fixture file"));
    }
    files
}

/// Serves `files` (served name -> bytes) for URLs `mem://repo/<name>`,
/// honouring the byte cap like the HTTP fetcher, and logs requests.
#[derive(Default, Clone)]
pub struct MemFetcher {
    pub files: HashMap<String, Vec<u8>>,
    pub log: Vec<String>,
}

impl Fetcher for MemFetcher {
    fn fetch(&mut self, url: &str, max_len: u64) -> Result<Vec<u8>> {
        let name = url
            .strip_prefix(BASE_URL)
            .ok_or_else(|| Error::io(format!("unexpected URL {url}")))?;
        self.log.push(name.to_string());
        let body = self
            .files
            .get(name)
            .ok_or_else(|| Error::not_found(format!("{url}: 404")))?;
        if body.len() as u64 > max_len {
            return Err(Error::download_size(format!(
                "{url}: more than {max_len} bytes"
            )));
        }
        Ok(body.clone())
    }
}

/// Metadata store in memory.
pub type MemStore = tuf_core::updater::MemoryStore;

/// `signed.version` of metadata bytes, if they are JSON with one.
pub fn version_of(bytes: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    v["signed"]["version"].as_u64()
}
