//! Target downloads (spec 5.7): the URL of a target, the local file it
//! maps to, and a download that puts only verified bytes under that name.
//!
//! - A target name maps to a relative path that can never leave the
//!   destination directory ([`safe_relative_path`]); names that could are
//!   refused rather than rewritten, so two names never share a file.
//! - Directories inside the destination are walked with `openat` and
//!   `O_NOFOLLOW`: a symbolic link planted in the destination cannot send a
//!   write elsewhere.
//! - The body is streamed to a temporary file next to the final name,
//!   checked against the trusted length and hashes while it is written,
//!   synced, then renamed into place: a reader of the final name only ever
//!   sees a complete, verified file (or the previous one).
//! - A verified copy already in place is not downloaded again.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::atomic::{CommitError, Dir, Durability, Points, Step, TempFile};
use crate::failpoint;
use tuf_core::delegation::TargetInfo;
use tuf_core::error::{Error, Result};
use tuf_core::hashing::{self, Expected, Verifier};
use tuf_core::updater::{Fetcher, MetadataStore, TargetDownload, Updater};

/// Longest path segment accepted: NAME_MAX on Linux and the BSDs.
pub const MAX_SEGMENT_LEN: usize = 255;
/// Longest target name accepted: PATH_MAX on Linux.
pub const MAX_PATH_LEN: usize = 4096;
/// The crash points of a download's write (see
/// [`failpoint::DOWNLOAD_CALL_POINTS`]). A download killed mid-way leaves
/// its temporary file (`.tmp-*`, see [`crate::atomic`]) behind, one per
/// killed download; they are never read as targets, and are not swept
/// automatically because another process may be writing one right now:
/// remove `.tmp-*` files older than a day if disk space matters.
static WRITE_POINTS: Points = Points {
    create: "download:create",
    created: None,
    write: "download:write",
    written: None,
    chmod: None,
    fsync: "download:fsync",
    synced: None,
    rename: "download:rename",
    renamed: None,
    dir_fsync: "download:dir-fsync",
    dir_synced: None,
};

/// Maps a target name (spec 4.5 TARGETPATH, `/`-separated) to a relative
/// path under the destination directory.
///
/// Refused, with a `Format` error naming the target: the empty name,
/// absolute names, `.` and `..` segments, empty segments (`a//b`, a
/// trailing `/`), backslashes (a separator on Windows, and a sign of a
/// confused repository anywhere), NUL and other control characters,
/// segments over [`MAX_SEGMENT_LEN`] bytes and names over
/// [`MAX_PATH_LEN`] bytes. What is accepted is used segment by segment,
/// unchanged, so the file name is the target name.
pub fn safe_relative_path(target: &str) -> Result<PathBuf> {
    let refuse =
        |why: &str| Error::format(format!("target {target:?} cannot be stored safely: {why}"));
    if target.is_empty() {
        return Err(refuse("empty name"));
    }
    if target.len() > MAX_PATH_LEN {
        return Err(refuse(&format!("longer than {MAX_PATH_LEN} bytes")));
    }
    if target.starts_with('/') {
        return Err(refuse("absolute name"));
    }
    if target.contains('\\') {
        return Err(refuse("contains a backslash"));
    }
    if target.chars().any(char::is_control) {
        return Err(refuse("contains a control character"));
    }
    let mut path = PathBuf::new();
    for segment in target.split('/') {
        match segment {
            "" => return Err(refuse("empty path segment")),
            "." | ".." => return Err(refuse("'.' or '..' path segment")),
            s if s.len() > MAX_SEGMENT_LEN => {
                return Err(refuse(&format!(
                    "path segment longer than {MAX_SEGMENT_LEN} bytes"
                )))
            }
            s => path.push(s),
        }
    }
    Ok(path)
}

