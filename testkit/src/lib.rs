//! The test kit of the tuf-native Rust suites (dev-only, never published):
//! the python-tuf fixture loader and in-memory client, one scripted
//! 127.0.0.1 HTTP server, the directory-tree listing, scratch directories,
//! the fixture-key re-signer, and a small repository builder signing with
//! keys of its own for state-machine tests that need no fixtures.

pub mod fixtures;
pub mod keys;
pub mod release;
pub mod repo;
pub mod scratch;
pub mod server;
pub mod tree;
