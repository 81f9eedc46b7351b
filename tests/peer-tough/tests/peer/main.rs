//! tough as an independent peer of tuf-core (issue 2, Tests).
//!
//! Repositories are written by tough's editor; tuf-core and tough's client
//! then verify the same bytes. `interop` checks that what tough writes
//! verifies in the core; `mutations` runs a table of deliberate mutations
//! through both clients and checks that they agree on accept or reject.
//!
//! Reference time: tuf-core is given a fixed one (2030-01-01); tough only
//! knows the system clock. Every expiry is either 2100 (valid for both) or
//! 2020 (expired for both), so the two clients always face the same
//! question.

mod clients;
mod interop;
mod json;
mod keys;
mod mutations;
mod repo;
