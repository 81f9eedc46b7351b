//! Every limit of the client in one place, with documented defaults.

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
    /// Byte cap for snapshot when timestamp does not list its length.
    /// Default 2,000,000.
    pub snapshot_max_length: u64,
    /// Byte cap for a targets role when snapshot does not list its length.
    /// Default 5,000,000.
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
