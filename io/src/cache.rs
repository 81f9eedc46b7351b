//! The metadata cache on disk: one file per role holding the bytes exactly
//! as received, shared safely by every process of a host.
//!
//! - Writes are atomic and durable: a temporary file in the same directory,
//!   fsync, rename over the old file, fsync of the directory. A process
//!   killed at any point leaves each file either old or new.
//! - Every file operation is relative to the directory opened once, with
//!   `O_NOFOLLOW`: nothing is read or written through a symbolic link, and
//!   nothing outside the directory.
//! - Refreshes take an exclusive `flock` on the directory, so concurrent
//!   refreshes are serialised and versions on disk never go down.
//! - Only `<encoded role>.json` files are kept; temporary files left by a
//!   killed process are removed by the next writer.

use std::ffi::CString;
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::failpoint;
use crate::lock::TEMP_PREFIX;
use tuf_core::config::StorageConfig;
use tuf_core::error::{Error, Result};
use tuf_core::updater::MetadataStore;

/// File names longer than this are replaced by a digest form.
const MAX_NAME: usize = 200;

/// A cache directory opened for use.
pub struct DiskCache {
    path: PathBuf,
    dir: File,
    file_mode: u32,
}

/// Holds the exclusive refresh lock until dropped.
pub struct CacheLock<'a> {
    cache: &'a DiskCache,
}

impl Drop for CacheLock<'_> {
    fn drop(&mut self) {
        crate::lock::unlock(&self.cache.dir);
    }
}

/// Maps a role name to its cache file name: percent-encoding of every byte
/// outside `[a-z0-9._~-]` (one-to-one, never contains `/`), and for very
/// long names `%L-<sha256>` which the encoding itself cannot produce.
///
/// Upper-case letters are encoded too (`Root` is `%52oot.json`), so names
/// stay distinct on case-insensitive filesystems (macOS, some mounts): a
/// delegated role `Root` or `TIMESTAMP` can never overwrite the trusted
/// root or a rollback baseline. Names are pure ASCII, so a normalising
/// filesystem has nothing to normalise; escapes use upper-case hex and a
/// literal `%` is `%25`, so no two names differ only in case. Lower-case
/// ASCII names (all top-level roles, Drupal's `00-07` bins) keep the names
/// earlier versions gave them.
pub fn file_name(role: &str) -> String {
    let mut encoded = String::with_capacity(role.len());
    for b in role.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    if encoded.len() <= MAX_NAME && !encoded.starts_with('.') {
        format!("{encoded}.json")
    } else if encoded.len() <= MAX_NAME {
        // A leading dot would hide the file and collide with our temporary
        // names; %2E is what the encoding would give a non-unreserved byte.
        format!("%2E{}.json", &encoded[1..])
    } else {
        format!("%L-{}.json", hex::encode(Sha256::digest(role.as_bytes())))
    }
}

fn cstring(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| Error::io(format!("file name {name:?} contains NUL")))
}

