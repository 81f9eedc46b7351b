//! The one way this crate writes a file: into a directory opened once, a
//! fresh temporary file next to the final name, committed by fsync, rename
//! and a directory fsync, or removed if it is never committed. Both the
//! metadata cache ([`crate::cache`]) and target downloads
//! ([`crate::download`]) write through it, so a fix to the sequence reaches
//! both.
//!
//! - Every operation is relative to a [`Dir`] descriptor with
//!   `O_NOFOLLOW`: a symbolic link planted under the name is replaced, never
//!   followed, and nothing is written outside the directory.
//! - The temporary file is created with `O_EXCL` under [`TEMP_PREFIX`], so
//!   it is always a new file of ours (never a link or a file someone else
//!   prepared), and the directory lock ([`crate::lock`]) knows what to
//!   sweep.
//! - A reader of the final name sees the old file or the complete new one:
//!   `renameat` replaces atomically, and with [`Durability::Synced`] the
//!   data is on disk before the rename and the rename before `commit`
//!   returns.
//!
//! Callers keep their own crash points ([`Points`]) and error messages:
//! [`CommitError`] says which step failed.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::failpoint;

/// Prefix of the temporary files writers create in a directory.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Attempts at finding an unused temporary name before giving up.
const TEMP_ATTEMPTS: u32 = 16;

/// How far a commit goes before it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync of the file before the rename and of the directory after it:
    /// the new content survives a power loss once `commit` returns. What
    /// every writer uses today.
    Synced,
    /// The rename only: still atomic for every reader, but a power loss
    /// may bring back the old file (or, on some filesystems, an empty one).
    Unsynced,
}

/// The crash points (see [`crate::failpoint`]) one kind of write passes,
/// so the torture tests can kill or fail each step of each writer by its
/// own name. Call points stand for a system call; boundary points (the
/// `Option`s other than `chmod`) mark the moments between steps.
#[derive(Debug)]
pub struct Points {
    pub create: &'static str,
    pub created: Option<&'static str>,
    pub write: &'static str,
    pub written: Option<&'static str>,
    /// Only passed when the file gets an explicit mode.
    pub chmod: Option<&'static str>,
    pub fsync: &'static str,
    pub synced: Option<&'static str>,
    pub rename: &'static str,
    pub renamed: Option<&'static str>,
    pub dir_fsync: &'static str,
    pub dir_synced: Option<&'static str>,
}

/// Which step of [`TempFile::commit`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Setting the mode or syncing the file's data.
    SyncFile,
    /// Renaming it over the final name (the final name is untouched).
    Rename,
    /// Syncing the directory (the rename itself has happened).
    SyncDir,
}

/// A failed commit: the step and the system's error.
#[derive(Debug)]
pub struct CommitError {
    pub step: Step,
    pub error: io::Error,
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// An open directory; every operation below is relative to it.
#[derive(Debug)]
pub struct Dir {
    fd: File,
}

impl Dir {
    /// Opens `path`, which must itself be a directory, not a link to one.
    pub fn open_nofollow(path: &CStr) -> io::Result<Dir> {
        // SAFETY: plain open(2) of a NUL-terminated path.
        let fd = unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor that we now own.
        Ok(Dir {
            fd: unsafe { File::from_raw_fd(fd) },
        })
    }

    /// Opens `path` following symbolic links: for a path that is the
    /// operator's choice (e.g. `/tmp` on macOS is one).
    pub fn open_following(path: &Path) -> io::Result<Dir> {
        let fd = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY)
            .open(path)?;
        Ok(Dir { fd })
    }

    /// The descriptor, for `flock` (see [`crate::lock`]).
    pub fn file(&self) -> &File {
        &self.fd
    }

    pub fn into_file(self) -> File {
        self.fd
    }