/// The URL of a target under `base`, which is an opaque prefix: the
/// target path is appended to it, never joined or normalised.
///
/// With consistent snapshots (spec 5.7.3) the hash goes on the file name
/// only: `dir/sub/<hash>.name`. The hash is the sha256 one when listed:
/// that is what repositories publish under (python-tuf takes the first
/// listed hash, and writes sha256 first by default). Our hashes are sorted
/// by algorithm name, so "first" would otherwise mean alphabetical order,
/// not the repository's order; it is only the fallback.
///
/// The appended path is percent-encoded outside RFC 3986 `pchar` (and
/// `/`), so a name with `%`, `?`, `#`, spaces or non-ASCII text names the
/// same file on any HTTP server instead of a query, a fragment or a
/// decoded different name. Ordinary names are unchanged.
pub fn target_url(base: &str, info: &TargetInfo, consistent_snapshot: bool) -> String {
    let (dir, name) = match info.path.rsplit_once('/') {
        Some((dir, name)) => (Some(dir), name),
        None => (None, info.path.as_str()),
    };
    let file = match url_hash(info) {
        Some(hash) if consistent_snapshot => format!("{hash}.{name}"),
        _ => name.to_string(),
    };
    let mut url = String::with_capacity(base.len() + info.path.len() + 80);
    url.push_str(base);
    if let Some(dir) = dir {
        url.push_str(&encode_url_path(dir));
        url.push('/');
    }
    url.push_str(&encode_url_path(&file));
    url
}

/// The hash that prefixes a consistent-snapshot target file name.
fn url_hash(info: &TargetInfo) -> Option<&str> {
    info.hashes
        .iter()
        .find(|(algorithm, _)| algorithm == "sha256")
        .or_else(|| info.hashes.first())
        .map(|(_, digest)| digest.as_str())
}

/// Percent-encodes every byte outside RFC 3986 `pchar` and `/`.
fn encode_url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'_' | b'~' // unreserved
                | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' // sub-delims
                | b':' | b'@' | b'/'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn expected(info: &TargetInfo) -> Expected<'_> {
    Expected {
        length: info.length,
        hashes: &info.hashes,
    }
}

fn describe(info: &TargetInfo) -> String {
    format!("target {:?}", info.path)
}

/// Spec 5.7.2: checks a local file against `info`'s trusted length and
/// hashes ([`verify_path`]).
pub fn verify_file(path: &Path, info: &TargetInfo) -> Result<()> {
    verify_path(path, &describe(info), expected(info))
}

/// Checks the file at `path` against `expected`, reading it in chunks,
/// with the core's one length rule ([`hashing::check_length`]: a file of
/// the wrong size is refused before it is read). `path` is the operator's
/// choice, so symbolic links are followed here; it must end at a regular
/// file (a FIFO or a device is refused without blocking on it). `what`
/// names the data in messages, which the path prefixes.
pub fn verify_path(path: &Path, what: &str, expected: Expected<'_>) -> Result<()> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(format!("opening {}: {e}", path.display())))?;
    verify_open_file(file, what, expected).map_err(|e| e.context(path.display()))
}

fn verify_open_file(mut file: File, what: &str, expected: Expected<'_>) -> Result<()> {
    let meta = file
        .metadata()
        .map_err(|e| Error::io(format!("{what}: {e}")))?;
    if !meta.is_file() {
        return Err(Error::io(format!("{what}: not a regular file")));
    }
    hashing::check_length(what, expected, meta.len())?;
    hashing::verify_reader(what, expected, &mut file)
}

