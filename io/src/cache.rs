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
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::atomic::{CommitError, Dir, Durability, Points, Step};
use crate::failpoint;
use crate::lock::DirectoryLock;
use tuf_core::config::StorageConfig;
use tuf_core::error::{Error, Result};
use tuf_core::updater::MetadataStore;

/// File names longer than this are replaced by a digest form.
const MAX_NAME: usize = 200;

/// A cache directory opened for use.
pub struct DiskCache {
    path: PathBuf,
    dir: Dir,
    file_mode: u32,
    max_stored_file: u64,
}

/// The crash points of a metadata write, in order (see
/// [`failpoint::CACHE_WRITE_POINTS`] and [`failpoint::CACHE_CALL_POINTS`]).
static WRITE_POINTS: Points = Points {
    create: "cache-write:create",
    created: Some("cache-write:temp-created"),
    write: "cache-write:write",
    written: Some("cache-write:temp-written"),
    chmod: Some("cache-write:chmod"),
    fsync: "cache-write:fsync",
    synced: Some("cache-write:temp-synced"),
    rename: "cache-write:rename",
    renamed: Some("cache-write:renamed"),
    dir_fsync: "cache-write:dir-fsync",
    dir_synced: Some("cache-write:dir-synced"),
};

/// How durably a role is written: the rollback baselines (root, timestamp,
/// snapshot) with fsync of file and directory, because a version lost in a
/// power failure would let an older one through (spec 5.3-5.5 compare new
/// versions against them). Targets roles, top-level included, are only
/// atomic: every load re-verifies them against the synced snapshot (5.6),
/// so a lost, stale or torn copy fails verification and is fetched again.
/// On a cold Drupal.org-sized run that saves about 380 fsyncs.
pub fn durability_of(role: &str) -> Durability {
    match role {
        "root" | "timestamp" | "snapshot" => Durability::Synced,
        _ => Durability::Unsynced,
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

impl DiskCache {
    /// Opens (creating with mode 0700 if missing) the cache directory. The
    /// directory itself must not be a symbolic link. Files are written
    /// with `storage.file_mode`, and read back up to
    /// `storage.max_stored_file` bytes.
    pub fn open(path: &Path, storage: &StorageConfig) -> Result<DiskCache> {
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
        let dir = Dir::open_nofollow(&c)
            .map_err(|e| Error::io(format!("opening cache directory {}: {e}", path.display())))?;
        Ok(DiskCache {
            path: path.to_path_buf(),
            dir,
            file_mode: storage.file_mode,
            max_stored_file: storage.max_stored_file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the exclusive refresh lock, waiting at most `timeout`: the
    /// same lock as [`DirectoryLock::acquire`] takes (see there), held on
    /// a duplicate of this cache's descriptor, so the lock does not borrow
    /// the cache (the updater may own it meanwhile).
    pub fn lock(&self, timeout: Duration) -> Result<DirectoryLock> {
        DirectoryLock::on(self.dir.file(), &self.path, timeout)
    }

    /// Opens `name` in the directory without following links.
    fn open_at(&self, name: &str, flags: libc::c_int) -> std::io::Result<File> {
        let c = CString::new(name)
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        self.dir.open_at(&c, flags, 0)
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
            failpoint::fail("cache-read:open").and_then(|_| self.open_at(name, libc::O_RDONLY));
        let mut f = match opened {
            Ok(f) => f,
            // ELOOP: a symbolic link, never followed: junk.
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ELOOP)) => {
                return Ok(None)
            }
            Err(e) => return Err(failed(e)),
        };
        // The cap bounds memory even if the cache was tampered with.
        let max = self.max_stored_file;
        let meta = f.metadata().map_err(failed)?;
        if !meta.is_file() || meta.len() > max {
            return Ok(None);
        }
        let mut buf = Vec::with_capacity(meta.len() as usize);
        (&mut f).take(max).read_to_end(&mut buf).map_err(failed)?;
        Ok(Some(buf))
    }

    /// Stores a role's verified bytes, as durably as its part in trust
    /// needs ([`durability_of`]).
    pub fn store_role(&self, role: &str, bytes: &[u8]) -> Result<()> {
        self.write_file(&file_name(role), bytes, durability_of(role))
    }

    /// Atomically replaces `name` with `bytes` ([`crate::atomic`]), and
    /// durably if `durability` says so.
    pub fn write_file(&self, name: &str, bytes: &[u8], durability: Durability) -> Result<()> {
        let target = self.path.join(name);
        let final_name = cstring(name)?;
        let mut temp = self
            .dir
            .create_temp(&WRITE_POINTS, Some(self.file_mode))
            .map_err(|e| {
                Error::io(format!(
                    "creating temporary file for {}: {e}",
                    target.display()
                ))
            })?;
        temp.write_all(bytes)
            .map_err(|e| Error::io(format!("writing {}: {e}", target.display())))?;
        temp.commit(&final_name, durability)
            .map_err(|CommitError { step, error: e }| match step {
                Step::SyncFile => Error::io(format!("writing {}: {e}", target.display())),
                Step::Rename => Error::io(format!("replacing {}: {e}", target.display())),
                Step::SyncDir => Error::io(format!("syncing {}: {e}", self.path.display())),
            })
    }

    /// Removes `name` durably; an absent file is not an error.
    pub fn remove_file(&self, name: &str) -> Result<()> {
        let c = cstring(name)?;
        let removed = failpoint::fail("cache-remove:unlink").and_then(|_| self.dir.unlink(&c));
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
            .and_then(|_| self.dir.sync())
            .map_err(|e| Error::io(format!("syncing {}: {e}", self.path.display())))
    }
}

impl MetadataStore for DiskCache {
    fn load_checked(&mut self, role: &str) -> Result<Option<Vec<u8>>> {
        self.read_file_checked(&file_name(role))
    }
    fn load(&mut self, role: &str) -> Option<Vec<u8>> {
        self.read_file(&file_name(role))
    }
    fn store(&mut self, role: &str, bytes: &[u8]) -> Result<()> {
        self.store_role(role, bytes)
    }
    fn remove(&mut self, role: &str) -> Result<()> {
        self.remove_file(&file_name(role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic::unique_suffix;
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
        let mut c = DiskCache::open(&d, &StorageConfig::default()).unwrap();
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
        let mut c = DiskCache::open(&d, &StorageConfig::default()).unwrap();
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
        assert!(DiskCache::open(&link, &StorageConfig::default()).is_err());
        for p in [&d, &outside] {
            std::fs::remove_dir_all(p).unwrap();
        }
        std::fs::remove_file(&link).unwrap();
    }

    #[test]
    fn lock_is_exclusive_and_cleans_temporaries() {
        let d = tempdir("lock");
        let a = DiskCache::open(&d, &StorageConfig::default()).unwrap();
        let b = DiskCache::open(&d, &StorageConfig::default()).unwrap();
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
        let mut c = DiskCache::open(&d, &StorageConfig::default()).unwrap();
        std::fs::create_dir(d.join("snapshot.json")).unwrap();
        assert!(c.load("snapshot").is_none());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
