//! The metadata cache as the updater's store, locked for as long as a
//! command runs (`tuf_io::store::LockedStore`), with the documented storage
//! defaults.

use std::path::Path;

use tuf_core::config::StorageConfig;
use tuf_core::Result;
use tuf_io::store::LockedStore;

pub fn open_store(dir: &Path) -> Result<LockedStore> {
    LockedStore::open(dir, &StorageConfig::default())
}
