//! `tuf-bench`: the native side of bench/run.
//!
//! - `scenario`: what the native client does in one benchmark scenario, with
//!   the same core objects as the `tuf-native` CLI (Updater + HttpFetcher +
//!   locked DiskCache): refresh, target info for every lookup of the
//!   workload, optionally verify the real archives. Prints one JSON line
//!   with the CPU and wall time of each phase.
//! - `hash`: verifies the archives of the workload against their listed
//!   length, sha256 and sha512 (tuf_core's file check), no metadata.
//! - `floor`: costs of the primitives on this machine and the least work of
//!   each scenario (see floor.rs).
//! - `hashes`: hashing throughput of the candidate implementations.
//! - `serve`: a small keep-alive HTTP/1.1 server for a directory.

mod floor;
mod hashes;
mod serve;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use tuf_core::cache::{file_name, CacheLock, DiskCache};
use tuf_core::config::Config;
use tuf_core::delegation::TargetInfo;
use tuf_core::download::verify_file;
use tuf_core::http::{HttpConfig, HttpFetcher};
use tuf_core::updater::{MetadataStore, Updater};

#[derive(Deserialize)]
pub struct Archive {
    pub target: String,
    pub file: String,
    pub length: u64,
    pub sha256: String,
    pub sha512: String,
}

#[derive(Deserialize)]
pub struct Workload {
    pub lookups: Vec<String>,
    pub archives: Vec<Archive>,
    pub bin_names_touched: Vec<String>,
    pub state2: State2,
}

#[derive(Deserialize)]
pub struct State2 {
    pub changed_bins: Vec<String>,
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

fn args_map(args: &[String]) -> (HashMap<String, String>, Vec<String>) {
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

fn need<'a>(map: &'a HashMap<String, String>, key: &str) -> &'a str {
    map.get(key)
        .unwrap_or_else(|| die(&format!("--{key} is required")))
}

pub fn die(message: &str) -> ! {
    eprintln!("tuf-bench: {message}");
    std::process::exit(1)
}

/// The CLI's store: the disk cache with its exclusive lock held.
struct LockedStore<'a> {
    cache: &'a DiskCache,
    _lock: CacheLock<'a>,
}

impl MetadataStore for LockedStore<'_> {
    fn load(&mut self, role: &str) -> Option<Vec<u8>> {
        self.cache.read_file(&file_name(role))
    }
    fn store(&mut self, role: &str, bytes: &[u8]) -> tuf_core::Result<()> {
        self.cache.write_file(&file_name(role), bytes)
    }
    fn remove(&mut self, role: &str) -> tuf_core::Result<()> {
        self.cache.remove_file(&file_name(role))
    }
}

/// `scenario --metadata-url URL --cache DIR --repo DIR [--verify]`: the
/// cache must hold the trusted root (bench/run copies it there).
fn scenario(args: &[String]) {
    let mut phases = Phases::start();
    let (map, flags) = args_map(args);
    let repo = PathBuf::from(need(&map, "repo"));
    let workload = load_workload(&repo);
    let cache = DiskCache::open(Path::new(need(&map, "cache")), 0o600)
        .unwrap_or_else(|e| die(&e.to_string()));
    let store = LockedStore {
        cache: &cache,
        _lock: cache
            .lock(Duration::from_secs(60))
            .unwrap_or_else(|e| die(&e.to_string())),
    };
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

/// `hash --repo DIR`: the archives against the hashes workload.json lists.
fn hash_only(args: &[String]) {
    let mut phases = Phases::start();
    let (map, _) = args_map(args);
    let repo = PathBuf::from(need(&map, "repo"));
    let workload = load_workload(&repo);
    phases.mark("setup");
    let mut bytes = 0;
    for a in &workload.archives {
        let info = TargetInfo {
            path: a.target.clone(),
            length: a.length,
            hashes: vec![
                ("sha256".into(), a.sha256.clone()),
                ("sha512".into(), a.sha512.clone()),
            ],
            custom: None,
            role: String::new(),
        };
        verify_file(&repo.join(&a.file), &info)
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
        die("usage: tuf-bench scenario|hash|floor|hashes|serve [options]")
    };
    let rest = &args[1..];
    match command.as_str() {
        "scenario" => scenario(rest),
        "hash" => hash_only(rest),
        "floor" => {
            let (map, _) = args_map(rest);
            floor::run(Path::new(need(&map, "repo")), map.get("repeat"));
        }
        "hashes" => {
            let (map, _) = args_map(rest);
            hashes::run(Path::new(need(&map, "repo")), map.get("repeat"));
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
