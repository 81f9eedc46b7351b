//! Crash safety and concurrency of the shared metadata cache, through the
//! real binary:
//!
//! - a refresh killed at every write boundary (crash points compiled in
//!   with the `failpoints` feature, which aborts the process like
//!   `kill -9`) leaves each cached file either the old or the new bytes,
//!   and the next refresh recovers by itself;
//! - every filesystem call of a metadata write, a cache removal and a
//!   target download (lock, create, write, chmod, fsync, rename, directory
//!   fsync, unlink, mkdir) made to fail with ENOSPC, EIO and the like
//!   (`TUF_FAILPOINT=<name>@<n>:<errno>`), or killed just before it: the
//!   failing run exits 1 with one line naming the error, the cache and the
//!   target directory hold only whole files as served, no temporary file
//!   survives the next lock, and the next run ends in the final state;
//! - many processes refreshing one cache while the repository publishes
//!   new versions and rotates keys never make a version on disk go down
//!   and never leave a half-written file.

// The crash test and its helpers need the `failpoints` feature.
#![cfg_attr(not(feature = "failpoints"), allow(dead_code))]

mod simulator;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use simulator::{state_dir, RepositorySimulator};
use tuf_testkit::scratch::Scratch;

const BINARY: &str = env!("CARGO_BIN_EXE_tuf-native");

