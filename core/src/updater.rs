//! The client workflow (spec 5): drives a [`TrustedSet`] with bytes from a
//! local metadata store and a fetcher, in spec order, and persists what it
//! verified. All I/O goes through the two traits below.
//!
//! The per-call policy lives here too, not in a wrapper of tuf-io: each
//! public call restarts the fetcher's time budget (`begin_call`, through
//! [`Fetcher::start_deadline`]), and [`Updater::target_download`] decides
//! what a target download fetches (the verified info and the trusted
//! root's `consistent_snapshot`). It needs no I/O, only the trusted state
//! this type already holds, so every client (the CLI, the extension's
//! standalone and callback updaters, tests with their own fetchers) gets the
//! same policy from the object it already has; a tuf-io `Client` would
//! hold the same state a second time and cover the HTTP fetcher only.

use std::sync::Arc;

use crate::config::{download_cap, Config};
use crate::delegation::{find_target, TargetInfo};
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::MetaFile;
use crate::time::UnixTime;
use crate::trusted::{TimestampUpdate, TrustedSet, VerifiedTargets};

mod prefetch;
pub use prefetch::RoleFile;

/// Fetches repository files. Implementations stop reading at `max_len`
/// bytes and return `ErrorKind::DownloadSize` for a longer body, and
/// `ErrorKind::NotFound` when the file does not exist (HTTP 404).
pub trait Fetcher {
    fn fetch(&mut self, url: &str, max_len: u64) -> Result<Vec<u8>>;

    /// Restarts the fetcher's overall time budget, if it has one. Called
    /// by [`Updater`] alone, at the start of each call (see
    /// `Updater::begin_call`): callers never start it themselves.
    fn start_deadline(&mut self) {}

    /// Streams the body into `sink` under the same cap; returns its length.
    /// The default buffers through [`Fetcher::fetch`]; network fetchers
    /// override it so large targets never sit in memory.
    fn fetch_into(
        &mut self,
        url: &str,
        max_len: u64,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let body = self.fetch(url, max_len)?;
        sink.write_all(&body)
            .map_err(|e| Error::io(format!("writing {url}: {e}")))?;
        Ok(body.len() as u64)
    }
}

/// The local copy of trusted metadata, one file per role, holding the
/// bytes exactly as received.
pub trait MetadataStore {
    /// The stored bytes for `role`, or None if absent or unreadable.
    fn load(&mut self, role: &str) -> Option<Vec<u8>>;
    /// Like [`MetadataStore::load`], but a role that exists and cannot be
    /// read is an error rather than absent. The updater reads the trusted
    /// root and the rollback baselines (timestamp, snapshot) this way:
    /// silently missing a baseline would let a rollback through. Stores
    /// that cannot fail to read keep this default.
    fn load_checked(&mut self, role: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.load(role))
    }
    fn store(&mut self, role: &str, bytes: &[u8]) -> Result<()>;
    /// Forgets `role`; removing an absent role succeeds.
    fn remove(&mut self, role: &str) -> Result<()>;
}

/// A metadata store in memory: for clients that keep no cache between
/// runs, and for tests.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    pub files: std::collections::HashMap<String, Vec<u8>>,
}

impl MetadataStore for MemoryStore {
    fn load(&mut self, role: &str) -> Option<Vec<u8>> {
        self.files.get(role).cloned()
    }
    fn store(&mut self, role: &str, bytes: &[u8]) -> Result<()> {
        self.files.insert(role.to_string(), bytes.to_vec());
        Ok(())
    }
    fn remove(&mut self, role: &str) -> Result<()> {
        self.files.remove(role);
        Ok(())
    }
}

/// Percent-encodes a role name for a URL: everything outside RFC 3986
/// unreserved characters, `/` included (python-tuf's `quote(role, "")`).
pub fn encode_role(role: &str) -> String {
    let mut out = String::with_capacity(role.len());
    for b in role.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The timestamp and snapshot keyids and thresholds of a root, to detect
/// their rotation (spec 5.3.11).
fn rotation_keys(root: &crate::metadata::Root) -> [(Vec<String>, u64); 2] {
    ["timestamp", "snapshot"].map(|role| {
        let keys = root.role(role);
        let mut ids = keys.keyids.to_vec();
        ids.sort();
        (ids, keys.threshold)
    })
}

/// What one refresh did, for reports and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshReport {
    pub root_version: u64,
    pub timestamp_version: u64,
    pub snapshot_version: u64,
    pub targets_version: u64,
    /// True when the repository's timestamp equalled the trusted one.
    pub timestamp_unchanged: bool,
}

