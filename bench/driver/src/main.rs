//! `tuf-bench`: the native side of bench/run.
//!
//! - `scenario`: what the native client does in one benchmark scenario, with
//!   the same core objects as the `tuf-native` CLI (Updater + HttpFetcher +
//!   locked DiskCache): refresh, target info for every lookup of the
//!   workload, optionally verify the real archives. Prints one JSON line
//!   with the CPU and wall time of each phase.
//! - `hash`: verifies the archives of the workload against their listed
//!   length, sha256 and sha512 (tuf_core's file check), no metadata.
//! - `serve`: a small keep-alive HTTP/1.1 server for a directory.
//! - `io-floor`: the fetching and storing every client must do on top of
//!   the verification floor (io_floor.rs).
//!
//! This binary links what the `tuf-native` CLI links (tuf-core) and
//! nothing else, so its start-up is the CLI's. `tuf-bench-lab` (lab.rs)
//! has the micro-benchmarks: the floor and the hashing candidates.

mod common;
mod io_floor;
mod serve;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use tuf_core::config::Config;
use tuf_core::delegation::TargetInfo;
use tuf_core::updater::{MetadataStore, Updater};
use tuf_io::cache::file_name;
use tuf_io::download::verify_file;
use tuf_io::http::{HttpConfig, HttpFetcher};
use tuf_io::store::LockedStore;

use common::{cpu_time, die, load_workload};

/// Measures phases of a run: CPU and wall time between marks.
pub struct Phases {
    cpu: Duration,
    wall: Instant,
    out: serde_json::Map<String, serde_json::Value>,
}

impl Phases {
    pub fn start() -> Phases {
        Phases {
            cpu: cpu_time(),
            wall: Instant::now(),
            out: serde_json::Map::new(),
        }
    }
    pub fn mark(&mut self, name: &str) {
        let (cpu, wall) = (cpu_time(), Instant::now());
        self.out.insert(
            name.to_string(),
            json!({
                "cpu_ms": (cpu - self.cpu).as_secs_f64() * 1e3,
                "wall_ms": (wall - self.wall).as_secs_f64() * 1e3,
            }),
        );
        self.cpu = cpu;
        self.wall = wall;
    }
    pub fn into_json(self) -> serde_json::Value {
        serde_json::Value::Object(self.out)
    }
}

pub fn args_map(args: &[String]) -> (HashMap<String, String>, Vec<String>) {
    let mut map = HashMap::new();
    let mut flags = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(name) = a.strip_prefix("--") {
            if i + 1 < args.len() && !args[i + 1].starts_with("--") {
                map.insert(name.to_string(), args[i + 1].clone());
                i += 2;
                continue;
            }
            flags.push(name.to_string());
        }
        i += 1;
    }
    (map, flags)
}

pub fn need<'a>(map: &'a HashMap<String, String>, key: &str) -> &'a str {
    map.get(key)
        .unwrap_or_else(|| die(&format!("--{key} is required")))
}

/// An experiment only (`--store unsynced`), never in the table: the same
/// files, written through a temporary file and a rename but without any
/// fsync, to measure what durability costs.
struct UnsyncedStore {
    dir: PathBuf,
}

impl MetadataStore for UnsyncedStore {
    fn load(&mut self, role: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(file_name(role))).ok()
    }
    fn store(&mut self, role: &str, bytes: &[u8]) -> tuf_core::Result<()> {
        let path = self.dir.join(file_name(role));
        let temp = self.dir.join(format!(".tmp-{}", file_name(role)));
        std::fs::write(&temp, bytes).map_err(|e| tuf_core::Error::io(e.to_string()))?;
        std::fs::rename(&temp, &path).map_err(|e| tuf_core::Error::io(e.to_string()))
    }
    fn remove(&mut self, role: &str) -> tuf_core::Result<()> {
        let _ = std::fs::remove_file(self.dir.join(file_name(role)));
        Ok(())
    }
}