/// Spec 5.7: downloads `info`'s target from `base_url` into `dest_dir`,
/// at [`safe_relative_path`] of its name, and returns that path.
///
/// If a file there already matches the trusted length and hashes, nothing
/// is fetched. Otherwise the body is fetched with the trusted length as the
/// byte cap and verified as it streams into a temporary file, which is
/// renamed over the final name only once complete and correct. On any
/// failure the temporary file is removed and the final name is untouched.
/// `dest_dir` itself must exist; directories below it are created.
pub fn download_target<F: Fetcher>(
    fetcher: &mut F,
    base_url: &str,
    info: &TargetInfo,
    consistent_snapshot: bool,
    dest_dir: &Path,
) -> Result<PathBuf> {
    let relative = safe_relative_path(&info.path)?;
    let dest = dest_dir.join(&relative);
    let (parents, name) = split_name(&info.path);
    let dir = walk(open_destination(dest_dir)?, dest_dir, parents)?;
    let name = c_name(name)?;

    if let Some(existing) = open_regular(&dir, &name) {
        if verify_open_file(existing, &describe(info), expected(info)).is_ok() {
            return Ok(dest);
        }
    }

    let url = target_url(base_url, info, consistent_snapshot);
    // 0666 less the umask, like any file a program creates: targets are
    // meant to be used by other programs.
    let mut temp = dir.create_temp(&WRITE_POINTS, None).map_err(|e| {
        Error::io(format!(
            "creating a temporary file for {}: {e}",
            dest.display()
        ))
    })?;
    fetch_verified(fetcher, &url, info, &mut temp).map_err(|e| e.context(&url))?;
    temp.commit(&name, Durability::Synced).map_err(
        |CommitError { step, error: e }| match step {
            Step::SyncFile => Error::io(format!("syncing {}: {e}", dest.display())),
            Step::Rename => Error::io(format!("replacing {}: {e}", dest.display())),
            Step::SyncDir => Error::io(format!("syncing the directory of {}: {e}", dest.display())),
        },
    )?;
    Ok(dest)
}

/// Spec 5.7 for a target planned by [`Updater::target_download`] (which
/// chose the file name and restarted the deadline): [`download_target`]
/// with the updater's fetcher.
pub fn download<F: Fetcher, S: MetadataStore>(
    updater: &mut Updater<F, S>,
    plan: &TargetDownload,
    base_url: &str,
    dest_dir: &Path,
) -> Result<PathBuf> {
    let TargetDownload {
        info,
        consistent_snapshot,
    } = plan;
    download_target(
        updater.fetcher_mut(),
        base_url,
        info,
        *consistent_snapshot,
        dest_dir,
    )
}

/// `a/b/c` -> (["a", "b"], "c"). The name was checked by
/// [`safe_relative_path`], so no segment is empty.
fn split_name(target: &str) -> (Vec<&str>, &str) {
    let mut segments: Vec<&str> = target.split('/').collect();
    let name = segments.pop().unwrap_or(target);
    (segments, name)
}

fn c_name(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| Error::format(format!("file name {name:?} contains NUL")))
}

/// Streams the target body into `file`, verifying it on the way; the
/// trusted length is the fetcher's byte cap (spec 5.7.2), and is enforced
/// again here in case a fetcher does not honour it.
fn fetch_verified<F: Fetcher>(
    fetcher: &mut F,
    url: &str,
    info: &TargetInfo,
    file: &mut TempFile<'_>,
) -> Result<()> {
    let verifier = Verifier::new(&describe(info), expected(info))?;
    let mut sink = VerifyingWriter {
        file,
        verifier,
        failure: None,
    };
    let fetched = fetcher.fetch_into(url, info.length, &mut sink);
    let VerifyingWriter {
        verifier, failure, ..
    } = sink;
    // The verifier's own error (too long, say) is the real reason, even
    // when the fetcher reports it as a failed write.
    if let Some(e) = failure {
        return Err(e);
    }
    fetched?;
    verifier.finish()
}

/// Writes each chunk to the file after the verifier has seen it, so not
/// one byte past the trusted length reaches the disk.
struct VerifyingWriter<'a, 'd> {
    file: &'a mut TempFile<'d>,
    verifier: Verifier,
    failure: Option<Error>,
}

impl Write for VerifyingWriter<'_, '_> {
    fn write(&mut self, chunk: &[u8]) -> io::Result<usize> {
        if let Err(e) = self.verifier.update(chunk) {
            let message = e.to_string();
            self.failure = Some(e);
            return Err(io::Error::other(message));
        }
        self.file.write_all(chunk)?;
        Ok(chunk.len())
    }

