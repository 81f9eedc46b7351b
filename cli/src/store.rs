//! The metadata cache as the updater's store, with the cache's exclusive
//! lock held for as long as the store lives.

use std::path::Path;

use tuf_core::config::StorageConfig;
use tuf_core::updater::MetadataStore;
use tuf_core::Result;
use tuf_io::cache::{file_name, DiskCache};
use tuf_io::lock::DirectoryLock;

pub fn open_cache(dir: &Path) -> Result<DiskCache> {
    DiskCache::open(dir, &StorageConfig::default())
}

/// A locked view of a [`DiskCache`]. Bundling the lock with the store
/// means the updater cannot outlive the lock: every read and write of a
/// refresh happens while it is held, so concurrent refreshes of one cache
/// are serialised and versions on disk never go down.
pub struct LockedCache<'a> {
    cache: &'a DiskCache,
    _lock: DirectoryLock,
}

impl<'a> LockedCache<'a> {
    pub fn lock(cache: &'a DiskCache) -> Result<LockedCache<'a>> {
        let lock = cache.lock(StorageConfig::default().lock_timeout)?;
        Ok(LockedCache { cache, _lock: lock })
    }
}

impl MetadataStore for LockedCache<'_> {
    fn load(&mut self, role: &str) -> Option<Vec<u8>> {
        self.cache.read_file(&file_name(role))
    }

    fn load_checked(&mut self, role: &str) -> Result<Option<Vec<u8>>> {
        self.cache.read_file_checked(&file_name(role))
    }

    fn store(&mut self, role: &str, bytes: &[u8]) -> Result<()> {
        self.cache.write_file(&file_name(role), bytes)
    }

    fn remove(&mut self, role: &str) -> Result<()> {
        self.cache.remove_file(&file_name(role))
    }
}
