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

/// An error with its kind and a message naming the role, file or target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Prefixes the message with where the error happened ("role 'x': ...").
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