    /// Nothing is buffered: the commit syncs the file.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Opens the destination directory itself. Its path is the operator's
/// choice and may go through symbolic links (e.g. `/tmp` on macOS);
/// everything below it is opened relative to it with `O_NOFOLLOW`, so a
/// path can never be redirected by a symbolic link.
fn open_destination(path: &Path) -> Result<Dir> {
    Dir::open_following(path).map_err(|e| {
        Error::io(format!(
            "opening destination directory {}: {e}",
            path.display()
        ))
    })
}

/// Descends through `segments`, creating missing directories. A segment
/// that is a symbolic link, or not a directory, is an error.
fn walk(dir: Dir, base: &Path, segments: Vec<&str>) -> Result<Dir> {
    let mut dir = dir;
    let mut path = base.to_path_buf();
    for segment in segments {
        path.push(segment);
        dir = subdir(&dir, &c_name(segment)?, &path)?;
    }
    Ok(dir)
}

fn subdir(dir: &Dir, name: &CStr, path: &Path) -> Result<Dir> {
    // Permissions come from the umask, as for `mkdir -p`: targets are
    // meant to be used by other programs. EEXIST is fine (it may be a
    // directory made earlier, or by a concurrent download); what it
    // really is gets checked by the open below.
    let made = failpoint::fail("download:mkdir").and_then(|_| dir.mkdir(name, 0o777));
    if let Err(err) = made {
        if err.raw_os_error() != Some(libc::EEXIST) {
            return Err(Error::io(format!("creating {}: {err}", path.display())));
        }
    }
    dir.subdir(name).map_err(|err| {
        // Linux reports a link as ELOOP, the BSDs as ENOTDIR with
        // O_DIRECTORY; both mean "not a real directory".
        match err.raw_os_error() {
            Some(libc::ELOOP) | Some(libc::ENOTDIR) => Error::io(format!(
                "{} is not a directory (symbolic links are not followed)",
                path.display()
            )),
            _ => Error::io(format!("opening {}: {err}", path.display())),
        }
    })
}

/// `name` opened for reading if it is a regular file (not a link, and
/// without blocking on a FIFO).
fn open_regular(dir: &Dir, name: &CStr) -> Option<File> {
    let file = dir
        .open_at(name, libc::O_RDONLY | libc::O_NONBLOCK, 0)
        .ok()?;
    file.metadata().ok().filter(|m| m.is_file()).map(|_| file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic::unique_suffix;
    use sha2::{Digest, Sha256, Sha512};
    use std::collections::HashMap;
    use tuf_core::error::ErrorKind;

    /// Serves bodies from memory and records every URL asked for. With
    /// `ignore_cap` it writes whole bodies whatever `max_len` says, like a
    /// careless third-party fetcher.
    #[derive(Default)]
    struct MemoryFetcher {
        bodies: HashMap<String, Vec<u8>>,
        requests: Vec<String>,
        ignore_cap: bool,
    }

    impl Fetcher for MemoryFetcher {
        fn fetch(&mut self, url: &str, max_len: u64) -> Result<Vec<u8>> {
            self.requests.push(url.to_string());
            let body = self
                .bodies
                .get(url)
                .cloned()
                .ok_or_else(|| Error::not_found(format!("{url}: HTTP status 404")))?;
            if body.len() as u64 > max_len && !self.ignore_cap {
                return Err(Error::download_size(format!(
                    "{url}: body exceeds {max_len} bytes"
                )));
            }
            Ok(body)
        }
    }

    const BASE: &str = "http://repo.invalid/targets/";

    fn info(path: &str, content: &[u8]) -> TargetInfo {
        TargetInfo {
            path: path.to_string(),
            length: content.len() as u64,
            hashes: vec![
                ("sha256".to_string(), hex::encode(Sha256::digest(content))),
                ("sha512".to_string(), hex::encode(Sha512::digest(content))),
            ],
            custom: None,
            role: "targets".to_string(),
        }
    }

    /// A fresh sandbox directory holding `dest/`, so a test can check that
    /// nothing appeared next to the destination.
    struct Sandbox {
        root: PathBuf,
    }

    impl Sandbox {
        fn new(tag: &str) -> Sandbox {
            let root = std::env::temp_dir().join(format!("tuf-download-{tag}-{}", unique_suffix()));
            std::fs::create_dir_all(root.join("dest")).unwrap();
            Sandbox { root }
        }
        fn dest(&self) -> PathBuf {
            self.root.join("dest")
        }
        /// Every path under the sandbox, relative, sorted.
        fn listing(&self) -> Vec<String> {
            fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
                for entry in std::fs::read_dir(dir).unwrap() {
                    let path = entry.unwrap().path();
                    out.push(path.strip_prefix(base).unwrap().display().to_string());
                    let meta = std::fs::symlink_metadata(&path).unwrap();
                    if meta.is_dir() {
                        walk(&path, base, out);
                    }
                }
            }
            let mut out = Vec::new();
            walk(&self.root, &self.root, &mut out);
            out.sort();
            out
        }
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn safe_paths_keep_the_name() {
        assert_eq!(safe_relative_path("a.txt").unwrap(), PathBuf::from("a.txt"));
        assert_eq!(
            safe_relative_path("drupal/pkg01/1.0.0.0").unwrap(),
            PathBuf::from("drupal/pkg01/1.0.0.0")
        );
        assert_eq!(
            safe_relative_path(".hidden/..x/x..").unwrap(),
            PathBuf::from(".hidden/..x/x..")
        );
        assert_eq!(
            safe_relative_path("é/日本").unwrap(),
            PathBuf::from("é/日本")
        );
        let longest = "s".repeat(MAX_SEGMENT_LEN);
        assert!(safe_relative_path(&longest).is_ok());
    }

    const UNSAFE_NAMES: &[&str] = &[
        "",
        "/etc/passwd",
        "//x",
        "..",
        ".",
        "../escape",
        "a/../../escape",
        "a/./b",
        "a/..",
        "a//b",
        "a/",
        "..\\escape",
        "a\\b",
        "nul\0byte",
        "new\nline",
        "tab\there",
        "del\u{7f}",
        "c1\u{85}control",
    ];

    #[test]
    fn unsafe_names_are_refused() {
        let too_long_segment = "s".repeat(MAX_SEGMENT_LEN + 1);
        let too_long_path = ["d"; 2049].join("/");
        assert!(too_long_path.len() > MAX_PATH_LEN);
        let long: [&str; 2] = [&too_long_segment, &too_long_path];
        for name in UNSAFE_NAMES.iter().chain(long.iter()) {
            let err = safe_relative_path(name).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Format, "{name:?}");
            assert!(err.message().contains("cannot be stored safely"), "{err}");
        }
    }

    #[test]
    fn unsafe_names_create_nothing_and_fetch_nothing() {
        let sandbox = Sandbox::new("escape");
        let mut fetcher = MemoryFetcher::default();
        for name in UNSAFE_NAMES {
            let target = info(name, b"evil");
            fetcher
                .bodies
                .insert(target_url(BASE, &target, false), b"evil".to_vec());
            let err =
                download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Format, "{name:?}");
        }
        assert!(fetcher.requests.is_empty(), "{:?}", fetcher.requests);
        assert_eq!(sandbox.listing(), ["dest"]);
    }

