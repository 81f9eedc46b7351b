//! Crash safety and concurrency of the shared metadata cache, through the
//! real binary:
//!
//! - a refresh killed at every write boundary (crash points compiled in
//!   with the `failpoints` feature, which aborts the process like
//!   `kill -9`) leaves each cached file either the old or the new bytes,
//!   and the next refresh recovers by itself;
//! - many processes refreshing one cache while the repository publishes
//!   new versions and rotates keys never make a version on disk go down
//!   and never leave a half-written file.

// The crash test and its helpers need the `failpoints` feature.
#![cfg_attr(not(feature = "failpoints"), allow(dead_code))]

mod simulator;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use simulator::{state_dir, RepositorySimulator};

const BINARY: &str = env!("CARGO_BIN_EXE_tuf-native");

fn temp_home(tag: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let home = std::env::temp_dir().join(format!(
        "tuf-native-{tag}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    home
}

fn run(metadata_dir: &Path, args: &[&str], failpoint: Option<&str>) -> Output {
    let mut cmd = Command::new(BINARY);
    cmd.arg("--metadata-dir").arg(metadata_dir).args(args);
    match failpoint {
        Some(f) => cmd.env("TUF_FAILPOINT", f),
        None => cmd.env_remove("TUF_FAILPOINT"),
    };
    cmd.output().expect("run tuf-native")
}

fn init(metadata_dir: &Path, repo: &str) {
    let root = state_dir(repo, "1").join("metadata/1.root.json");
    let out = run(metadata_dir, &["init", root.to_str().unwrap()], None);
    assert!(out.status.success(), "{out:?}");
}

fn refresh(metadata_dir: &Path, sim: &RepositorySimulator, failpoint: Option<&str>) -> Output {
    run(
        metadata_dir,
        &["--metadata-url", &sim.metadata_url(), "refresh"],
        failpoint,
    )
}

/// Cache file name -> the fixture metadata files whose bytes it may hold.
fn allowed_bytes(repo: &str, states: &[&str]) -> HashMap<String, Vec<Vec<u8>>> {
    let mut allowed: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for state in states {
        let dir = state_dir(repo, state).join("metadata");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // N.root.json is cached as root.json.
            let cached = match name.split_once('.') {
                Some((n, rest)) if n.parse::<u64>().is_ok() => rest.to_string(),
                _ => name,
            };
            allowed
                .entry(cached)
                .or_default()
                .push(std::fs::read(&path).unwrap());
        }
    }
    allowed
}

/// Every `.json` file in the cache is one whole file the repository served
/// (no torn write); other entries may only be temporaries of a killed writer.
fn assert_only_whole_files(dir: &Path, allowed: &HashMap<String, Vec<Vec<u8>>>, context: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".tmp-") {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        let ok = allowed.get(&name).is_some_and(|list| list.contains(&bytes));
        assert!(
            ok,
            "{context}: {name} is not a whole served file ({} bytes)",
            bytes.len()
        );
    }
}

fn cache_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A process killed by a crash point dies of SIGABRT, not with a status.
fn was_killed(out: &Output) -> bool {
    use std::os::unix::process::ExitStatusExt;
    const SIGABRT: i32 = 6; // the same on every Linux architecture
    out.status.signal() == Some(SIGABRT)
}

const WRITE_POINTS: [&str; 5] = [
    "cache-write:temp-created",
    "cache-write:temp-written",
    "cache-write:temp-synced",
    "cache-write:renamed",
    "cache-write:dir-synced",
];

