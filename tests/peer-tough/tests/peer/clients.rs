//! The two clients under comparison, each keeping its trusted state
//! between updates the way a real installation would.

use std::path::PathBuf;

use tempfile::TempDir;
use tough::{ExpirationEnforcement, FilesystemTransport, IntoVec, Limits, RepositoryLoader};
use tuf_core::config::Config;
use tuf_core::delegation::TargetInfo;
use tuf_core::error::{Error, Result};
use tuf_core::hashing::{verify_bytes, Expected};
use tuf_core::time::{parse_expires, UnixTime};
use tuf_core::updater::{Fetcher, RefreshReport, Updater};
use url::Url;

use crate::json::sha256;
use crate::repo::Repo;

/// tuf-core's reference time (see `main.rs`).
pub fn reference_time() -> UnixTime {
    parse_expires("2030-01-01T00:00:00Z").expect("valid reference time")
}

/// A target as a client verified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub name: String,
    pub length: u64,
    /// Hex sha256 listed by the trusted metadata.
    pub sha256: String,
}

// ---------------------------------------------------------------- tuf-core

const BASE_URL: &str = "mem://repo/";

/// Serves `<repo>/metadata/<name>` for `mem://repo/<name>`.
struct DirFetcher {
    metadata: PathBuf,
}

impl Fetcher for DirFetcher {
    fn fetch(&mut self, url: &str, max_len: u64) -> Result<Vec<u8>> {
        let name = url
            .strip_prefix(BASE_URL)
            .ok_or_else(|| Error::io(format!("unexpected URL {url}")))?;
        let body = std::fs::read(self.metadata.join(name))
            .map_err(|_| Error::not_found(format!("{url}: no such file")))?;
        if body.len() as u64 > max_len {
            return Err(Error::download_size(format!(
                "{url}: more than {max_len} bytes"
            )));
        }
        Ok(body)
    }
}

type MemStore = tuf_core::updater::MemoryStore;

/// What one successful tuf-core update saw.
#[derive(Debug)]
pub struct CoreRun {
    pub report: RefreshReport,
    pub infos: Vec<TargetInfo>,
    pub targets: Vec<Verified>,
}

/// tuf-core with an in-memory metadata store that outlives each update.
pub struct CoreClient {
    store: MemStore,
}

impl CoreClient {
    pub fn new(trusted_root: &[u8]) -> CoreClient {
        let mut store = MemStore::default();
        store.files.insert("root".into(), trusted_root.to_vec());
        CoreClient { store }
    }

    /// Refreshes against `repo`, then looks up and verifies each target in
    /// `lookups`. A target no role lists is a `NotFound` error.
    pub fn update(&mut self, repo: &Repo, lookups: &[&str]) -> Result<CoreRun> {
        let fetcher = DirFetcher {
            metadata: repo.metadata_dir(),
        };
        let mut updater = Updater::new(Config::default(), BASE_URL, fetcher, self.store.clone());
        let result = Self::run(&mut updater, repo, lookups);
        // Whatever was verified before a failure stays trusted.
        self.store = updater.store().clone();
        result
    }

    fn run(
        updater: &mut Updater<DirFetcher, MemStore>,
        repo: &Repo,
        lookups: &[&str],
    ) -> Result<CoreRun> {
        let report = updater.refresh(reference_time())?;
        let mut infos = Vec::new();
        let mut targets = Vec::new();
        for &name in lookups {
            let info = updater
                .get_target_info(name)?
                .ok_or_else(|| Error::not_found(format!("target {name:?}: no role lists it")))?;
            let path = repo
                .target_file(name)
                .ok_or_else(|| Error::not_found(format!("target {name:?}: no file")))?;
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::not_found(format!("{}: {e}", path.display())))?;
            verify_bytes(
                name,
                Expected {
                    length: info.length,
                    hashes: &info.hashes,
                },
                &bytes,
            )?;
            let sha256 = info
                .hashes
                .iter()
                .find(|(alg, _)| alg == "sha256")
                .map(|(_, digest)| digest.clone())
                .unwrap_or_default();
            targets.push(Verified {
                name: name.to_string(),
                length: info.length,
                sha256,
            });
            infos.push(info);
        }
        Ok(CoreRun {
            report,
            infos,
            targets,
        })
    }
}

// ------------------------------------------------------------------- tough

/// What one successful tough update saw.
pub struct ToughRun {
    pub repository: tough::Repository,
    pub targets: Vec<Verified>,
}

/// tough's client with a datastore directory that outlives each update,
/// and the same size limits as tuf-core's default [`Config`].
pub struct ToughClient {
    trusted_root: Vec<u8>,
    datastore: TempDir,
}

impl ToughClient {
    pub fn new(trusted_root: &[u8]) -> ToughClient {
        ToughClient {
            trusted_root: trusted_root.to_vec(),
            datastore: tempfile::tempdir().expect("datastore dir"),
        }
    }

    fn limits() -> Limits {
        let core = Config::default();
        Limits {
            max_root_size: core.root_max_length,
            max_targets_size: core.targets_max_length,
            max_timestamp_size: core.timestamp_max_length,
            max_snapshot_size: core.snapshot_max_length,
            max_root_updates: u64::from(core.max_root_rotations),
        }
    }

    /// Loads `repo` and reads each target in `lookups` (tough checks
    /// length and sha256 while streaming). Errors are rendered with their
    /// whole source chain.
    pub async fn update(
        &self,
        repo: &Repo,
        lookups: &[&str],
    ) -> std::result::Result<ToughRun, String> {
        let dir_url = |p: PathBuf| Url::from_directory_path(&p).expect("absolute directory");
        let repository = RepositoryLoader::new(
            &self.trusted_root,
            dir_url(repo.metadata_dir()),
            dir_url(repo.targets_dir()),
        )
        .transport(FilesystemTransport)
        .limits(Self::limits())
        .datastore(self.datastore.path())
        .expiration_enforcement(ExpirationEnforcement::Safe)
        .load()
        .await
        .map_err(|e| chain(&e))?;

        let mut targets = Vec::new();
        for &name in lookups {
            let target_name = tough::TargetName::new(name).map_err(|e| chain(&e))?;
            let stream = repository
                .read_target(&target_name)
                .await
                .map_err(|e| chain(&e))?
                .ok_or_else(|| format!("target {name:?}: not listed"))?;
            let bytes = stream.into_vec().await.map_err(|e| chain(&e))?;
            let entry = repository
                .targets()
                .signed
                .find_target(&target_name, false)
                .map_err(|e| chain(&e))?;
            assert_eq!(
                bytes.len() as u64,
                entry.length,
                "tough returned {name} unverified"
            );
            assert_eq!(
                sha256(&bytes),
                entry.hashes.sha256.to_vec(),
                "tough returned {name} unverified"
            );
            targets.push(Verified {
                name: name.to_string(),
                length: entry.length,
                sha256: hex::encode(&entry.hashes.sha256),
            });
        }
        Ok(ToughRun {
            repository,
            targets,
        })
    }
}

/// `error: cause: cause ...`, for messages that say what actually failed.
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}
