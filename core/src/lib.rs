//! tuf-core: decides, from bytes and a fixed reference time, whether TUF
//! metadata and target files can be trusted (TUF specification 1.0.x,
//! section 5, "Detailed client workflow").
//!
//! Verification ([`trusted::TrustedSet`], a state machine fed with bytes)
//! does no I/O. Around it, [`updater::Updater`] drives a refresh through a
//! [`updater::Fetcher`] and a [`updater::MetadataStore`]; [`http`] and
//! [`cache`] are the default implementations of those two.

pub mod error;
pub mod json;
pub mod crypto;
pub mod hashing;
pub mod pattern;
pub mod time;
pub mod metadata;
pub mod verify;
pub mod trusted;
pub mod delegation;
pub mod config;
pub mod updater;
pub mod cache;
pub mod failpoint;
pub mod http;
pub mod download;

pub use error::{Error, ErrorKind, Result};
