//! tough as an independent peer of tuf-core.
//!
//! This package holds no library code: the cross-checks are the
//! integration tests in `tests/peer/`. They write repositories with tough's
//! editor (keys in `keys/`), verify them with both tuf-core and tough's
//! client, and compare the two verdicts over a table of deliberate
//! mutations.