/// What to download for one target (spec 5.7), from
/// [`Updater::target_download`].
#[derive(Debug, Clone)]
pub struct TargetDownload {
    /// The verified length, hashes and path.
    pub info: TargetInfo,
    /// The trusted root's `consistent_snapshot`: with it, the file to fetch
    /// is the hash-prefixed name (spec 5.7.3).
    pub consistent_snapshot: bool,
}

/// A TUF client over a metadata base URL. `metadata_url` is an opaque
/// prefix: file names are appended to it as they are.
pub struct Updater<F: Fetcher, S: MetadataStore> {
    config: Config,
    metadata_url: String,
    fetcher: F,
    store: S,
    set: Option<TrustedSet>,
    /// True during the one restart after the repository changed: a second
    /// change is then reported, not chased.
    restarting: bool,
    restarts: u64,
}

impl<F: Fetcher, S: MetadataStore> Updater<F, S> {
    pub fn new(config: Config, metadata_url: &str, fetcher: F, store: S) -> Self {
        Updater {
            config,
            metadata_url: metadata_url.to_string(),
            fetcher,
            store,
            set: None,
            restarting: false,
            restarts: 0,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn store(&self) -> &S {
        &self.store
    }
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }
    pub fn fetcher_mut(&mut self) -> &mut F {
        &mut self.fetcher
    }
    /// The metadata verified by the last successful refresh.
    pub fn trusted(&self) -> Option<&TrustedSet> {
        self.set.as_ref()
    }
    /// How many times this updater restarted because the repository
    /// changed during a refresh or a lookup (for reports and tests).
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// Runs `op` again, once, when it failed because the repository
    /// changed (`ErrorKind::RepositoryChanged`); any other outcome, a
    /// rollback included, is final at once.
    fn once_more<T>(
        &mut self,
        first: Result<T>,
        op: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        match first {
            Err(e) if e.kind() == ErrorKind::RepositoryChanged && !self.restarting => {
                self.restarts += 1;
                self.restarting = true;
                let again = op(self);
                self.restarting = false;
                again
            }
            other => other,
        }
    }

    /// The per-call policy, in one place: every public call that may fetch
    /// (a refresh, a target lookup, a target download) gets the fetcher's
    /// whole time budget, so a large target does not fail because the
    /// metadata took part of it. Callers that take a lock first (the CLI,
    /// the extension) call in once it is held, so waiting does not count.
    fn begin_call(&mut self) {
        self.fetcher.start_deadline();
    }

    /// Spec 5.1 to 5.6: refreshes top-level metadata at `reference_time`.
    /// On failure nothing stays trusted in memory; what was verified before
    /// the failing step is already persisted.
    pub fn refresh(&mut self, reference_time: UnixTime) -> Result<RefreshReport> {
        self.begin_call();
        self.refresh_in_call(reference_time)
    }

    /// [`Updater::refresh`] within a call already under way, on its time
    /// budget (a lookup's one re-refresh does not get a second budget).
    fn refresh_in_call(&mut self, reference_time: UnixTime) -> Result<RefreshReport> {
        self.set = None;
        // 5.2: the trusted root comes from the store; a missing or invalid
        // one fails closed before any request.
        let root = self
            .store
            .load_checked("root")?
            .ok_or_else(|| Error::state("no trusted root in the metadata store"))?;
        let mut set = TrustedSet::new(&root, reference_time)?;
        self.update_root(&mut set)?;
        let mut first = self.refresh_from_timestamp(&mut set);
        if matches!(&first, Err(e) if e.kind() == ErrorKind::SignatureThreshold) && !self.restarting
        {
            // Signed by keys our root does not list: the repository may have
            // rotated them with a new root after our root request (5.3).
            // Only a newer root that verifies makes this a change to restart
            // for; otherwise the signature error stands.
            let before = set.root().common.version;
            set.restart_from_timestamp();
            self.update_root(&mut set)?;
            let after = set.root().common.version;
            if after > before {
                first = Err(Error::repository_changed(format!(
                    "the repository changed during the update: root version {after} was \
                     published after version {before} was trusted"
                )));
            }
        }
        // The repository published between two of our requests: start over
        // at 5.4 with the root just verified, every check again, once.
        let (unchanged, targets) = self.once_more(first, |u| {
            set.restart_from_timestamp();
            u.refresh_from_timestamp(&mut set)
        })?;
        let report = RefreshReport {
            root_version: set.root().common.version,
            timestamp_version: set.timestamp().map_or(0, |t| t.common.version),
            snapshot_version: set.snapshot().map_or(0, |s| s.common.version),
            targets_version: targets.common.version,
            timestamp_unchanged: unchanged,
        };
        self.set = Some(set);
        Ok(report)
    }

    /// Spec 5.4 to 5.6 (top-level targets): whether the timestamp was
    /// unchanged, and the verified targets.
    fn refresh_from_timestamp(
        &mut self,
        set: &mut TrustedSet,
    ) -> Result<(bool, Arc<VerifiedTargets>)> {
        let unchanged = self.update_timestamp(set)?;
        self.update_snapshot(set)?;
        let targets = self.load_targets(set, "targets", None)?;
        Ok((unchanged, targets))
    }

    /// Spec 5.3: N+1.root.json until the repository has no newer one.
    fn update_root(&mut self, set: &mut TrustedSet) -> Result<()> {
        for _ in 0..self.config.max_root_rotations {
            // A root at u64::MAX has no next version to ask for.
            let Some(next) = set.root().common.version.checked_add(1) else {
                break;
            };
            let url = format!("{}{next}.root.json", self.metadata_url);
            let bytes = match self.fetcher.fetch(&url, self.config.root_max_length) {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::NotFound => break,
                Err(e) => return Err(e.context(format!("fetching root version {next}"))),
            };
            let previous = rotation_keys(set.root());
            set.update_root(&bytes)?;
            // 5.3.11: when timestamp or snapshot keys change, the cached
            // timestamp and snapshot must no longer serve as rollback
            // baseline (fast-forward recovery). They are forgotten before
            // the new root is saved, so a crash in between cannot leave the
            // new root beside a stale baseline.
            if rotation_keys(set.root()) != previous {
                self.store.remove("timestamp")?;
                self.store.remove("snapshot")?;
            }
            // 5.3.8: persist each verified root at once, so a later failure
            // (even an expired final root) does not lose it.
            self.store.store("root", &bytes)?;
        }
        set.check_final_root()
    }

    /// Spec 5.4. Returns true when the repository's timestamp is unchanged.
    fn update_timestamp(&mut self, set: &mut TrustedSet) -> Result<bool> {
        // The cached timestamp is re-verified against the current root; one
        // that no longer verifies (junk, or keys rotated: fast-forward
        // recovery, 5.3.11) is simply not used as the rollback baseline.
        if let Some(local) = self.store.load_checked("timestamp")? {
            let _ = set.update_timestamp(&local);
        }
        let url = format!("{}timestamp.json", self.metadata_url);
        let bytes = self
            .fetcher
            .fetch(&url, self.config.timestamp_max_length)
            .map_err(|e| e.context("fetching timestamp"))?;
        // 5.4.4 before 5.4.5: only a timestamp that passed every check,
        // expiry included, is persisted; an expired one stays in memory
        // only, so the baseline on disk is the last one valid when received.
        match set.update_timestamp(&bytes)? {
            TimestampUpdate::Unchanged => Ok(true),
            TimestampUpdate::Updated => {
                self.store.store("timestamp", &bytes)?;
                Ok(false)
            }
        }
    }

    /// Spec 5.5: the cached snapshot is used if it is the version the
    /// timestamp lists; otherwise a new one is fetched.
    fn update_snapshot(&mut self, set: &mut TrustedSet) -> Result<()> {
        if let Some(local) = self.store.load_checked("snapshot")? {
            if set.update_snapshot(&local, true).is_ok() {
                return Ok(());
            }
        }
        let meta = set
            .timestamp()
            .ok_or_else(|| Error::state("timestamp is not loaded"))?
            .snapshot_meta
            .clone();
        let consistent = set.root().consistent_snapshot;
        let max = self.config.snapshot_max_length;
        let bytes = self.fetch_role("snapshot", &meta, consistent, max)?;
        set.update_snapshot(&bytes, false)?;
        self.store.store("snapshot", &bytes)
    }

    /// Spec 5.6: a targets role verified against `parent` (None: root),
    /// from memory, the store, or the repository, in that order.
    fn load_targets(
        &mut self,
        set: &mut TrustedSet,
        role: &str,
        parent: Option<&Arc<VerifiedTargets>>,
    ) -> Result<Arc<VerifiedTargets>> {
        if let Some(t) = set.loaded_targets(role, parent) {
            return Ok(t);
        }
        if let Some(local) = self.store.load(role) {
            match set.update_targets(&local, role, parent) {
                Ok(t) => return Ok(t),
                // Signed, and newer than our snapshot lists: another
                // process trusted a newer snapshot since ours was loaded.
                // Storing what we would fetch could put an older version
                // on disk; start over from the newer stored state instead.
                Err(e) if e.kind() == ErrorKind::RepositoryChanged && !self.restarting => {
                    return Err(e)
                }
                Err(_) => {}
            }
        }
        let meta = set.snapshot_meta(role)?.clone();
        let consistent = set.root().consistent_snapshot;
        let bytes = self.fetch_role(role, &meta, consistent, self.config.targets_max_length)?;
        let verified = set.update_targets(&bytes, role, parent)?;
        self.store.store(role, &bytes)?;
        Ok(verified)
    }

    /// Fetches the metadata file of `role` as `meta` (from the timestamp or
    /// snapshot) describes it: `V.<role>.json` with consistent snapshots
    /// (spec 5.5.1, 5.6.1), capped at the listed length and never above
    /// `role_max` (a longer listed length is refused before any request).
    fn fetch_role(
        &mut self,
        role: &str,
        meta: &MetaFile,
        consistent: bool,
        role_max: u64,
    ) -> Result<Vec<u8>> {
        let max = download_cap(&format!("{role}.json"), meta.length, role_max)
            .map_err(|e| e.context(format!("fetching role {role:?}")))?;
        let name = if consistent {
            format!("{}.{}.json", meta.version, encode_role(role))
        } else {
            format!("{}.json", encode_role(role))
        };
        let url = format!("{}{name}", self.metadata_url);
        self.fetcher
            .fetch(&url, max)
            .map_err(|e| e.context(format!("fetching role {role:?}")))
    }

    /// Spec 5.6.7: the verified target info for `target`, fetching
    /// delegated roles lazily. `Ok(None)` when no role on the search path
    /// lists it.
    /// If the repository changed since the refresh (a role newer than the
    /// trusted snapshot lists), refreshes once more and looks up again.
    pub fn get_target_info(&mut self, target: &str) -> Result<Option<TargetInfo>> {
        self.begin_call();
        let first = self.find_target(target);
        self.once_more(first, |u| {
            let time = u.set.as_ref().map(TrustedSet::reference_time);
            let time = time.ok_or_else(|| Error::state("no refresh to repeat"))?;
            u.refresh_in_call(time)?;
            u.find_target(target)
        })
    }

    /// [`Updater::get_target_info`] for a target that must be listed: one
    /// no trusted role lists is NotFound (spec 5.7: nothing to get).
    pub fn listed_target_info(&mut self, target: &str) -> Result<TargetInfo> {
        self.get_target_info(target)?.ok_or_else(|| {
            Error::not_found(format!(
                "target {target:?} is not listed by trusted targets metadata"
            ))
        })
    }

    /// Spec 5.7: what to fetch for `target` (its verified info, and the
    /// trusted root's `consistent_snapshot` that picks the file name),
    /// with the deadline restarted for the download itself. The fetch goes
    /// through [`Updater::fetcher_mut`] (tuf-io's `download::download`
    /// writes it into place); this crate does no I/O.
    pub fn target_download(&mut self, target: &str) -> Result<TargetDownload> {
        let info = self.listed_target_info(target)?;
        let consistent_snapshot = self
            .set
            .as_ref()
            .map(|set| set.root().consistent_snapshot)
            .ok_or_else(|| Error::state("refresh() must succeed before downloading"))?;
        self.begin_call();
        Ok(TargetDownload {
            info,
            consistent_snapshot,
        })
    }

    fn find_target(&mut self, target: &str) -> Result<Option<TargetInfo>> {
        let mut set = self
            .set
            .take()
            .ok_or_else(|| Error::state("refresh() must succeed before looking up targets"))?;
        let max = self.config.max_roles_visited;
        let result = find_target(target, max, |role, parent| {
            self.load_targets(&mut set, role, parent)
        });
        self.set = Some(set);
        result
    }
}