    /// Opens `name` in the directory, never following a link.
    pub fn open_at(&self, name: &CStr, flags: libc::c_int, mode: u32) -> io::Result<File> {
        // SAFETY: openat(2) relative to a directory descriptor we own.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                name.as_ptr(),
                flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor, now owned by the File.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// The directory `name` inside this one, never through a link.
    pub fn subdir(&self, name: &CStr) -> io::Result<Dir> {
        let flags = libc::O_RDONLY | libc::O_DIRECTORY;
        Ok(Dir {
            fd: self.open_at(name, flags, 0)?,
        })
    }

    /// Creates the directory `name` with `mode` (umask applies).
    pub fn mkdir(&self, name: &CStr, mode: u32) -> io::Result<()> {
        // SAFETY: mkdirat(2) relative to a directory descriptor we own.
        check(unsafe { libc::mkdirat(self.fd.as_raw_fd(), name.as_ptr(), mode as libc::mode_t) })
    }

    /// Removes the file `name` (a link itself, never its target).
    pub fn unlink(&self, name: &CStr) -> io::Result<()> {
        // SAFETY: unlinkat(2) relative to a directory descriptor we own.
        check(unsafe { libc::unlinkat(self.fd.as_raw_fd(), name.as_ptr(), 0) })
    }

    /// Makes the directory's entries durable (after a rename or unlink).
    pub fn sync(&self) -> io::Result<()> {
        self.fd.sync_all()
    }

    /// Creates a fresh temporary file, `O_EXCL`, named [`TEMP_PREFIX`] and a
    /// unique suffix. With `mode`, the file is created with it and set to
    /// it exactly before the commit (the umask cannot loosen or tighten
    /// it); without, it gets 0666 less the umask, like any file a program
    /// creates.
    pub fn create_temp(
        &self,
        points: &'static Points,
        mode: Option<u32>,
    ) -> io::Result<TempFile<'_>> {
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
        let mut last_error = None;
        for _ in 0..TEMP_ATTEMPTS {
            let name = CString::new(format!("{TEMP_PREFIX}{}", unique_suffix()))
                .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
            let opened = failpoint::fail(points.create)
                .and_then(|_| self.open_at(&name, flags, mode.unwrap_or(0o666)));
            match opened {
                Ok(file) => {
                    if let Some(point) = points.created {
                        failpoint::hit(point);
                    }
                    return Ok(TempFile {
                        dir: self,
                        name,
                        file: Some(file),
                        points,
                        mode,
                        committed: false,
                    });
                }
                // Uniqueness of the name is only a convenience: O_EXCL is
                // the guarantee, and a clash just means another name.
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no free name")))
    }
}

/// A temporary file in a [`Dir`], removed on drop unless committed: every
/// early return and error path cleans up by construction.
#[derive(Debug)]
pub struct TempFile<'a> {
    dir: &'a Dir,
    name: CString,
    file: Option<File>,
    points: &'static Points,
    mode: Option<u32>,
    committed: bool,
}

impl TempFile<'_> {
    /// Appends `bytes`, as one call point of the torture tests.
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(file) => failpoint::write_all(self.points.write, file, bytes),
            None => Err(io::Error::other("temporary file already closed")),
        }
    }

    /// Replaces `name` (a file or a symbolic link, which is replaced
    /// itself, never followed) with the temporary file.
    pub fn commit(mut self, name: &CStr, durability: Durability) -> Result<(), CommitError> {
        let points = self.points;
        let synced = durability == Durability::Synced;
        let fail = |step: Step| move |error: io::Error| CommitError { step, error };
        if let Some(point) = points.written {
            failpoint::hit(point);
        }
        let file = self.file.take().ok_or_else(|| {
            fail(Step::SyncFile)(io::Error::other("temporary file already closed"))
        })?;
        let prepared = match (self.mode, points.chmod) {
            (Some(mode), Some(point)) => failpoint::fail(point).and_then(|_| {
                file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
            }),
            (Some(mode), None) => {
                file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
            }
            (None, _) => Ok(()),
        };
        let prepared = prepared.and_then(|_| match synced {
            true => failpoint::fail(points.fsync).and_then(|_| file.sync_all()),
            false => Ok(()),
        });
        drop(file);
        if let Some(point) = points.synced {
            failpoint::hit(point);
        }
        prepared.map_err(fail(Step::SyncFile))?;
        let fd = self.dir.fd.as_raw_fd();
        failpoint::fail(points.rename)
            .and_then(|_| {
                // SAFETY: renameat(2) within one directory descriptor we own.
                check(unsafe { libc::renameat(fd, self.name.as_ptr(), fd, name.as_ptr()) })
            })
            .map_err(fail(Step::Rename))?;
        self.committed = true;
        if let Some(point) = points.renamed {
            failpoint::hit(point);
        }
        if synced {
            // The rename is durable only once the directory entry is.
            failpoint::fail(points.dir_fsync)
                .and_then(|_| self.dir.sync())
                .map_err(fail(Step::SyncDir))?;
        }
        if let Some(point) = points.dir_synced {
            failpoint::hit(point);
        }
        Ok(())
    }
}

