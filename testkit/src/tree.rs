//! What is left on disk: a directory tree listed with kinds, modes, sizes
//! and contents, for attack tests that assert nothing else was written.

use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Relative to the listed directory; directories end in `/`.
    pub path: String,
    /// Permission bits (`mode & 0o7777`).
    pub mode: u32,
    pub size: u64,
    pub symlink: bool,
    /// The bytes of a regular file (empty for directories and links).
    pub bytes: Vec<u8>,
}

/// Every entry under `dir`, sorted by path; symbolic links are listed,
/// never followed. A missing `dir` lists as empty.
pub fn list(dir: &Path) -> Vec<Entry> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<Entry>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = std::fs::symlink_metadata(&path).expect("entry metadata");
            let mode = mode_of(&meta);
            if meta.is_dir() {
                out.push(Entry {
                    path: format!("{rel}/"),
                    mode,
                    size: 0,
                    symlink: false,
                    bytes: Vec::new(),
                });
                walk(&path, base, out);
            } else {
                let symlink = meta.file_type().is_symlink();
                let bytes = if symlink {
                    Vec::new()
                } else {
                    std::fs::read(&path).unwrap_or_default()
                };
                out.push(Entry {
                    path: rel,
                    mode,
                    size: meta.len(),
                    symlink,
                    bytes,
                });
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_: &std::fs::Metadata) -> u32 {
    0
}

/// The relative paths under `dir`, sorted (directories with a `/`).
pub fn names(dir: &Path) -> Vec<String> {
    list(dir).into_iter().map(|e| e.path).collect()
}

/// (path, bytes) of everything under `dir`, sorted (directories with a
/// `/` and no bytes).
pub fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    list(dir).into_iter().map(|e| (e.path, e.bytes)).collect()
}