    #[test]
    fn urls_append_to_an_opaque_base() {
        let t = info("dir/sub/file.bin", b"x");
        let sha256 = &t.hashes[0].1;
        assert_eq!(
            target_url(BASE, &t, false),
            format!("{BASE}dir/sub/file.bin")
        );
        assert_eq!(
            target_url(BASE, &t, true),
            format!("{BASE}dir/sub/{sha256}.file.bin")
        );
        let top = info("hello.txt", b"x");
        assert_eq!(
            target_url("http://h/t?x=", &top, true),
            format!("http://h/t?x={sha256}.hello.txt")
        );
        let odd = info("a b/100%/q?#é", b"x");
        assert_eq!(
            target_url("file:///srv/t/", &odd, false),
            "file:///srv/t/a%20b/100%25/q%3F%23%C3%A9"
        );
    }

    #[test]
    fn url_hash_prefers_sha256_then_the_first_listed() {
        let mut t = info("f", b"x");
        t.hashes
            .insert(0, ("blake2b".to_string(), "b1".to_string()));
        assert!(target_url("", &t, true).starts_with(&t.hashes[1].1));
        t.hashes.retain(|(a, _)| a != "sha256");
        assert_eq!(target_url("", &t, true), "b1.f");
    }

    #[test]
    fn downloads_into_subdirectories_and_leaves_no_temporaries() {
        let sandbox = Sandbox::new("ok");
        let body = b"hello, world\n".repeat(10_000);
        let target = info("dir/sub/file.bin", &body);
        let mut fetcher = MemoryFetcher::default();
        fetcher
            .bodies
            .insert(target_url(BASE, &target, true), body.clone());
        let path = download_target(&mut fetcher, BASE, &target, true, &sandbox.dest()).unwrap();
        assert_eq!(path, sandbox.dest().join("dir/sub/file.bin"));
        assert_eq!(std::fs::read(&path).unwrap(), body);
        assert_eq!(
            sandbox.listing(),
            ["dest", "dest/dir", "dest/dir/sub", "dest/dir/sub/file.bin"]
        );
        verify_file(&path, &target).unwrap();
    }

