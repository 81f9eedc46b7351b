//! tuf-core: decides, from bytes and a fixed reference time, whether TUF
//! metadata and target files can be trusted (TUF specification 1.0.x,
//! section 5, "Detailed client workflow").
//!
//! Verification ([`trusted::TrustedSet`], a state machine fed with bytes)
//! does no I/O. Around it, [`updater::Updater`] drives a refresh through a
//! [`updater::Fetcher`] and a [`updater::MetadataStore`]; [`http`] and
//! [`cache`] are the default implementations of those two.

pub mod cache;
pub mod config;
pub mod crypto;
pub mod delegation;
pub mod download;
pub mod error;
pub mod failpoint;
pub mod hashing;
pub mod http;
pub mod json;
pub mod lock;
pub mod metadata;
pub mod pattern;
pub mod time;
pub mod trusted;
pub mod updater;
pub mod verify;

pub use error::{Error, ErrorKind, Result};
