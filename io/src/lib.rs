//! tuf-io: the I/O that tuf-core leaves out, behind its two traits.
//!
//! [`http::HttpFetcher`] implements [`tuf_core::updater::Fetcher`] and
//! [`cache::DiskCache`] implements [`tuf_core::updater::MetadataStore`];
//! [`lock`] serialises every process that shares one cache directory
//! ([`store::LockedStore`] is the cache with that lock held), [`atomic`]
//! is the one way a file is written, and
//! [`download`] writes verified targets into a directory. Nothing here
//! decides trust: every byte read from the network or from disk is handed
//! to the core's state machine before it is used.

pub mod atomic;
pub mod cache;
pub mod download;
pub mod failpoint;
pub mod http;
pub mod lock;
pub mod store;
