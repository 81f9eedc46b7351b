//! One error type for the whole core. Each kind is one class of failure;
//! the PHP extension throws one exception class per kind, and the shim maps
//! those onto php-tuf's classes (several kinds can share one, as Format and
//! InvalidHash share `MetadataException`), so callers of php-tuf catch what
//! they already catch.

use std::fmt;

/// What went wrong, as a class of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Malformed metadata: bad JSON, wrong `_type`, missing or invalid
    /// fields (php-tuf `MetadataException` / `FormatException`).
    Format,
    /// Fewer valid signatures from distinct authorised keys than the role's
    /// threshold (`SignatureThresholdException`).
    SignatureThreshold,
    /// A version went down: older than trusted metadata, or than what the
    /// referring metadata lists (`RollbackAttackException`).
    Rollback,
    /// A fetched role is *newer* than the version trusted metadata lists:
    /// the repository published while the update ran (Drupal.org overwrites
    /// timestamp, snapshot and bins in place). Not an attack; the updater
    /// restarts once before reporting it (php-tuf `MetadataException`).
    RepositoryChanged,
    /// Metadata is expired at the reference time (`FreezeAttackException`).
    Expired,
    /// Length or hash of a metadata or target file does not match what
    /// trusted metadata says (`InvalidHashException`).
    InvalidHash,
    /// A download exceeded its byte limit (`DownloadSizeException`).
    DownloadSize,
    /// A target or metadata file does not exist (`NotFoundException`).
    NotFound,
    /// A configured bound (roles visited, root rotations, sizes of
    /// structures) was hit (`DenialOfServiceAttackException`).
    DenialOfService,
    /// The API was used out of order, e.g. snapshot before timestamp
    /// (a `LogicException` in PHP).
    State,
    /// Transport or filesystem failure outside the metadata's control.
    Io,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Format => "format",
            ErrorKind::SignatureThreshold => "signature-threshold",
            ErrorKind::Rollback => "rollback",
            ErrorKind::RepositoryChanged => "repository-changed",
            ErrorKind::Expired => "expired",
            ErrorKind::InvalidHash => "invalid-hash",
            ErrorKind::DownloadSize => "download-size",
            ErrorKind::NotFound => "not-found",
            ErrorKind::DenialOfService => "denial-of-service",
            ErrorKind::State => "state",
            ErrorKind::Io => "io",
        }
    }
}

/// The facts of a failure, typed, for callers that word their own message
/// (the PHP shim words php-tuf's): set where the core detects the failure,
/// next to the message, which says the same for people. Most errors carry
/// none. Role names are as the metadata spells them ("root" for every root
/// check); versions are as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// Fewer valid signatures than `role`'s threshold (5.3.4, 5.4.2,
    /// 5.5.3, 5.6.3).
    ThresholdNotMet { role: String },
    /// `role` version `version` expired at `expires` (5.3.10, 5.4.4, 5.5.6,
    /// 5.6.5).
    Expired {
        role: String,
        version: u64,
        /// Unix seconds, as `crate::time::UnixTime` (an `i64`; named here
        /// by its type so errors do not depend on the time module).
        expires: i64,
    },
    /// A new root is not the version after the trusted one (5.3.5).
    RootVersion { expected: u64, actual: u64 },
    /// The timestamp's version went down (5.4.3).
    TimestampRollback { version: u64, trusted: u64 },
    /// The timestamp lists an older snapshot version than the trusted
    /// timestamp did (5.4.3).
    SnapshotVersionRollback { version: u64, trusted: u64 },
    /// The snapshot lists metadata file `file` ("targets.json") at an older
    /// version than the trusted snapshot (5.5.5).
    MetaRollback {
        file: String,
        version: u64,
        trusted: u64,
    },
    /// The snapshot no longer lists `file`, which the trusted snapshot
    /// listed (5.5.5).
    MetaDropped { file: String },
    /// `role` is version `actual`, not the version `expected` that
    /// `referrer` ("timestamp" or "snapshot") lists: older is a rollback,
    /// newer a repository change (5.5.4, 5.6.4).
    VersionMismatch {
        role: String,
        expected: u64,
        actual: u64,
        referrer: String,
    },
    /// The contents of `file` do not have the `algorithm` digest trusted
    /// metadata lists (5.5.2, 5.6.2, 5.7.2).
    HashMismatch { file: String, algorithm: String },
    /// A delegation search visited `max_roles` roles without an answer
    /// (5.6.7).
    VisitLimit { max_roles: u64 },
}

/// An error with its kind, a message naming the role, file or target, and
/// for some failures their [`Detail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    // Boxed: errors travel in every `Result`; most have no detail.
    detail: Option<Box<Detail>>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            detail: None,
        }
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_deref()
    }
    /// Attaches the facts of the failure; the message is unchanged.
    pub fn with_detail(mut self, detail: Detail) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }
    /// Prefixes the message with where the error happened ("role 'x': ...");
    /// the detail stays.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    pub fn format(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Format, m)
    }
    pub fn threshold(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::SignatureThreshold, m)
    }
    pub fn rollback(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Rollback, m)
    }
    pub fn repository_changed(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::RepositoryChanged, m)
    }
    pub fn expired(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Expired, m)
    }
    pub fn invalid_hash(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidHash, m)
    }
    pub fn download_size(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::DownloadSize, m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, m)
    }
    pub fn dos(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::DenialOfService, m)
    }
    pub fn state(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::State, m)
    }
    pub fn io(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, m)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} error: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
