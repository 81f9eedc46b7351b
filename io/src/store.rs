//! The metadata cache as the updater's store, with the directory lock
//! ([`crate::lock`]) held while it is used: the one store the CLI and the
//! extension's standalone updater refresh through. File mode, lock timeout
//! and the stored-file cap come from one [`StorageConfig`].
//!
//! Bundling the lock with the store means a refresh cannot read or write
//! the cache without it: concurrent refreshes of one cache are serialised
//! and versions on disk never go down.

use std::path::Path;
use std::time::Duration;

use crate::cache::{file_name, DiskCache};
use crate::lock::DirectoryLock;
use tuf_core::config::StorageConfig;
use tuf_core::error::{Error, Result};
use tuf_core::updater::MetadataStore;

/// A [`DiskCache`] and its lock.
pub struct LockedStore {
    cache: DiskCache,
    lock_timeout: Duration,
    /// The lock for the store's whole life ([`LockedStore::open`]); None
    /// for a store locked call by call ([`LockedStore::open_per_call`]).
    held: Option<DirectoryLock>,
}

impl LockedStore {
    /// Opens the cache at `path` (created if missing) and takes its lock,
    /// waiting at most `storage.lock_timeout`; held until dropped.
    pub fn open(path: &Path, storage: &StorageConfig) -> Result<LockedStore> {
        let mut store = LockedStore::open_per_call(path, storage)?;
        store.held = Some(store.lock()?);
        Ok(store)
    }

    /// Opens the cache without locking it, for a long-lived owner (the
    /// extension's updater object) that holds [`LockedStore::lock`] around
    /// each call instead, so that idle objects never block other processes.
    pub fn open_per_call(path: &Path, storage: &StorageConfig) -> Result<LockedStore> {
        Ok(LockedStore {
            cache: DiskCache::open(path, storage)?,
            lock_timeout: storage.lock_timeout,
            held: None,
        })
    }

    /// Takes the lock for one call. The guard borrows nothing (it holds a
    /// duplicate of the directory's descriptor), so the updater can own the
    /// store while it is held.
    ///
    /// Refused on a store opened with [`LockedStore::open`]: a second guard
    /// on the same open descriptor would succeed at once, and dropping it
    /// would release the lock the store holds for its life.
    pub fn lock(&self) -> Result<DirectoryLock> {
        if self.held.is_some() {
            return Err(Error::state(
                "this store holds its lock for its whole life: no call-by-call lock",
            ));
        }
        self.cache.lock(self.lock_timeout)
    }

    pub fn cache(&self) -> &DiskCache {
        &self.cache
    }
}

impl MetadataStore for LockedStore {
    fn load(&mut self, role: &str) -> Option<Vec<u8>> {
        self.cache.read_file(&file_name(role))
    }

    fn load_checked(&mut self, role: &str) -> Result<Option<Vec<u8>>> {
        self.cache.read_file_checked(&file_name(role))
    }

    fn store(&mut self, role: &str, bytes: &[u8]) -> Result<()> {
        self.cache.store_role(role, bytes)
    }

    fn remove(&mut self, role: &str) -> Result<()> {
        self.cache.remove_file(&file_name(role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuf_core::error::ErrorKind;

    #[test]
    fn holds_the_lock_for_its_life_or_per_call() {
        let d = std::env::temp_dir().join(format!("tuf-store-{}", crate::atomic::unique_suffix()));
        let storage = StorageConfig {
            lock_timeout: Duration::from_millis(60),
            ..StorageConfig::default()
        };
        let mut held = LockedStore::open(&d, &storage).unwrap();
        held.store("root", b"r").unwrap();
        // A second guard on its own descriptor would release the lock.
        assert_eq!(held.lock().unwrap_err().kind(), ErrorKind::State);
        let per_call = LockedStore::open_per_call(&d, &storage).unwrap();
        assert!(per_call.lock().is_err(), "the lock is held");
        assert!(LockedStore::open(&d, &storage).is_err());
        drop(held);
        let guard = per_call.lock().unwrap();
        assert!(DirectoryLock::acquire(&d, &storage).is_err());
        drop(guard);
        let mut again = LockedStore::open(&d, &storage).unwrap();
        assert_eq!(again.load("root").unwrap(), b"r");
        drop(again);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