    #[test]
    fn a_verified_copy_is_not_fetched_again() {
        let sandbox = Sandbox::new("present");
        let target = info("files/one.txt", b"one\n");
        let mut fetcher = MemoryFetcher::default();
        fetcher
            .bodies
            .insert(target_url(BASE, &target, false), b"one\n".to_vec());
        download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap();
        download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap();
        assert_eq!(fetcher.requests.len(), 1, "{:?}", fetcher.requests);

        // A copy that no longer matches is replaced.
        let path = sandbox.dest().join("files/one.txt");
        std::fs::write(&path, b"two\n").unwrap();
        download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap();
        assert_eq!(fetcher.requests.len(), 2);
        assert_eq!(std::fs::read(&path).unwrap(), b"one\n");
    }

    #[test]
    fn a_tampered_body_is_rejected_and_nothing_is_left() {
        let sandbox = Sandbox::new("tampered");
        let target = info("hello.txt", b"hello\n");
        let mut fetcher = MemoryFetcher::default();
        fetcher
            .bodies
            .insert(target_url(BASE, &target, false), b"HELLO\n".to_vec());
        let err = download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidHash, "{err}");
        assert_eq!(sandbox.listing(), ["dest"]);
    }

    #[test]
    fn a_tampered_body_leaves_the_previous_copy_alone() {
        let sandbox = Sandbox::new("keep");
        let good = info("hello.txt", b"hello\n");
        let newer = info("hello.txt", b"hello again\n");
        let mut fetcher = MemoryFetcher::default();
        fetcher
            .bodies
            .insert(target_url(BASE, &good, false), b"hello\n".to_vec());
        download_target(&mut fetcher, BASE, &good, false, &sandbox.dest()).unwrap();
        fetcher
            .bodies
            .insert(target_url(BASE, &newer, false), b"HELLO AGAIN\n".to_vec());
        download_target(&mut fetcher, BASE, &newer, false, &sandbox.dest()).unwrap_err();
        assert_eq!(
            std::fs::read(sandbox.dest().join("hello.txt")).unwrap(),
            b"hello\n"
        );
        assert_eq!(sandbox.listing(), ["dest", "dest/hello.txt"]);
    }

    #[test]
    fn a_longer_body_is_a_download_size_error() {
        for ignore_cap in [false, true] {
            let sandbox = Sandbox::new("long");
            let target = info("hello.txt", b"hello\n");
            let mut fetcher = MemoryFetcher {
                ignore_cap,
                ..MemoryFetcher::default()
            };
            fetcher.bodies.insert(
                target_url(BASE, &target, false),
                b"hello\nand more".to_vec(),
            );
            let err =
                download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::DownloadSize,
                "ignore_cap {ignore_cap}: {err}"
            );
            assert_eq!(sandbox.listing(), ["dest"]);
        }
    }

    #[test]
    fn a_shorter_body_is_rejected() {
        let sandbox = Sandbox::new("short");
        let target = info("hello.txt", b"hello\n");
        let mut fetcher = MemoryFetcher::default();
        fetcher
            .bodies
            .insert(target_url(BASE, &target, false), b"hel".to_vec());
        let err = download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::DownloadSize | ErrorKind::InvalidHash),
            "{err}"
        );
        assert_eq!(sandbox.listing(), ["dest"]);
    }

    #[test]
    fn a_missing_target_is_not_found() {
        let sandbox = Sandbox::new("missing");
        let target = info("gone.txt", b"x");
        let err = download_target(
            &mut MemoryFetcher::default(),
            BASE,
            &target,
            false,
            &sandbox.dest(),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(sandbox.listing(), ["dest"]);
    }

    #[test]
    fn symlinked_directories_are_not_followed() {
        let sandbox = Sandbox::new("linkdir");
        std::fs::create_dir(sandbox.root.join("outside")).unwrap();
        std::os::unix::fs::symlink(sandbox.root.join("outside"), sandbox.dest().join("dir"))
            .unwrap();
        let target = info("dir/file", b"x");
        let mut fetcher = MemoryFetcher::default();
        fetcher
            .bodies
            .insert(target_url(BASE, &target, false), b"x".to_vec());
        let err = download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        assert!(
            err.message().contains("symbolic links are not followed"),
            "{err}"
        );
        assert!(fetcher.requests.is_empty());
        assert_eq!(sandbox.listing(), ["dest", "dest/dir", "outside"]);
    }

    #[test]
    fn a_symlink_at_the_final_name_is_replaced_not_followed() {
        let sandbox = Sandbox::new("linkfile");
        let secret = sandbox.root.join("secret");
        std::fs::write(&secret, b"x").unwrap();
        std::os::unix::fs::symlink(&secret, sandbox.dest().join("file")).unwrap();
        // The link points at a file with the right content: still not
        // taken as a verified copy, since it is not a file in dest.
        let target = info("file", b"x");
        let mut fetcher = MemoryFetcher::default();
        fetcher
            .bodies
            .insert(target_url(BASE, &target, false), b"x".to_vec());
        download_target(&mut fetcher, BASE, &target, false, &sandbox.dest()).unwrap();
        assert_eq!(fetcher.requests.len(), 1);
        let meta = std::fs::symlink_metadata(sandbox.dest().join("file")).unwrap();
        assert!(meta.is_file());
        assert_eq!(std::fs::read(&secret).unwrap(), b"x");
        assert_eq!(sandbox.listing(), ["dest", "dest/file", "secret"]);
    }

    #[test]
    fn files_follow_the_length_rule_of_bytes() {
        let sandbox = Sandbox::new("rule");
        let path = sandbox.dest().join("f");
        for (content, listed) in [(&b"abcd"[..], &b"abc"[..]), (b"ab", b"abc")] {
            std::fs::write(&path, content).unwrap();
            let target = info("f", listed);
            let from_file = verify_file(&path, &target).unwrap_err();
            let from_bytes =
                hashing::verify_bytes(&describe(&target), expected(&target), content).unwrap_err();
            assert_eq!(from_file.kind(), from_bytes.kind(), "{from_file}");
            assert_eq!(
                from_file.message(),
                format!("{}: {}", path.display(), from_bytes.message())
            );
        }
    }

    #[test]
    fn verify_file_reports_mismatches() {
        let sandbox = Sandbox::new("verify");
        let path = sandbox.dest().join("f");
        std::fs::write(&path, b"abc").unwrap();
        verify_file(&path, &info("f", b"abc")).unwrap();
        let wrong_length = verify_file(&path, &info("f", b"abcd")).unwrap_err();
        assert_eq!(wrong_length.kind(), ErrorKind::InvalidHash);
        let wrong_hash = verify_file(&path, &info("f", b"abd")).unwrap_err();
        assert_eq!(wrong_hash.kind(), ErrorKind::InvalidHash);
        assert_eq!(
            verify_file(&sandbox.dest(), &info("f", b"abc"))
                .unwrap_err()
                .kind(),
            ErrorKind::Io
        );
        assert_eq!(
            verify_file(&sandbox.root.join("none"), &info("f", b""))
                .unwrap_err()
                .kind(),
            ErrorKind::Io
        );
    }
}
