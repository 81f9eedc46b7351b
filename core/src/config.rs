//! Every limit of the client in one place, with documented defaults.

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
