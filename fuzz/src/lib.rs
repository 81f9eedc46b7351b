//! Shared set-up of the tuf-core fuzz targets: the python-tuf fixtures, an
//! in-memory repository and metadata store, and the fixture signing keys.

#[path = "../../testkit/src/keys.rs"]
pub mod fixture_keys;
pub mod fnmatch;
pub mod repo;
