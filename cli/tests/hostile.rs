//! Hostile servers against the `tuf-native` binary: endless bodies, a
//! gzip body, a trickle stopped by `--timeout`, a redirect loop, and
//! target names that try to leave the target directory. Each test checks
//! the exit status (exactly 1), the one-line reason, and that the metadata
//! directory and the target directory hold exactly what they held before
//! (or what was verified before the failure).
//!
//! Re-signed hostile metadata (huge keys, names, versions...) is tested
//! in io/tests/hostile_*.rs with the same disk cache and download code;
//! here the repository is the python-tuf `attacks/1` fixture as
//! generated, served by the test kit's scripted server on 127.0.0.1.

use std::process::Command;
use std::time::{Duration, Instant};

use tuf_testkit::fixtures::{metadata_file, state_dir, target_file};
use tuf_testkit::scratch::Scratch;
use tuf_testkit::server::{Framing, Reply, Server};
use tuf_testkit::tree;

const BINARY: &str = env!("CARGO_BIN_EXE_tuf-native");

/// attacks/1: metadata under /metadata/, targets under /targets/.
fn attacks_server() -> Server {
    let server = Server::start();
    for name in [
        "1.root.json",
        "timestamp.json",
        "snapshot.json",
        "targets.json",
        "role1.json",
    ] {
        let body = metadata_file("attacks", "1", name);
        server.route(&format!("/metadata/{name}"), Reply::body(&body));
    }
    for name in ["file1.txt", "file2.txt", "r1/a.txt"] {
        let body = target_file("attacks", "1", name);
        server.route(&format!("/targets/{name}"), Reply::body(&body));
    }
    server
}

/// A client home: metadata and target directories, removed on drop.
struct Client {
    home: Scratch,
}

