//! Every limit of the client in one place, with documented defaults:
//! what a repository may make a refresh spend ([`Config`]), the network's
//! timeouts ([`HttpConfig`]) and the local storage's ([`StorageConfig`]).
//! [`defaults`] lists them all, for `php --ri tuf_native` and
//! `tuf-native --help`. Fixed format limits (JSON depth, RSA key sizes,
//! target path lengths) stay beside the parsers they bound and are listed
//! there too.

use std::time::Duration;

use crate::error::{Error, Result};

/// Limits that bound the work and memory a repository can make a client
/// spend. Defaults follow python-tuf's `UpdaterConfig` where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Most root versions fetched in one refresh (spec 5.3). Default 256.
    pub max_root_rotations: u32,
    /// Most targets roles visited by one target search (spec 5.6.7),
    /// top-level targets included. Default 32.
    pub max_roles_visited: usize,
    /// Byte cap for a root file. Default 512,000.
    pub root_max_length: u64,
    /// Byte cap for timestamp.json. Default 16,384.
    pub timestamp_max_length: u64,
    /// Byte cap for snapshot: the download cap is the length timestamp
    /// lists, if any, and a listed length above this is refused (see
    /// [`download_cap`]). Default 2,000,000.
    pub snapshot_max_length: u64,
    /// Byte cap for a targets role, likewise over the length snapshot
    /// lists. Default 5,000,000.
    pub targets_max_length: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_root_rotations: 256,
            max_roles_visited: 32,
            root_max_length: 512_000,
            timestamp_max_length: 16_384,
            snapshot_max_length: 2_000_000,
            targets_max_length: 5_000_000,
        }
    }
}

/// Redirects followed per request; one more is an error (so is a loop).
pub const MAX_REDIRECTS: u32 = 5;

/// Timeouts and identification of tuf-io's HTTP fetcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Longest time to resolve the host and establish the connection,
    /// TLS handshake included. Default 10 s.
    pub connect_timeout: Duration,
    /// Longest silence while reading (headers or body) or writing: the
    /// time allowed between bytes. Default 30 s.
    pub read_timeout: Duration,
    /// Overall budget for all downloads of one updater call (a refresh, a
    /// target lookup, one target download), restarted by the updater at
    /// each call (`Fetcher::start_deadline`). Default 300 s.
    pub deadline: Duration,
    /// Low-speed rule: a file whose average rate over `low_speed_time`
    /// (counted from the request, then window after window) stays below
    /// this many bytes per second fails as slow retrieval. 0 turns the
    /// rule off. Default 1,024 (1 KiB/s).
    pub low_speed_limit: u64,
    /// The window of the low-speed rule; while the rule is on, also the
    /// longest wait for the response head, and the longest silence if
    /// shorter than `read_timeout`. Default 10 s.
    pub low_speed_time: Duration,
    /// The `User-Agent` header; empty sends none. Default
    /// `tuf-native/<crate version>`.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(300),
            low_speed_limit: 1024,
            low_speed_time: Duration::from_secs(10),
            user_agent: format!("tuf-native/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The local side: how files in a cache directory are written and shared
/// between processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// Mode of the files the cache writes (umask applies). Default 0600:
    /// trusted metadata is not secret, but nobody else should replace it.
    pub file_mode: u32,
    /// Longest wait for the lock of a cache directory another process
    /// holds (a refresh under way). Default 60 s.
    pub lock_timeout: Duration,
    /// Largest metadata file read back from local storage (disk cache or
    /// PHP callbacks): a bigger one is treated as absent and fetched again.
    /// Default 64 MiB.
    pub max_stored_file: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            file_mode: 0o600,
            lock_timeout: Duration::from_secs(60),
            max_stored_file: 64 << 20,
        }
    }
}

/// One documented default and its value. `name` is the `$options` key of
/// `Tuf\Native\Updater` where `option` is set, else a plain label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub name: &'static str,
    pub option: bool,
    pub value: String,
}

/// Every default above, in one list, so `php --ri` and `--help` show the
/// same values from the same source.
pub fn defaults() -> Vec<Limit> {
    let (c, h, s) = (
        Config::default(),
        HttpConfig::default(),
        StorageConfig::default(),
    );
    let secs = |d: Duration| format!("{} s", d.as_secs_f64());
    let bytes = |n: u64| format!("{n} bytes");
    let row = |name, value| Limit {
        name,
        option: !name.contains(' ') && name != "User-Agent",
        value,
    };
    vec![
        row("maxRootRotations", c.max_root_rotations.to_string()),
        row("maxRolesVisited", c.max_roles_visited.to_string()),
        row("rootMaxLength", bytes(c.root_max_length)),
        row("timestampMaxLength", bytes(c.timestamp_max_length)),
        row("snapshotMaxLength", bytes(c.snapshot_max_length)),
        row("targetsMaxLength", bytes(c.targets_max_length)),
        row("connectTimeout", secs(h.connect_timeout)),
        row("readTimeout", secs(h.read_timeout)),
        row("deadline", secs(h.deadline)),
        row("lowSpeedLimit", format!("{} bytes/s", h.low_speed_limit)),
        row("lowSpeedTime", secs(h.low_speed_time)),
        row("lockTimeout", secs(s.lock_timeout)),
        row("fileMode", format!("0{:o}", s.file_mode)),
        row("HTTP redirects followed", MAX_REDIRECTS.to_string()),
        row("User-Agent", h.user_agent),
        row("stored file cap", bytes(s.max_stored_file)),
    ]
}

/// The byte cap for downloading metadata file `file`: min(the length
/// trusted metadata lists, our own maximum `max` for the role). A listed
/// length above `max` is refused before any byte is read: the holder of an
/// online key (timestamp, snapshot) may freeze clients, but must not make
/// them read or buffer more than their own limit.
pub fn download_cap(file: &str, listed: Option<u64>, max: u64) -> Result<u64> {
    match listed {
        Some(len) if len > max => Err(Error::download_size(format!(
            "{file}: trusted metadata lists a length of {len} bytes, \
             more than the limit of {max} bytes"
        ))),
        Some(len) => Ok(len),
        None => Ok(max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn cap_is_the_smaller_of_listed_and_maximum() {
        assert_eq!(download_cap("s.json", Some(10), 100), Ok(10));
        assert_eq!(download_cap("s.json", Some(100), 100), Ok(100));
        assert_eq!(download_cap("s.json", None, 100), Ok(100));
        let e = download_cap("s.json", Some(10 << 30), 2_000_000).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DownloadSize);
        assert!(e.message().contains("10737418240"), "{e}");
        assert!(e.message().contains("2000000"), "{e}");
    }
}