impl Drop for TempFile<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let _ = self.dir.unlink(&self.name);
        }
    }
}

/// Unique within this host: process id, time and a per-process counter.
/// Uniqueness is only a convenience; `O_EXCL` is what guarantees a fresh
/// file.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{nanos:08x}{count:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const TEST_POINTS: Points = Points {
        create: "atomic-test:create",
        created: None,
        write: "atomic-test:write",
        written: None,
        chmod: None,
        fsync: "atomic-test:fsync",
        synced: None,
        rename: "atomic-test:rename",
        renamed: None,
        dir_fsync: "atomic-test:dir-fsync",
        dir_synced: None,
    };

    fn scratch(tag: &str) -> (std::path::PathBuf, Dir) {
        let d = std::env::temp_dir().join(format!("tuf-atomic-{tag}-{}", unique_suffix()));
        std::fs::create_dir_all(&d).unwrap();
        let c = CString::new(d.to_str().unwrap()).unwrap();
        let dir = Dir::open_nofollow(&c).unwrap();
        (d, dir)
    }

    use tuf_testkit::tree::names;

    #[test]
    fn commits_with_the_mode_given_and_drops_uncommitted_files() {
        for durability in [Durability::Synced, Durability::Unsynced] {
            let (d, dir) = scratch("commit");
            let mut t = dir.create_temp(&TEST_POINTS, Some(0o640)).unwrap();
            t.write_all(b"new").unwrap();
            t.commit(c"f", durability).unwrap();
            assert_eq!(std::fs::read(d.join("f")).unwrap(), b"new");
            let mode = std::fs::metadata(d.join("f")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
            let mut t = dir.create_temp(&TEST_POINTS, None).unwrap();
            t.write_all(b"half").unwrap();
            drop(t);
            assert_eq!(names(&d), ["f"]);
            std::fs::remove_dir_all(&d).unwrap();
        }
    }

    #[test]
    fn a_failed_rename_leaves_the_old_file_and_no_temporary() {
        let (d, dir) = scratch("rename");
        std::fs::create_dir(d.join("busy")).unwrap();
        std::fs::write(d.join("busy/x"), b"x").unwrap();
        let mut t = dir.create_temp(&TEST_POINTS, None).unwrap();
        t.write_all(b"new").unwrap();
        // A file cannot replace a non-empty directory.
        let err = t.commit(c"busy", Durability::Synced).unwrap_err();
        assert_eq!(err.step, Step::Rename);
        // The directory and its file untouched, no temporary file left.
        assert_eq!(names(&d), ["busy/", "busy/x"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_link_at_the_name_is_replaced_not_followed() {
        let (d, dir) = scratch("link");
        std::fs::write(d.join("target"), b"keep").unwrap();
        std::os::unix::fs::symlink(d.join("target"), d.join("f")).unwrap();
        assert!(dir.open_at(c"f", libc::O_RDONLY, 0).is_err());
        let mut t = dir.create_temp(&TEST_POINTS, None).unwrap();
        t.write_all(b"new").unwrap();
        t.commit(c"f", Durability::Synced).unwrap();
        assert_eq!(std::fs::read(d.join("target")).unwrap(), b"keep");
        assert!(std::fs::symlink_metadata(d.join("f")).unwrap().is_file());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