fn os_err(what: &str, path: &Path) -> Error {
    Error::io(format!(
        "{what} {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    ))
}

impl DiskCache {
    /// Opens (creating with mode 0700 if missing) the cache directory. The
    /// directory itself must not be a symbolic link. `file_mode` is the
    /// permission of files written (0600 by default).
    pub fn open(path: &Path, file_mode: u32) -> Result<DiskCache> {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::io(format!(
                    "cache directory {} is a symbolic link",
                    path.display()
                )))
            }
            Ok(m) if !m.is_dir() => {
                return Err(Error::io(format!("{} is not a directory", path.display())))
            }
            Ok(_) => {}
            Err(_) => {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(path)
                    .map_err(|e| Error::io(format!("creating {}: {e}", path.display())))?;
            }
        }
        let c = cstring(&path.to_string_lossy())?;
        // SAFETY: plain open(2) of a NUL-terminated path.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(os_err("opening cache directory", path));
        }
        // SAFETY: fd is a fresh descriptor that we now own.
        let dir = unsafe { File::from_raw_fd(fd) };
        Ok(DiskCache {
            path: path.to_path_buf(),
            dir,
            file_mode,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the exclusive refresh lock, waiting at most `timeout`: the
    /// same lock as [`crate::lock::DirectoryLock`] takes (see there).
    pub fn lock(&self, timeout: Duration) -> Result<CacheLock<'_>> {
        crate::lock::lock_exclusive(&self.dir, &self.path, timeout)?;
        Ok(CacheLock { cache: self })
    }

    /// Opens `name` in the directory without following links.
    fn open_at(&self, name: &str, flags: libc::c_int, mode: u32) -> std::io::Result<File> {
        let c = CString::new(name)
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        // SAFETY: openat(2) relative to our directory descriptor.
        let fd = unsafe {
            libc::openat(
                self.dir.as_raw_fd(),
                c.as_ptr(),
                flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fresh descriptor, now owned by the File.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// The bytes of a regular file `name`, or None.
    pub fn read_file(&self, name: &str) -> Option<Vec<u8>> {
        self.read_file_checked(name).ok().flatten()
    }

    /// The bytes of `name`: `Ok(None)` if it is absent, or not a regular
    /// file of a sane size (junk, refetched); an error if it exists but
    /// cannot be read (EIO, EACCES...), because treating an unreadable
    /// rollback baseline as absent would let a rollback through.
    pub fn read_file_checked(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = || self.path.join(name);
        let failed = |e: std::io::Error| Error::io(format!("reading {}: {e}", path().display()));
        let opened =
            failpoint::fail("cache-read:open").and_then(|_| self.open_at(name, libc::O_RDONLY, 0));
        let mut f = match opened {
            Ok(f) => f,
            // ELOOP: a symbolic link, never followed: junk.
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ELOOP)) => {
                return Ok(None)
            }
            Err(e) => return Err(failed(e)),
        };
        // The cap bounds memory even if the cache was tampered with.
        let max = StorageConfig::default().max_stored_file;
        let meta = f.metadata().map_err(failed)?;
        if !meta.is_file() || meta.len() > max {
            return Ok(None);
        }
        let mut buf = Vec::with_capacity(meta.len() as usize);
        (&mut f).take(max).read_to_end(&mut buf).map_err(failed)?;
        Ok(Some(buf))
    }

    /// Atomically replaces `name` with `bytes` (see module docs).
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let target = self.path.join(name);
        let temp = format!("{TEMP_PREFIX}{}-{}", std::process::id(), unique_suffix());
        let mut f = failpoint::fail("cache-write:create")
            .and_then(|_| {
                self.open_at(
                    &temp,
                    libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL,
                    self.file_mode,
                )
            })
            .map_err(|e| {
                Error::io(format!(
                    "creating temporary file for {}: {e}",
                    target.display()
                ))
            })?;
        failpoint::hit("cache-write:temp-created");
        let written = failpoint::write_all("cache-write:write", &mut f, bytes)
            .and_then(|_| {
                failpoint::hit("cache-write:temp-written");
                failpoint::fail("cache-write:chmod")?;
                f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(self.file_mode))
            })
            .and_then(|_| failpoint::fail("cache-write:fsync"))
            .and_then(|_| f.sync_all());
        drop(f);
        failpoint::hit("cache-write:temp-synced");
        if let Err(e) = written {
            self.unlink(&temp);
            return Err(Error::io(format!("writing {}: {e}", target.display())));
        }
        let (from, to) = (cstring(&temp)?, cstring(name)?);
        let renamed = failpoint::fail("cache-write:rename").and_then(|_| {
            // SAFETY: renameat(2) within our directory; replaces atomically.
            let rc = unsafe {
                libc::renameat(
                    self.dir.as_raw_fd(),
                    from.as_ptr(),
                    self.dir.as_raw_fd(),
                    to.as_ptr(),
                )
            };
            if rc == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
        if let Err(e) = renamed {
            self.unlink(&temp);
            return Err(Error::io(format!("replacing {}: {e}", target.display())));
        }
        failpoint::hit("cache-write:renamed");
        // The rename is durable only once the directory entry is.
        failpoint::fail("cache-write:dir-fsync")
            .and_then(|_| self.dir.sync_all())
            .map_err(|e| Error::io(format!("syncing {}: {e}", self.path.display())))?;
        failpoint::hit("cache-write:dir-synced");
        Ok(())
    }

    /// Removes `name` durably; an absent file is not an error.
    pub fn remove_file(&self, name: &str) -> Result<()> {
        let c = cstring(name)?;
        let removed = failpoint::fail("cache-remove:unlink").and_then(|_| {
            // SAFETY: unlinkat(2) within our directory.
            let rc = unsafe { libc::unlinkat(self.dir.as_raw_fd(), c.as_ptr(), 0) };
            if rc == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
        if let Err(err) = removed {
            if err.raw_os_error() == Some(libc::ENOENT) {
                return Ok(());
            }
            return Err(Error::io(format!(
                "removing {}: {err}",
                self.path.join(name).display()
            )));
        }
        failpoint::fail("cache-remove:dir-fsync")
            .and_then(|_| self.dir.sync_all())
            .map_err(|e| Error::io(format!("syncing {}: {e}", self.path.display())))
    }

    fn unlink(&self, name: &str) {
        if let Ok(c) = CString::new(name) {
            // SAFETY: unlinkat(2) within our directory.
            unsafe {
                libc::unlinkat(self.dir.as_raw_fd(), c.as_ptr(), 0);
            }
        }
    }
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{nanos:08x}{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

impl MetadataStore for DiskCache {
    fn load_checked(&mut self, role: &str) -> Result<Option<Vec<u8>>> {
        self.read_file_checked(&file_name(role))
    }
    fn load(&mut self, role: &str) -> Option<Vec<u8>> {
        self.read_file(&file_name(role))
    }
    fn store(&mut self, role: &str, bytes: &[u8]) -> Result<()> {
        self.write_file(&file_name(role), bytes)
    }
    fn remove(&mut self, role: &str) -> Result<()> {
        self.remove_file(&file_name(role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tuf-cache-{tag}-{}-{}",
            std::process::id(),
            unique_suffix()
        ));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn names_are_safe_and_one_to_one() {
        assert_eq!(file_name("targets"), "targets.json");
        assert_eq!(file_name("bins/00-0f"), "bins%2F00-0f.json");
        assert_eq!(file_name("../x"), "%2E.%2Fx.json");
        assert_eq!(file_name("a%2Fb"), "a%252%46b.json");
        assert_ne!(file_name("A"), file_name("a"));
        assert_eq!(file_name("Root"), "%52oot.json");
        assert_eq!(file_name("00-07"), "00-07.json");
        assert_eq!(file_name("é"), "%C3%A9.json");
        // No two names fold to the same file on a case-insensitive
        // filesystem, nor on one that normalises Unicode (names are ASCII).
        let roles = [
            "root",
            "Root",
            "ROOT",
            "timestamp",
            "TimeStamp",
            "snapshot",
            "targets",
            "Targets",
            "%52oot",
            "%52OOT",
            "%c3%a9",
            "é",
            "e\u{301}",
            "\u{212A}",
            "k",
            "K",
            "ǆ",
            "ǅ",
            "Ǆ",
            "ß",
            "ss",
            "SS",
            "ﬁ",
            "fi",
            "a/b",
            "a%2Fb",
            "A%2fB",
        ];
        let mut folded = std::collections::HashMap::new();
        for role in roles {
            let n = file_name(role);
            assert!(n.is_ascii(), "{n}");
            if let Some(other) = folded.insert(n.to_ascii_lowercase(), role) {
                panic!("{role:?} and {other:?} share the file {n}");
            }
        }
        let long = "r".repeat(300);
        let n = file_name(&long);
        assert!(n.starts_with("%L-") && n.len() < 80, "{n}");
        for role in ["x/../../etc/passwd", "\0", "é", "a\\b", ".", ".."] {
            let n = file_name(role);
            assert!(
                !n.contains('/') && !n.contains('\0') && !n.starts_with('.'),
                "{n}"
            );
        }
    }

    #[test]
    fn writes_atomically_with_modes() {
        let d = tempdir("modes");
        let mut c = DiskCache::open(&d, 0o600).unwrap();
        assert_eq!(
            std::fs::metadata(&d).unwrap().permissions().mode() & 0o777,
            0o700
        );
        c.store("timestamp", b"one").unwrap();
        c.store("timestamp", b"two").unwrap();
        assert_eq!(c.load("timestamp").unwrap(), b"two");
        let mode = std::fs::metadata(d.join("timestamp.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["timestamp.json"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn never_follows_symlinks() {
        let d = tempdir("links");
        let outside = tempdir("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret"), b"secret").unwrap();
        let mut c = DiskCache::open(&d, 0o600).unwrap();
        std::os::unix::fs::symlink(outside.join("secret"), d.join("root.json")).unwrap();
        assert!(c.load("root").is_none(), "read through a link");
        // Writing replaces the link itself, not its target.
        c.store("root", b"new").unwrap();
        assert_eq!(std::fs::read(outside.join("secret")).unwrap(), b"secret");
        assert!(!std::fs::symlink_metadata(d.join("root.json"))
            .unwrap()
            .file_type()
            .is_symlink());
        // A cache directory that is a link is refused.
        let link = tempdir("dirlink");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert!(DiskCache::open(&link, 0o600).is_err());
        for p in [&d, &outside] {
            std::fs::remove_dir_all(p).unwrap();
        }
        std::fs::remove_file(&link).unwrap();
    }

    #[test]
    fn lock_is_exclusive_and_cleans_temporaries() {
        let d = tempdir("lock");
        let a = DiskCache::open(&d, 0o600).unwrap();
        let b = DiskCache::open(&d, 0o600).unwrap();
        std::fs::write(d.join(".tmp-123-dead"), b"half").unwrap();
        let held = a.lock(Duration::from_secs(1)).unwrap();
        assert!(!d.join(".tmp-123-dead").exists());
        assert!(b.lock(Duration::from_millis(100)).is_err());
        drop(held);
        b.lock(Duration::from_millis(100)).unwrap();
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn non_regular_and_oversized_files_are_ignored() {
        let d = tempdir("odd");
        let mut c = DiskCache::open(&d, 0o600).unwrap();
        std::fs::create_dir(d.join("snapshot.json")).unwrap();
        assert!(c.load("snapshot").is_none());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
