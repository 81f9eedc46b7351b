//! Measures `metadata::parse_targets` over every targets file of a
//! metadata directory (the bench repository's hashed bins and
//! targets.json): `cargo run --release -p tuf-core --example parse_targets
//! -- DIR [N]` prints the best of N passes.

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: parse_targets DIR [N]");
    let reps: usize = args.next().map_or(10, |n| n.parse().expect("N"));
    let files = targets_files(&dir);
    let bytes: usize = files.iter().map(Vec::len).sum();
    let mut best = Duration::MAX;
    for _ in 0..reps {
        let start = Instant::now();
        for f in &files {
            std::hint::black_box(tuf_core::metadata::parse_targets(f, "targets").unwrap());
        }
        best = best.min(start.elapsed());
    }
    println!(
        "{} files, {:.1} MB: best of {reps} {:.2} ms ({:.0} MB/s)",
        files.len(),
        bytes as f64 / 1e6,
        best.as_secs_f64() * 1e3,
        bytes as f64 / best.as_secs_f64() / 1e6
    );
}

/// Every `*.json` of `dir` but root, timestamp and snapshot.
fn targets_files(dir: &str) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("metadata dir")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".json")
                && !["root", "timestamp", "snapshot"]
                    .iter()
                    .any(|r| name.ends_with(&format!("{r}.json")))
        })
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}