/// `scenario --metadata-url URL --cache DIR --repo DIR [--verify]`: the
/// cache must hold the trusted root (bench/run copies it there).
fn scenario(args: &[String]) {
    let (map, _) = args_map(args);
    let cache_dir = Path::new(need(&map, "cache"));
    if map.get("store").map(String::as_str) == Some("unsynced") {
        let store = UnsyncedStore {
            dir: cache_dir.to_path_buf(),
        };
        return run_scenario(args, store);
    }
    // The CLI's store: the disk cache with its exclusive lock held.
    let store = LockedStore::open(cache_dir, &tuf_core::config::StorageConfig::default())
        .unwrap_or_else(|e| die(&e.to_string()));
    run_scenario(args, store)
}

fn run_scenario<S: MetadataStore>(args: &[String], store: S) {
    let mut phases = Phases::start();
    let (map, flags) = args_map(args);
    let repo = PathBuf::from(need(&map, "repo"));
    let workload = load_workload(&repo);
    let mut updater = Updater::new(
        Config::default(),
        need(&map, "metadata-url"),
        HttpFetcher::new(HttpConfig::default()),
        store,
    );
    phases.mark("setup");
    let report = updater
        .refresh(tuf_core::time::now())
        .unwrap_or_else(|e| die(&format!("refresh: {e}")));
    phases.mark("refresh");
    let mut infos: HashMap<String, TargetInfo> = HashMap::new();
    for target in &workload.lookups {
        match updater.get_target_info(target) {
            Ok(Some(info)) => {
                infos.insert(target.clone(), info);
            }
            Ok(None) => die(&format!("{target}: not found")),
            Err(e) => die(&format!("{target}: {e}")),
        }
    }
    phases.mark("lookups");
    let mut verified = 0;
    if flags.iter().any(|f| f == "verify") {
        for a in &workload.archives {
            let info = infos
                .get(&a.target)
                .unwrap_or_else(|| die(&format!("{} was not looked up", a.target)));
            verify_file(&repo.join(&a.file), info)
                .unwrap_or_else(|e| die(&format!("{}: {e}", a.target)));
            verified += 1;
        }
        phases.mark("verify");
    }
    let out = json!({
        "client": "native",
        "phases": phases.into_json(),
        "found": infos.len(),
        "verified": verified,
        "versions": [report.root_version, report.timestamp_version, report.snapshot_version, report.targets_version],
        "timestamp_unchanged": report.timestamp_unchanged,
    });
    println!("{out}");
}

/// `hash --repo DIR [--one-thread]`: the archives against the hashes
/// workload.json lists.
fn hash_only(args: &[String]) {
    let mut phases = Phases::start();
    let (map, flags) = args_map(args);
    // An experiment switch: the default is tuf-core's.
    if flags.iter().any(|f| f == "one-thread") {
        tuf_core::hashing::set_parallel(false);
    }
    let repo = PathBuf::from(need(&map, "repo"));
    let workload = load_workload(&repo);
    phases.mark("setup");
    let mut bytes = 0;
    for a in &workload.archives {
        verify_file(&repo.join(&a.file), &a.target_info())
            .unwrap_or_else(|e| die(&format!("{}: {e}", a.target)));
        bytes += a.length;
    }
    phases.mark("verify");
    println!(
        "{}",
        json!({"client": "native", "phases": phases.into_json(), "verified": workload.archives.len(), "bytes": bytes})
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        die("usage: tuf-bench scenario|hash|serve|io-floor [options]")
    };
    let rest = &args[1..];
    match command.as_str() {
        "scenario" => scenario(rest),
        "hash" => hash_only(rest),
        "io-floor" => {
            let (map, _) = args_map(rest);
            io_floor::run(
                need(&map, "metadata-url"),
                Path::new(need(&map, "repo")),
                Path::new(need(&map, "work")),
                map.get("repeat").and_then(|r| r.parse().ok()).unwrap_or(7),
            );
        }
        "serve" => {
            let (map, _) = args_map(rest);
            serve::run(
                Path::new(need(&map, "dir")),
                map.get("port").map_or(0, |p| p.parse().unwrap_or(0)),
            );
        }
        other => die(&format!("unknown command {other:?}")),
    }
}
