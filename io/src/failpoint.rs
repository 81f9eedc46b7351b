//! Crash points and injected filesystem failures for the crash-safety
//! tests.
//!
//! Built only with the `failpoints` feature (the test command enables it;
//! release builds never have it: without it every function here is an
//! inline no-op or the plain call). One point is armed at a time, by the
//! environment:
//!
//! ```text
//! TUF_FAILPOINT=<name>[@<n>][:<errno>]
//! ```
//!
//! - `<name>` alone: the process aborts the first time it reaches that
//!   point: no destructors, no buffered writes flushed, as after `kill -9`.
//! - `@<n>`: on the n-th time instead (counted per process).
//! - `:<errno>` (a name such as `ENOSPC`, `EIO`, or a number): at a
//!   *call* point ([`fail`], [`write_all`]) the filesystem call is not made
//!   and that error is returned instead, as if the kernel had refused it;
//!   [`write_all`] first writes half of the bytes, as a disk filling up
//!   mid-write would. At a boundary point ([`hit`]) an errno is ignored
//!   and the process aborts.
//!
//! Boundary points ([`CACHE_WRITE_POINTS`]) mark the moments between the
//! steps of a cache write. Call points ([`CACHE_CALL_POINTS`],
//! [`CACHE_READ_POINTS`], [`DOWNLOAD_CALL_POINTS`]) stand for one system
//! call each; armed without an errno they abort just before that call.
//! `cli/tests/torture.rs` injects errors into every call point and kills
//! before each (see docs/hardening.md, "Crash safety").

/// What the environment asks of the point being passed.
#[cfg(feature = "failpoints")]
enum Action {
    Continue,
    Abort,
    Fail(i32),
}

#[cfg(feature = "failpoints")]
fn action(name: &str) -> Action {
    use std::sync::Mutex;
    static HITS: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());
    let Ok(spec) = std::env::var("TUF_FAILPOINT") else {
        return Action::Continue;
    };
    // Point names contain a ':' themselves ("cache-write:rename"): an
    // errno is what follows the last one, if it reads as one.
    let (spec, errno) = match spec.rsplit_once(':') {
        Some((s, e)) if errno(e).is_some() => (s.to_string(), errno(e)),
        _ => (spec, None),
    };
    let (want, nth) = match spec.split_once('@') {
        Some((n, k)) => (n.to_string(), k.parse::<u64>().unwrap_or(1)),
        None => (spec, 1),
    };
    if want != name {
        return Action::Continue;
    }
    let mut hits = HITS.lock().unwrap_or_else(|p| p.into_inner());
    let count = match hits.iter_mut().find(|(n, _)| n == name) {
        Some((_, c)) => {
            *c += 1;
            *c
        }
        None => {
            hits.push((name.to_string(), 1));
            1
        }
    };
    match (count == nth, errno) {
        (false, _) => Action::Continue,
        (true, Some(e)) => Action::Fail(e),
        (true, None) => Action::Abort,
    }
}

/// An errno by name or number (only the ones the tests inject).
#[cfg(feature = "failpoints")]
fn errno(text: &str) -> Option<i32> {
    Some(match text {
        "ENOSPC" => libc::ENOSPC,
        "EIO" => libc::EIO,
        "EDQUOT" => libc::EDQUOT,
        "EROFS" => libc::EROFS,
        "EACCES" => libc::EACCES,
        "EPERM" => libc::EPERM,
        "EMFILE" => libc::EMFILE,
        "EXDEV" => libc::EXDEV,
        "EINTR" => libc::EINTR,
        "ENOLCK" => libc::ENOLCK,
        n => match n.parse::<i32>() {
            Ok(n) if n > 0 => n,
            _ => return None,
        },
    })
}

/// A boundary point: aborts the process when armed.
#[cfg(feature = "failpoints")]
pub fn hit(name: &str) {
    if !matches!(action(name), Action::Continue) {
        std::process::abort();
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &str) {}

/// A call point, passed just before the system call it stands for: the
/// injected error when armed with an errno (the call must then not be
/// made), an abort when armed without.
#[cfg(feature = "failpoints")]
pub fn fail(name: &str) -> std::io::Result<()> {
    match action(name) {
        Action::Continue => Ok(()),
        Action::Abort => std::process::abort(),
        Action::Fail(e) => Err(std::io::Error::from_raw_os_error(e)),
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn fail(_name: &str) -> std::io::Result<()> {
    Ok(())
}

/// `w.write_all(bytes)` as a call point: armed with an errno, half of
/// `bytes` is written before the error is returned (a short write, then
/// ENOSPC or EIO); armed without, the process aborts before writing.
#[cfg(feature = "failpoints")]
pub fn write_all(name: &str, w: &mut impl std::io::Write, bytes: &[u8]) -> std::io::Result<()> {
    match action(name) {
        Action::Continue => w.write_all(bytes),
        Action::Abort => std::process::abort(),
        Action::Fail(e) => {
            w.write_all(&bytes[..bytes.len() / 2])?;
            Err(std::io::Error::from_raw_os_error(e))
        }
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn write_all(_name: &str, w: &mut impl std::io::Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(bytes)
}

/// The crash points, in the order a metadata write reaches them.
pub const CACHE_WRITE_POINTS: &[&str] = &[
    "cache-write:temp-created",
    "cache-write:temp-written",
    "cache-write:temp-synced",
    "cache-write:renamed",
    "cache-write:dir-synced",
];

/// The system calls of the metadata cache, in the order a refresh makes
/// them: taking the lock, writing a role (create the temporary file, write,
/// chmod, fsync, rename over the old file, fsync the directory) and
/// forgetting one (unlink, fsync the directory; spec 5.3.11).
pub const CACHE_CALL_POINTS: &[&str] = &[
    "cache-lock:flock",
    "cache-write:create",
    "cache-write:write",
    "cache-write:chmod",
    "cache-write:fsync",
    "cache-write:rename",
    "cache-write:dir-fsync",
    "cache-remove:unlink",
    "cache-remove:dir-fsync",
];

/// Reading a cached role: an injected error makes the file read as absent,
/// as any read error does (`DiskCache::read_file`).
pub const CACHE_READ_POINTS: &[&str] = &["cache-read:open"];

/// The system calls of a target download, in order: create each missing
/// directory, create the temporary file, write each chunk, fsync it, rename
/// it over the final name, fsync the directory.
pub const DOWNLOAD_CALL_POINTS: &[&str] = &[
    "download:mkdir",
    "download:create",
    "download:write",
    "download:fsync",
    "download:rename",
    "download:dir-fsync",
];
