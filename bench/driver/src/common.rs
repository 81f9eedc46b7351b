//! Helpers shared by the two binaries of this package.

#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;

#[derive(Deserialize)]
pub struct Archive {
    pub target: String,
    pub file: String,
    pub length: u64,
    pub sha256: String,
    pub sha512: String,
}

impl Archive {
    /// The trusted answer a lookup of this archive gives.
    pub fn target_info(&self) -> tuf_core::delegation::TargetInfo {
        tuf_core::delegation::TargetInfo {
            path: self.target.clone(),
            length: self.length,
            hashes: vec![
                ("sha256".into(), self.sha256.clone()),
                ("sha512".into(), self.sha512.clone()),
            ],
            custom: None,
            role: String::new(),
        }
    }
}

#[derive(Deserialize)]
pub struct Workload {
    pub lookups: Vec<String>,
    pub archives: Vec<Archive>,
    pub bin_names_touched: Vec<String>,
}

pub fn load_workload(repo: &Path) -> Workload {
    let text = std::fs::read(repo.join("workload.json")).expect("reading workload.json");
    serde_json::from_slice(&text).expect("parsing workload.json")
}

/// CPU time (user + system) of this process so far.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Minimum over `reps` passes of `f`.
pub fn best_of(reps: usize, mut f: impl FnMut()) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..reps {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
    }
    best
}

pub fn die(message: &str) -> ! {
    eprintln!("tuf-bench: {message}");
    std::process::exit(1)
}
