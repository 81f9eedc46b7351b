//! The exclusive lock on a metadata directory, shared by every client of
//! this project: the CLI and the standalone updater (through
//! [`crate::store::LockedStore`] and [`crate::cache::DiskCache::lock`]) and the PHP shim (through the
//! extension's `Tuf\Native\DirectoryLock`, over [`DirectoryLock`]).
//!
//! It is `flock(LOCK_EX)` on the directory itself (no lock file to create,
//! forget or leave behind). flock locks belong to the open file
//! description, so the kernel releases one when its process dies, however
//! it dies: a killed holder never blocks the next process. Whoever takes
//! the lock also removes temporary files (`.tmp-*`) of writers that were
//! killed mid-write: every writer writes only while holding it. That sweep
//! lists the directory, and the shim locks once per lookup (a Drupal.org
//! run keeps ~200 files there), so a process skips it when the directory
//! is as it left it at its own last unlock and its last sweep there is
//! less than [`SWEEP_EVERY`] old. What the skip can miss (a temporary of
//! this very process, stopped mid-write by a PHP fatal error, or a change
//! within one timestamp tick) only takes space until then.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use crate::atomic::{Dir, TEMP_PREFIX};
use crate::failpoint;
use tuf_core::config::StorageConfig;
use tuf_core::error::{Error, Result};

/// How often a waiting process tries the lock again.
const RETRY: Duration = Duration::from_millis(20);

/// Takes the exclusive lock on the directory open as `dir`, waiting at most
/// `timeout`; on success, removes stale temporary files.
fn lock_exclusive(dir: &File, path: &Path, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    loop {
        let locked = failpoint::fail("cache-lock:flock").and_then(|_| {
            // SAFETY: flock on a directory descriptor the caller owns.
            let rc = unsafe { libc::flock(dir.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
        let Err(err) = locked else {
            if sweep_due(dir) {
                remove_stale_temporaries(dir, path);
            }
            return Ok(());
        };
        if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(Error::io(format!("locking {}: {err}", path.display())));
        }
        if start.elapsed() >= timeout {
            return Err(Error::io(format!(
                "timed out after {} s waiting for the lock on {}: another process \
                 is updating the metadata there",
                timeout.as_secs_f64(),
                path.display()
            )));
        }
        std::thread::sleep(RETRY);
    }
}

/// A directory's identity: device, inode and creation time, so that two
/// paths to one directory agree and a directory re-created on a reused
/// inode is not taken for the old one.
type DirKey = (u64, u64, SystemTime);

/// The longest one process goes without sweeping a directory it locks.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// What this process knows of a directory: its modification time at the
/// last unlock, and when it last swept it.
struct Seen {
    left: Option<SystemTime>,
    swept: Instant,
}

fn seen() -> &'static Mutex<HashMap<DirKey, Seen>> {
    static SEEN: OnceLock<Mutex<HashMap<DirKey, Seen>>> = OnceLock::new();
    SEEN.get_or_init(Default::default)
}

/// The directory's identity and modification time, if the filesystem
/// keeps both (else every lock sweeps).
fn dir_state(dir: &File) -> Option<(DirKey, SystemTime)> {
    let meta = dir.metadata().ok()?;
    Some((
        (meta.dev(), meta.ino(), meta.created().ok()?),
        meta.modified().ok()?,
    ))
}

/// Whether to sweep the directory open as `dir` now: it changed since
/// this process last released its lock (or was never locked here), or
/// the last sweep is [`SWEEP_EVERY`] old. Records the sweep.
fn sweep_due(dir: &File) -> bool {
    let Some((key, modified)) = dir_state(dir) else {
        return true;
    };
    let now = Instant::now();
    // A poisoned map is still a valid map: a panic elsewhere must not
    // stop the sweeps.
    let mut seen = seen().lock().unwrap_or_else(|e| e.into_inner());
    let due = seen
        .get(&key)
        .is_none_or(|s| s.left != Some(modified) || now.duration_since(s.swept) >= SWEEP_EVERY);
    if due {
        let entry = seen.entry(key).or_insert(Seen {
            left: None,
            swept: now,
        });
        entry.swept = now;
    }
    due
}

/// Notes how this process leaves the directory, before unlocking it.
fn note_left(dir: &File) {
    if let Some((key, modified)) = dir_state(dir) {
        let mut seen = seen().lock().unwrap_or_else(|e| e.into_inner());
        let entry = seen.entry(key).or_insert(Seen {
            left: None,
            swept: Instant::now(),
        });
        entry.left = Some(modified);
    }
}

/// Removes temporary files of writers that were killed mid-write. Called
/// with the lock held, so no live writer owns them.
fn remove_stale_temporaries(dir: &File, path: &Path) {
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        if let Some(name) = entry.file_name().to_str() {
            if !name.starts_with(TEMP_PREFIX) {
                continue;
            }
            if let Ok(c) = CString::new(name) {
                // SAFETY: unlinkat(2) relative to the locked directory.
                unsafe {
                    libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0);
                }
            }
        }
    }
}