fn temp_home(tag: &str) -> PathBuf {
    Scratch::new(&format!("tuf-native-{tag}")).keep()
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

/// The cache directory is flat: its file names, sorted.
fn cache_names(dir: &Path) -> Vec<String> {
    tuf_testkit::tree::names(dir)
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

/// One crash-safety scenario: a cache refreshed at `from`, then a
/// `download` of `targets` while the repository serves `to`.
struct Scenario {
    repo: &'static str,
    from: &'static str,
    to: &'static str,
    targets: &'static [&'static str],
}

const SCENARIOS: [Scenario; 2] = [
    // A release and a root key rotation: root, timestamp and snapshot are
    // written, then two hashed-bin roles and two targets in new
    // subdirectories.
    Scenario {
        repo: "drupal",
        from: "1",
        to: "3",
        targets: &["drupal/newpkg/1.0.0.0", "p2/drupal/pkg01.json"],
    },
    // Timestamp and snapshot keys rotate (spec 5.3.11): the cached
    // timestamp and snapshot are removed before roots 2, 3 and 4 are
    // written, then the new timestamp and snapshot and one target.
    Scenario {
        repo: "rotation",
        from: "1",
        to: "3",
        targets: &["hello.txt"],
    },
];

/// Each filesystem call of a metadata write and of a target download (see
/// `tuf_io::failpoint`), with the errors injected into it.
const INJECTED: &[(&str, &[&str])] = &[
    ("cache-lock:flock", &["ENOLCK", "EINTR"]),
    ("cache-write:create", &["ENOSPC", "EIO"]),
    ("cache-write:write", &["ENOSPC", "EIO"]),
    ("cache-write:chmod", &["EPERM", "EIO"]),
    ("cache-write:fsync", &["EIO", "ENOSPC"]),
    ("cache-write:rename", &["EIO", "ENOSPC"]),
    ("cache-write:dir-fsync", &["EIO"]),
    ("cache-remove:unlink", &["EIO", "EROFS"]),
    ("cache-remove:dir-fsync", &["EIO"]),
    ("download:mkdir", &["ENOSPC", "EIO"]),
    ("download:create", &["ENOSPC", "EMFILE"]),
    ("download:write", &["ENOSPC", "EIO"]),
    ("download:fsync", &["EIO", "ENOSPC"]),
    ("download:rename", &["EIO", "ENOSPC"]),
    ("download:dir-fsync", &["EIO"]),
];

/// Linux's numbers, for matching "(os error N)" in the reported reason.
fn errno_number(name: &str) -> i32 {
    match name {
        "EPERM" => 1,
        "EINTR" => 4,
        "EIO" => 5,
        "EACCES" => 13,
        "EMFILE" => 24,
        "ENOSPC" => 28,
        "EROFS" => 30,
        "ENOLCK" => 37,
        other => panic!("no number for {other}"),
    }
}

/// Target path -> bytes, for every file under `dir` (recursively), and the
/// names of temporary files found on the way.
fn tree_files(dir: &Path) -> (HashMap<String, Vec<u8>>, Vec<String>) {
    fn walk(
        dir: &Path,
        base: &Path,
        files: &mut HashMap<String, Vec<u8>>,
        temps: &mut Vec<String>,
    ) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                walk(&path, base, files, temps);
            } else if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tmp-")
            {
                temps.push(rel);
            } else {
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let (mut files, mut temps) = (HashMap::new(), Vec::new());
    walk(dir, dir, &mut files, &mut temps);
    (files, temps)
}

/// The rollback baselines: the only cache files written with fsync
/// (`tuf_io::cache::durability_of`).
const BASELINES: [&str; 3] = ["root.json", "timestamp.json", "snapshot.json"];

/// What one crash-safety case left behind, checked.
struct Injection {
    /// The command did not reach the point that many times: it succeeded.
    completed: bool,
    /// Temporary files left in the target directory (only after a kill).
    target_temps: usize,
}

/// A cache with the scenario's `from` state, as a template copied for each
/// case (saves two process runs per case).
fn prepared_cache(s: &Scenario) -> PathBuf {
    let home = temp_home("template");
    let dir = home.join("metadata");
    init(&dir, s.repo);
    let url = format!(
        "file://{}/",
        state_dir(s.repo, s.from).join("metadata").display()
    );
    let out = run(&dir, &["--metadata-url", &url, "refresh"], None);
    assert!(out.status.success(), "{out:?}");
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new().mode(0o700).create(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        std::fs::copy(&path, &dest).unwrap();
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// Runs the scenario's download with `TUF_FAILPOINT=spec` (an injected
/// error when `errno` is given, a kill otherwise), checks the state it
/// left, then checks that the next run recovers fully.
fn inject(s: &Scenario, template: &Path, failpoint: &str, errno: Option<&str>) -> Injection {
    let via_http = failpoint.starts_with("download:write");
    let spec = &format!("{failpoint} ({}/{} -> {})", s.repo, s.from, s.to);
    let home = temp_home("inject");
    let dir = home.join("metadata");
    let target_dir = home.join("targets");
    copy_dir(template, &dir);
    std::fs::create_dir(&target_dir).unwrap();
    // Writes of a target body go over HTTP, through the fetcher's streaming
    // body; the other cases read the repository from file:// URLs, which
    // is faster (the simulator's small TCP writes meet delayed ACKs: about
    // 40 ms per request).
    let sim = via_http.then(|| RepositorySimulator::serving(s.repo, s.to));
    let (metadata_url, targets_url) = match &sim {
        Some(sim) => (sim.metadata_url(), sim.targets_url()),
        None => {
            let state = state_dir(s.repo, s.to);
            let url = |sub: &str| format!("file://{}/", state.join(sub).display());
            (url("metadata"), url("targets"))
        }
    };
    let download = |failpoint: Option<&str>| {
        let mut args = vec![
            "--metadata-url".to_string(),
            metadata_url.clone(),
            "--target-base-url".to_string(),
            targets_url.clone(),
            "--target-dir".to_string(),
            target_dir.to_string_lossy().into_owned(),
        ];
        for t in s.targets {
            args.extend(["--target-name".to_string(), t.to_string()]);
        }
        args.push("download".to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&dir, &args, failpoint)
    };
    let served_targets = tree_files(&state_dir(s.repo, s.to).join("targets")).0;
    let allowed = allowed_bytes(s.repo, &[s.from, s.to]);

    let baselines = |dir: &Path| BASELINES.map(|name| cached_version(dir, name));
    let before = baselines(&dir);
    let out = download(Some(failpoint));
    // Whatever failed, no rollback baseline went down. Under a new root,
    // timestamp and snapshot may be gone or start again lower (spec 5.3.11
    // removes them when their keys rotate); the root itself never goes down.
    let after = baselines(&dir);
    let same_root = after[0] == before[0];
    for ((name, was), now) in BASELINES.iter().zip(before).zip(after) {
        let kept = now >= was || (*name != "root.json" && (now.is_none() || !same_root));
        assert!(kept, "{spec}: {name} went from {was:?} to {now:?}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let completed = out.status.success();
    match errno {
        _ if completed => {}
        Some(e) => {
            // A clean failure: status 1, one line naming the injected error.
            assert_eq!(out.status.code(), Some(1), "{spec}: {out:?}");
            assert_eq!(stderr.lines().count(), 1, "{spec}: {stderr}");
            assert!(stderr.starts_with("tuf-native: "), "{spec}: {stderr}");
            let os_error = format!("(os error {})", errno_number(e));
            assert!(stderr.contains(&os_error), "{spec}: {stderr}");
        }
        None => assert!(was_killed(&out), "{spec}: {out:?}"),
    }

    // Only whole files: each cached file is one the repository served,
    // each target file is the served target under its own name.
    assert_only_whole_files(&dir, &allowed, spec);
    let cache_temps = cache_names(&dir)
        .into_iter()
        .filter(|n| n.starts_with(".tmp-"))
        .count();
    // A failing call cleans up after itself; only a kill leaves a
    // temporary file behind, and the next lock removes it.
    if errno.is_some() {
        assert_eq!(cache_temps, 0, "{spec}: {:?}", cache_names(&dir));
    }
    let (files, temps) = tree_files(&target_dir);
    for (path, bytes) in &files {
        assert_eq!(
            Some(bytes),
            served_targets.get(path),
            "{spec}: target {path} is not the served file"
        );
    }
    if errno.is_some() {
        assert!(temps.is_empty(), "{spec}: {temps:?}");
    }
    let target_temps = temps.len();

    // The next run succeeds and leaves exactly the final state.
    let again = download(None);
    assert!(again.status.success(), "{spec}: recovery failed: {again:?}");
    let final_metadata = state_dir(s.repo, s.to).join("metadata");
    for name in cache_names(&dir) {
        assert!(
            !name.starts_with(".tmp-"),
            "{spec}: {name} survived the lock"
        );
        let served = if name == "root.json" {
            // The newest N.root.json.
            (1..)
                .map(|n| final_metadata.join(format!("{n}.root.json")))
                .take_while(|p| p.exists())
                .last()
                .unwrap()
        } else {
            final_metadata.join(&name)
        };
        assert_eq!(
            std::fs::read(dir.join(&name)).unwrap(),
            std::fs::read(&served).unwrap(),
            "{spec}: {name} after recovery"
        );
    }
    let (files, _) = tree_files(&target_dir);
    for t in s.targets {
        assert_eq!(files.get(*t), served_targets.get(*t), "{spec}: {t}");
    }
    assert_eq!(files.len(), s.targets.len(), "{spec}: {:?}", files.keys());
    std::fs::remove_dir_all(&home).unwrap();
    Injection {
        completed,
        target_temps,
    }
}

#[test]
#[cfg(feature = "failpoints")]
fn injected_filesystem_errors_fail_cleanly_and_recover() {
    let mut injected = 0;
    let mut reached: HashMap<&str, usize> = HashMap::new();
    for s in &SCENARIOS {
        let template = prepared_cache(s);
        for (point, errnos) in INJECTED {
            for errno in *errnos {
                for nth in 1.. {
                    let failpoint = format!("{point}@{nth}:{errno}");
                    let result = inject(s, &template, &failpoint, Some(errno));
                    if result.completed {
                        break;
                    }
                    injected += 1;
                    *reached.entry(point).or_default() += 1;
                }
            }
        }
        std::fs::remove_dir_all(template.parent().unwrap()).unwrap();
    }
    eprintln!("{injected} injected filesystem errors, each a clean failure, each recovered");
    let per_point: Vec<String> = INJECTED
        .iter()
        .map(|(p, _)| format!("{p} {}", reached.get(p).copied().unwrap_or(0)))
        .collect();
    eprintln!("  by call: {}", per_point.join(", "));
    for (point, _) in INJECTED {
        assert!(reached.contains_key(point), "{point} never reached");
    }
    // Every call point of the core is exercised here.
    use tuf_io::failpoint::{CACHE_CALL_POINTS, DOWNLOAD_CALL_POINTS};
    for point in CACHE_CALL_POINTS.iter().chain(DOWNLOAD_CALL_POINTS) {
        assert!(
            INJECTED.iter().any(|(p, _)| p == point),
            "{point} is not injected"
        );
    }
}

/// Durability follows trust: a download that writes new roots, timestamp
/// and snapshot and then two hashed-bin roles fsyncs exactly the baselines.
/// The n-th file fsync made to fail fails the run for each baseline write;
/// there is no fsync after them, so targets roles are written without.
#[test]
#[cfg(feature = "failpoints")]
fn only_rollback_baselines_are_fsynced() {
    let s = &SCENARIOS[0];
    let template = prepared_cache(s);
    let metadata = state_dir(s.repo, s.to).join("metadata");
    let newest_root = (1..)
        .take_while(|n| metadata.join(format!("{n}.root.json")).exists())
        .last()
        .unwrap();
    let trusted_root = cached_version(&template, "root.json").unwrap();
    // Each new root, then timestamp and snapshot.
    let synced_writes = newest_root - trusted_root + 2;
    for nth in 1..=synced_writes {
        let failpoint = format!("cache-write:fsync@{nth}:EIO");
        let result = inject(s, &template, &failpoint, Some("EIO"));
        assert!(
            !result.completed,
            "{failpoint}: fewer fsyncs than baselines"
        );
    }
    let failpoint = format!("cache-write:fsync@{}:EIO", synced_writes + 1);
    let result = inject(s, &template, &failpoint, Some("EIO"));
    assert!(result.completed, "{failpoint}: a targets role was fsynced");
    std::fs::remove_dir_all(template.parent().unwrap()).unwrap();
}

#[test]
#[cfg(feature = "failpoints")]
fn download_killed_at_every_filesystem_call_recovers() {
    let mut kills = 0;
    let mut target_temps = 0;
    for s in &SCENARIOS {
        let template = prepared_cache(s);
        for (point, _) in INJECTED {
            for nth in 1.. {
                let failpoint = format!("{point}@{nth}");
                let result = inject(s, &template, &failpoint, None);
                if result.completed {
                    break;
                }
                kills += 1;
                target_temps += result.target_temps;
            }
        }
        std::fs::remove_dir_all(template.parent().unwrap()).unwrap();
    }
    eprintln!(
        "{kills} downloads killed before a filesystem call, each recovered; \
         {target_temps} temporary files left in target directories"
    );
    assert!(kills >= 30, "only {kills} kills");
}

/// Known bug, reproduced (see docs/hardening.md, "Crash safety"): a read
/// error on the cached timestamp (EIO here, injected into the open of
/// `timestamp.json`) makes it read as absent, so the refresh has no
/// rollback baseline, accepts an older timestamp from the repository and
/// replaces the cached one with it: the version on disk goes down (2 -> 1).
/// python-tuf's ngclient does the same (it ignores OSError on local
/// metadata, then persists what it fetched), but a cache shared by every
/// PHP worker of a host deserves better: a read error other than "not
/// found" should fail the refresh. Run with `--ignored`; remove the
/// `ignore` once it does.
#[test]
#[cfg(feature = "failpoints")]
fn a_read_error_on_the_cached_timestamp_does_not_let_a_rollback_through() {
    let home = temp_home("read-error");
    let dir = home.join("metadata");
    init(&dir, "attacks");
    let url = |state: &str| {
        format!(
            "file://{}/",
            state_dir("attacks", state).join("metadata").display()
        )
    };
    let first = run(&dir, &["--metadata-url", &url("1"), "refresh"], None);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(cached_version(&dir, "timestamp.json"), Some(2));
    // The second read of a refresh is the cached timestamp (after root).
    let out = run(
        &dir,
        &["--metadata-url", &url("ts-rollback"), "refresh"],
        Some("cache-read:open@2:EIO"),
    );
    let version = cached_version(&dir, "timestamp.json");
    std::fs::remove_dir_all(&home).unwrap();
    assert_eq!(version, Some(2), "the cached timestamp went back: {out:?}");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}