#[test]
#[cfg(feature = "failpoints")]
fn refresh_killed_at_every_write_boundary_recovers() {
    // From state 1 to state 3: a new timestamp, snapshot, a new bin and a
    // root rotation, so every kind of write happens.
    let allowed = allowed_bytes("drupal", &["1", "2", "3"]);
    let mut kills = 0;
    for point in WRITE_POINTS {
        for nth in 1.. {
            let home = temp_home("crash");
            let dir = home.join("metadata");
            init(&dir, "drupal");
            let sim = RepositorySimulator::serving("drupal", "1");
            assert!(refresh(&dir, &sim, None).status.success());
            sim.publish("drupal", "3");
            let spec = format!("{point}@{nth}");
            let out = refresh(&dir, &sim, Some(&spec));
            if !was_killed(&out) {
                // Fewer writes than nth: the refresh simply completed.
                assert!(out.status.success(), "{spec}: {out:?}");
                std::fs::remove_dir_all(&home).unwrap();
                break;
            }
            kills += 1;
            assert_only_whole_files(&dir, &allowed, &spec);
            // The next refresh recovers by itself and cleans up.
            let again = refresh(&dir, &sim, None);
            assert!(again.status.success(), "{spec}: recovery failed: {again:?}");
            assert_eq!(
                cache_names(&dir),
                [
                    "root.json",
                    "snapshot.json",
                    "targets.json",
                    "timestamp.json"
                ],
                "{spec}"
            );
            let state3 = state_dir("drupal", "3").join("metadata");
            for name in ["timestamp.json", "snapshot.json", "targets.json"] {
                assert_eq!(
                    std::fs::read(dir.join(name)).unwrap(),
                    std::fs::read(state3.join(name)).unwrap(),
                    "{spec}: {name}"
                );
            }
            assert_eq!(
                std::fs::read(dir.join("root.json")).unwrap(),
                std::fs::read(state3.join("2.root.json")).unwrap(),
                "{spec}"
            );
            std::fs::remove_dir_all(&home).unwrap();
        }
    }
    eprintln!("{kills} refreshes killed at a write boundary, each recovered");
    // root, timestamp and snapshot are written at each of 5 boundaries.
    assert!(kills >= WRITE_POINTS.len() * 3, "only {kills} kills");
}

/// `signed.version` of a cached file, or None if absent. A file that is
/// present but not whole JSON fails the test: readers must never see one.
fn cached_version(dir: &Path, name: &str) -> Option<u64> {
    let bytes = std::fs::read(dir.join(name)).ok()?;
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name} is torn: {e}"));
    v["signed"]["version"].as_u64()
}

#[test]
fn many_processes_refreshing_one_cache_never_go_back() {
    const WORKERS: usize = 16;
    const REFRESHES_EACH: usize = 6;
    let home = temp_home("concurrent");
    let dir = home.join("metadata");
    init(&dir, "drupal");
    let sim = Arc::new(RepositorySimulator::serving("drupal", "1"));
    let done = Arc::new(AtomicBool::new(false));

    // Watches the cache the whole time, as a PHP worker reading it would.
    let watcher = {
        let (dir, done) = (dir.clone(), done.clone());
        std::thread::spawn(move || {
            let mut last: HashMap<&str, u64> = HashMap::new();
            let mut samples = 0u64;
            while !done.load(Ordering::Relaxed) {
                for name in [
                    "root.json",
                    "timestamp.json",
                    "snapshot.json",
                    "targets.json",
                ] {
                    if let Some(v) = cached_version(&dir, name) {
                        let prev = last.insert(name, v).unwrap_or(0);
                        assert!(v >= prev, "{name} went from version {prev} to {v}");
                    }
                }
                samples += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            samples
        })
    };

    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (dir, url) = (dir.clone(), sim.metadata_url());
            std::thread::spawn(move || {
                let (mut ok, mut failed) = (0, 0);
                for _ in 0..REFRESHES_EACH {
                    let child = Command::new(BINARY)
                        .arg("--metadata-dir")
                        .arg(&dir)
                        .args(["--metadata-url", &url, "refresh"])
                        .stdout(Stdio::null())
                        .stderr(Stdio::piped())
                        .spawn()
                        .unwrap();
                    let out = child.wait_with_output().unwrap();
                    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
                    match out.status.code() {
                        Some(0) => ok += 1,
                        // Seeing half of a publication is a clean failure.
                        Some(1) => {
                            assert_eq!(stderr.lines().count(), 1, "{stderr}");
                            failed += 1;
                        }
                        other => panic!("exit status {other:?}: {stderr}"),
                    }
                }
                (ok, failed)
            })
        })
        .collect();

    // Publish a release, then a root key rotation, while they run.
    for state in ["2", "3"] {
        std::thread::sleep(Duration::from_millis(150));
        sim.publish("drupal", state);
    }
    let (mut ok, mut failed) = (0, 0);
    for w in workers {
        let (o, f) = w.join().unwrap();
        ok += o;
        failed += f;
    }
    done.store(true, Ordering::Relaxed);
    let samples = watcher.join().unwrap();
    eprintln!(
        "{ok} refreshes succeeded, {failed} failed cleanly, {samples} cache samples, 0 regressions"
    );
    assert!(ok > 0);

    let last = refresh(&dir, &sim, None);
    assert!(last.status.success(), "{last:?}");
    assert_eq!(cached_version(&dir, "root.json"), Some(2));
    assert_eq!(cached_version(&dir, "timestamp.json"), Some(3));
    std::fs::remove_dir_all(&home).unwrap();
}