/// Opens an existing directory for locking, never through a symbolic link.
fn open_directory(path: &Path) -> Result<File> {
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::io(format!("{} contains NUL", path.display())))?;
    let dir = Dir::open_nofollow(&c)
        .map_err(|e| Error::io(format!("opening {} to lock it: {e}", path.display())))?;
    Ok(dir.into_file())
}

/// The lock held on its own descriptor, released when dropped (or when
/// the process ends).
#[derive(Debug)]
pub struct DirectoryLock {
    dir: File,
    path: PathBuf,
}

impl DirectoryLock {
    /// Takes the lock on the existing directory `path`, waiting at most
    /// `storage.lock_timeout` for another holder.
    pub fn acquire(path: &Path, storage: &StorageConfig) -> Result<DirectoryLock> {
        DirectoryLock::hold(open_directory(path)?, path, storage.lock_timeout)
    }

    /// Takes the lock on a directory already open as `dir` (at `path`),
    /// through a duplicate of its descriptor: a duplicate shares the open
    /// file description, which is what `flock` locks, so the lock is that
    /// directory's and the guard borrows nothing.
    pub fn on(dir: &File, path: &Path, timeout: Duration) -> Result<DirectoryLock> {
        let dup = dir
            .try_clone()
            .map_err(|e| Error::io(format!("locking {}: {e}", path.display())))?;
        DirectoryLock::hold(dup, path, timeout)
    }

    fn hold(dir: File, path: &Path, timeout: Duration) -> Result<DirectoryLock> {
        lock_exclusive(&dir, path, timeout)?;
        Ok(DirectoryLock {
            dir,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DirectoryLock {
    fn drop(&mut self) {
        note_left(&self.dir);
        // SAFETY: flock on a descriptor we own; a failure only means the
        // lock goes when the last descriptor of the directory is closed.
        unsafe {
            libc::flock(self.dir.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(ms: u64) -> StorageConfig {
        StorageConfig {
            lock_timeout: Duration::from_millis(ms),
            ..StorageConfig::default()
        }
    }

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tuf-lock-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn excludes_a_cache_lock_on_the_same_directory() {
        let d = tempdir("cache");
        let cache = crate::cache::DiskCache::open(&d, &StorageConfig::default()).unwrap();
        let held = DirectoryLock::acquire(&d, &waiting(1000)).unwrap();
        let err = cache.lock(Duration::from_millis(60)).err().unwrap();
        assert_eq!(err.kind(), tuf_core::ErrorKind::Io);
        assert!(err.message().contains("timed out after 0.06 s"), "{err}");
        drop(held);
        let cache_lock = cache.lock(Duration::from_millis(60)).unwrap();
        assert!(DirectoryLock::acquire(&d, &waiting(60)).is_err());
        drop(cache_lock);
        DirectoryLock::acquire(&d, &waiting(60)).unwrap();
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn removes_stale_temporaries_and_refuses_links_and_missing_directories() {
        let d = tempdir("temps");
        std::fs::write(d.join(".tmp-dead"), b"half").unwrap();
        std::fs::write(d.join("root.json"), b"{}").unwrap();
        let lock = DirectoryLock::acquire(&d, &waiting(1000)).unwrap();
        assert!(!d.join(".tmp-dead").exists());
        assert!(d.join("root.json").exists());
        assert_eq!(lock.path(), d.as_path());
        drop(lock);
        let link = d.with_extension("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&d, &link).unwrap();
        assert!(DirectoryLock::acquire(&link, &waiting(1000)).is_err());
        std::fs::remove_file(&link).unwrap();
        assert!(DirectoryLock::acquire(&d.join("missing"), &waiting(1000)).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn sweeps_only_a_directory_changed_since_this_process_unlocked_it() {
        let d = tempdir("sweep");
        std::fs::write(d.join(".tmp-first"), b"half").unwrap();
        drop(DirectoryLock::acquire(&d, &waiting(1000)).unwrap());
        assert!(!d.join(".tmp-first").exists());
        // Unchanged since the unlock: the next lock does not list it. (A
        // temporary hidden by hand without touching the directory's
        // times stands for one this process would have seen.)
        let mtime = std::fs::metadata(&d).unwrap().modified().unwrap();
        std::fs::write(d.join(".tmp-unseen"), b"half").unwrap();
        std::fs::File::options()
            .read(true)
            .open(&d)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        drop(DirectoryLock::acquire(&d, &waiting(1000)).unwrap());
        assert!(d.join(".tmp-unseen").exists());
        // Changed by someone else meanwhile (here: a file added, and the
        // time set clearly apart, whatever the filesystem's resolution):
        // swept again.
        std::fs::write(d.join(".tmp-later"), b"half").unwrap();
        std::fs::File::options()
            .read(true)
            .open(&d)
            .unwrap()
            .set_modified(mtime - Duration::from_secs(10))
            .unwrap();
        drop(DirectoryLock::acquire(&d, &waiting(1000)).unwrap());
        assert!(!d.join(".tmp-later").exists());
        assert!(!d.join(".tmp-unseen").exists());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
