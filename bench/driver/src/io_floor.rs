//! `io-floor --metadata-url URL --repo DIR --work DIR [--repeat N]`: the
//! I/O every client must do on top of the verification floor (floor.rs),
//! as CPU time of this process, best of N passes.
//!
//! - cold: GET each metadata file the cold scenario verifies (timestamp,
//!   snapshot, targets, the bins the lookups touch) over one keep-alive
//!   connection (tuf-io's `HttpFetcher`, the native client's), and store
//!   each as the disk cache does (`LockedStore`: atomic, fsync for the
//!   rollback baselines only), into an empty directory;
//! - warm: GET the timestamp, and read every other file back from that
//!   cache (page cache: the warm scenario's reads).
//!
//! Nothing is parsed or verified; the files come in the order the client
//! needs them. Left out: the one `2.root.json` request (a 404) every
//! client makes. The scenario's floor with I/O is floor + this.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use tuf_core::config::StorageConfig;
use tuf_core::updater::{Fetcher, MetadataStore};
use tuf_io::http::{HttpConfig, HttpFetcher};
use tuf_io::store::LockedStore;

use crate::common::{cpu_time, die, load_workload};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// CPU time of `f`, best of `reps` passes; `f` gets the pass number.
fn best_cpu(reps: usize, mut f: impl FnMut(usize)) -> Duration {
    (0..reps)
        .map(|i| {
            let start = cpu_time();
            f(i);
            cpu_time() - start
        })
        .min()
        .unwrap_or_default()
}

pub fn run(url: &str, repo: &Path, work: &Path, reps: usize) {
    let workload = load_workload(repo);
    let mut roles: Vec<String> = vec!["timestamp".into(), "snapshot".into(), "targets".into()];
    roles.extend(workload.bin_names_touched.iter().cloned());
    let fetch_all = |fetcher: &mut HttpFetcher, store: &mut LockedStore| {
        for role in &roles {
            let bytes = fetcher
                .fetch(&format!("{url}{role}.json"), 64 << 20)
                .unwrap_or_else(|e| die(&format!("{role}: {e}")));
            store
                .store(role, &bytes)
                .unwrap_or_else(|e| die(&format!("{role}: {e}")));
        }
    };
    let fresh = |i: usize, tag: &str| {
        let dir = work.join(format!("io-floor-{tag}-{i}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| die(&format!("{}: {e}", dir.display())));
        dir
    };
    let open = |dir: &Path| {
        LockedStore::open(dir, &StorageConfig::default()).unwrap_or_else(|e| die(&e.to_string()))
    };

    // One pass to warm the server and the page cache.
    let warm_dir = fresh(0, "warm");
    fetch_all(
        &mut HttpFetcher::new(HttpConfig::default()),
        &mut open(&warm_dir),
    );

    // Each pass gets an empty directory made beforehand and removed after:
    // no client creates or deletes its cache directory in the scenario.
    let cold_dirs: Vec<_> = (0..reps).map(|i| fresh(i, "cold")).collect();
    let cold = best_cpu(reps, |i| {
        let mut store = open(&cold_dirs[i]);
        let mut fetcher = HttpFetcher::new(HttpConfig::default());
        fetch_all(&mut fetcher, &mut store);
    });
    for dir in &cold_dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
    let warm = best_cpu(reps, |_| {
        let mut store = open(&warm_dir);
        let mut fetcher = HttpFetcher::new(HttpConfig::default());
        let ts = fetcher
            .fetch(&format!("{url}timestamp.json"), 64 << 20)
            .unwrap_or_else(|e| die(&format!("timestamp: {e}")));
        std::hint::black_box(ts);
        for role in &roles[1..] {
            let bytes = store
                .load(role)
                .unwrap_or_else(|| die(&format!("{role}: not stored")));
            std::hint::black_box(bytes);
        }
    });
    let _ = std::fs::remove_dir_all(&warm_dir);
    println!(
        "{}",
        json!({"files": roles.len(), "cold_ms": ms(cold), "warm_ms": ms(warm)})
    );
}
