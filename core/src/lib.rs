//! tuf-core: decides, from bytes and a fixed reference time, whether TUF
//! metadata and target files can be trusted (TUF specification 1.0.x,
//! section 5, "Detailed client workflow").
//!
//! Nothing here does I/O. Verification ([`trusted::TrustedSet`]) is a state
//! machine fed with bytes; [`updater::Updater`] drives a refresh through a
//! [`updater::Fetcher`] and a [`updater::MetadataStore`], which the caller
//! provides: tuf-io's HTTP fetcher and disk cache, PHP callbacks in the
//! extension, or an in-memory repository in the tests.

pub mod config;
pub mod crypto;
pub mod delegation;
pub mod error;
pub mod hashing;
pub mod json;
pub mod metadata;
pub mod pattern;
pub mod time;
pub mod trusted;
pub mod updater;
pub mod verify;

pub use error::{Error, ErrorKind, Result};
