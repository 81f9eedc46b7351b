//! tuf-core: decides, from bytes and a fixed reference time, whether TUF
//! metadata and target files can be trusted (TUF specification 1.0.x,
//! section 5, "Detailed client workflow").
//!
//! The crate does no network or PHP work. A refresh is driven by
//! [`trusted::TrustedSet`], a state machine fed with bytes.

pub mod error;
pub mod json;
pub mod crypto;
pub mod pattern;

pub use error::{Error, ErrorKind, Result};