impl Client {
    fn new() -> Client {
        let home = Scratch::new("tuf-native-hostile");
        std::fs::create_dir_all(home.join("targets")).unwrap();
        let c = Client { home };
        let root = state_dir("attacks", "1").join("metadata/1.root.json");
        let (code, _, err) = c.run(&["init", root.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{err}");
        c
    }

    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = Command::new(BINARY)
            .arg("--metadata-dir")
            .arg(self.home.join("metadata"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn refresh(&self, server: &Server, extra: &[&str]) -> (Option<i32>, String, String) {
        let url = server.metadata_url();
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(["--metadata-url", &url, "refresh"]);
        self.run(&args)
    }

    fn download(&self, server: &Server, names: &[&str]) -> (Option<i32>, String, String) {
        let (meta, targets) = (server.metadata_url(), server.targets_url());
        let dir = self.home.join("targets");
        let mut args = vec!["--metadata-url", &meta, "--target-base-url", &targets];
        args.extend(["--target-dir", dir.to_str().unwrap()]);
        for n in names {
            args.extend(["--target-name", n]);
        }
        args.push("download");
        self.run(&args)
    }

    /// Every file under the home directory with its bytes.
    fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        tree::contents(self.home.path())
    }

    fn names(&self) -> Vec<String> {
        tree::names(self.home.path())
    }
}

#[track_caller]
fn failed_with(run: &(Option<i32>, String, String), reason: &str) {
    let (code, out, err) = run;
    assert_eq!(*code, Some(1), "stdout {out:?} stderr {err:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err:?}");
    assert!(
        lines[0].starts_with("tuf-native: ") && lines[0].contains(reason),
        "{err:?}"
    );
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn endless_metadata_leaves_the_cache_as_it_was() {
    for length in [Framing::Declared, Framing::CloseDelimited] {
        // First refresh: nothing trusted but the root.
        let server = attacks_server();
        server.route("/metadata/timestamp.json", Reply::endless(length));
        let c = Client::new();
        let before = c.snapshot();
        let t = Instant::now();
        failed_with(&c.refresh(&server, &[]), "exceeds the limit of 16384 bytes");
        assert!(t.elapsed() < Duration::from_secs(10));
        assert_eq!(c.snapshot(), before);

        // After a good refresh, with targets.json gone from the cache (so
        // it is fetched again), an endless one changes nothing on disk.
        let server = attacks_server();
        let c = Client::new();
        assert_eq!(c.refresh(&server, &[]).0, Some(0));
        let before = c.snapshot();
        assert_eq!(
            c.names(),
            names(&[
                "metadata/",
                "metadata/root.json",
                "metadata/snapshot.json",
                "metadata/targets.json",
                "metadata/timestamp.json",
                "targets/"
            ])
        );
        server.route("/metadata/targets.json", Reply::endless(length));
        let d = c.home.join("metadata/targets.json");
        std::fs::remove_file(&d).unwrap();
        let mut before_without = before.clone();
        before_without.retain(|(n, _)| n != "metadata/targets.json");
        failed_with(&c.refresh(&server, &[]), "exceeds the limit of 1494 bytes");
        assert_eq!(c.snapshot(), before_without);
    }
}

#[test]
fn endless_or_gzipped_targets_leave_nothing_behind() {
    let file1 = std::fs::read(state_dir("attacks", "1").join("targets/file1.txt")).unwrap();
    // A gzip member holding file1.txt (stored block): 21 + 23 bytes.
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1];
    let len = file1.len() as u16;
    gz.extend_from_slice(&len.to_le_bytes());
    gz.extend_from_slice(&(!len).to_le_bytes());
    gz.extend_from_slice(&file1);
    gz.extend_from_slice(&[0; 8]);
    for route in [
        Reply::endless(Framing::Declared),
        Reply::endless(Framing::CloseDelimited),
        Reply::gzip(&gz),
    ] {
        let server = attacks_server();
        server.route("/targets/file1.txt", route);
        let c = Client::new();
        failed_with(&c.download(&server, &["file1.txt"]), "file1.txt");
        // The metadata verified before the download stays; no target, no
        // temporary file.
        assert!(c
            .names()
            .iter()
            .all(|n| n.starts_with("metadata") || n == "targets/"));
        assert!(c.home.join("metadata/targets.json").exists());
    }
}

#[test]
fn the_timeout_option_stops_a_trickling_server() {
    let snapshot = std::fs::read(state_dir("attacks", "1").join("metadata/snapshot.json")).unwrap();
    let server = attacks_server();
    server.route(
        "/metadata/snapshot.json",
        Reply::trickle(&snapshot, Duration::from_secs(1)),
    );
    let c = Client::new();
    let t = Instant::now();
    failed_with(&c.refresh(&server, &["--timeout", "2"]), "deadline");
    let elapsed = t.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1_900) && elapsed < Duration::from_secs(6),
        "{elapsed:?}"
    );
    assert_eq!(
        c.names(),
        names(&[
            "metadata/",
            "metadata/root.json",
            "metadata/timestamp.json",
            "targets/"
        ])
    );
}

#[test]
fn a_redirect_loop_fails_cleanly() {
    let server = attacks_server();
    server.route(
        "/metadata/timestamp.json",
        Reply::redirect("302 Found", "/metadata/timestamp.json"),
    );
    let c = Client::new();
    let before = c.snapshot();
    failed_with(&c.refresh(&server, &[]), "redirect");
    assert_eq!(c.snapshot(), before);
    let asked = server
        .paths()
        .iter()
        .filter(|p| p.ends_with("timestamp.json"))
        .count();
    assert!(asked <= 6, "{asked} requests");
}

#[test]
fn target_names_that_are_not_listed_are_refused_before_any_download() {
    let server = attacks_server();
    let c = Client::new();
    assert_eq!(c.refresh(&server, &[]).0, Some(0));
    for name in [
        "../../../../tmp/escape",
        "/etc/passwd",
        "r1/../../x",
        "FILE1.TXT",
        "file1.txt/",
    ] {
        let before = server.paths().len();
        failed_with(&c.download(&server, &[name]), "");
        let targets: Vec<String> = server.paths()[before..]
            .iter()
            .filter(|p| p.starts_with("/targets/"))
            .cloned()
            .collect();
        assert!(targets.is_empty(), "{name}: {targets:?}");
    }
    assert!(c
        .names()
        .iter()
        .all(|n| n.starts_with("metadata") || n == "targets/"));
    // A listed name still downloads, under its own name only.
    assert_eq!(c.download(&server, &["r1/a.txt"]).0, Some(0));
    assert!(c.names().contains(&"targets/r1/a.txt".to_string()));
}
