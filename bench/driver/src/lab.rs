//! `tuf-bench-lab`: micro-benchmarks for bench/run, in a separate binary
//! because it links OpenSSL's libcrypto (for comparison) and the scenario
//! driver must not.
//!
//! - `floor --repo DIR`: costs of the primitives on this machine and the
//!   least work of each scenario (see floor.rs).
//! - `hashes --repo DIR`: hashing throughput of the candidates (hashes.rs).

mod common;
mod floor;
mod hashes;

use std::path::Path;

use common::die;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut repo = None;
    let mut repeat = None;
    let mut i = 1;
    while i + 1 < args.len() {
        match args[i].as_str() {
            "--repo" => repo = Some(args[i + 1].clone()),
            "--repeat" => repeat = Some(args[i + 1].clone()),
            other => die(&format!("unknown option {other}")),
        }
        i += 2;
    }
    let repo = repo.unwrap_or_else(|| die("--repo is required"));
    match args.first().map(String::as_str) {
        Some("floor") => floor::run(Path::new(&repo), repeat.as_ref()),
        Some("hashes") => hashes::run(Path::new(&repo), repeat.as_ref()),
        _ => die("usage: tuf-bench-lab floor|hashes --repo DIR [--repeat N]"),
    }
}
