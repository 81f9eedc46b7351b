//! An in-memory repository served from the python-tuf fixtures, and an
//! in-memory metadata store, for driving `tuf_core::updater::Updater`
//! without I/O.

use std::collections::HashMap;

use tuf_core::error::Result;
use tuf_core::updater::Fetcher;

// The test kit's fixture loader (testkit/ is in the main workspace; this
// crate has its own, so the file is included rather than depended on).
#[allow(dead_code)]
#[path = "../../testkit/src/fixtures.rs"]
mod fixtures;

pub use fixtures::{ref_time, version_of, MemStore, BASE_URL};

/// The metadata files of one fixture state, by served name.
pub fn load_metadata(repo: &str, state: &str) -> HashMap<String, Vec<u8>> {
    fixtures::metadata_files(repo, state)
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
        fixtures::serve_mem(url, max_len, &mut self.log, |name| {
            self.files.get(name).cloned()
        })
    }
}
