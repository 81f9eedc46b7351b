//! Hostile servers against the `tuf-native` binary: endless bodies, a
//! gzip body, a trickle stopped by `--timeout`, a redirect loop, and
//! target names that try to leave the target directory. Each test checks
//! the exit status (exactly 1), the one-line reason, and that the metadata
//! directory and the target directory hold exactly what they held before
//! (or what was verified before the failure).
//!
//! Re-signed hostile metadata (huge keys, names, versions...) is tested
//! in io/tests/hostile.rs with the same disk cache and download code;
//! this crate has no signing dependency, so here the repository is the
//! python-tuf `attacks/1` fixture as generated, served by a hostile
//! server on 127.0.0.1.

mod simulator;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use simulator::state_dir;

const BINARY: &str = env!("CARGO_BIN_EXE_tuf-native");

#[derive(Clone)]
enum Route {
    Body(Vec<u8>),
    /// 200 with this `Content-Length` (None: close-delimited), then an
    /// endless body.
    Endless(Option<u64>),
    /// `Content-Encoding: gzip` and these bytes.
    Gzip(Vec<u8>),
    /// The real length, then one byte per interval.
    Trickle(Vec<u8>, Duration),
    Redirect(String),
}

struct Server {
    base: String,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// attacks/1: metadata under /metadata/, targets under /targets/.
    fn attacks() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let server = Server {
            base,
            routes: Arc::default(),
            requests: Arc::default(),
            stop: Arc::default(),
        };
        let dir = state_dir("attacks", "1");
        for (sub, names) in [
            (
                "metadata",
                &[
                    "1.root.json",
                    "timestamp.json",
                    "snapshot.json",
                    "targets.json",
                    "role1.json",
                ][..],
            ),
            ("targets", &["file1.txt", "file2.txt", "r1/a.txt"][..]),
        ] {
            for name in names {
                let body = std::fs::read(dir.join(sub).join(name)).unwrap();
                server.route(&format!("/{sub}/{name}"), Route::Body(body));
            }
        }
        let (routes, requests, stop) = (
            server.routes.clone(),
            server.requests.clone(),
            server.stop.clone(),
        );
        thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (routes, requests) = (routes.clone(), requests.clone());
                        thread::spawn(move || serve(stream, &routes, &requests));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        server
    }

    fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.into(), route);
    }

    fn metadata_url(&self) -> String {
        format!("{}/metadata/", self.base)
    }

    fn targets_url(&self) -> String {
        format!("{}/targets/", self.base)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(mut s: TcpStream, routes: &Mutex<HashMap<String, Route>>, requests: &Mutex<Vec<String>>) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) if head.len() < 65_536 => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split(' ').nth(1).unwrap_or("").to_string();
    requests.lock().unwrap().push(path.clone());
    let route = routes.lock().unwrap().get(&path).cloned();
    let start = Instant::now();
    let bounded = || start.elapsed() < Duration::from_secs(60);
    let _ = match route {
        None => {
            s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
        Some(Route::Body(b)) => {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                b.len()
            );
            s.write_all(&b)
        }
        Some(Route::Gzip(b)) => {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                b.len()
            );
            s.write_all(&b)
        }
        Some(Route::Redirect(to)) => write!(
            s,
            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        Some(Route::Trickle(b, every)) => {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                b.len()
            );
            for x in b {
                if s.write_all(&[x]).is_err() || !bounded() {
                    break;
                }
                thread::sleep(every);
            }
            Ok(())
        }
        Some(Route::Endless(length)) => {
            let _ = match length {
                Some(n) => write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
                ),
                None => write!(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"),
            };
            let chunk = vec![b'x'; 64 * 1024];
            let mut written: u64 = 0;
            while written < 1 << 30 && bounded() && s.write_all(&chunk).is_ok() {
                written += chunk.len() as u64;
            }
            Ok(())
        }
    };
}

/// A client home: metadata and target directories, removed on drop.
struct Client {
    home: PathBuf,
}

impl Client {
    fn new() -> Client {
        static N: AtomicU32 = AtomicU32::new(0);
        let home = std::env::temp_dir().join(format!(
            "tuf-native-hostile-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&home);
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
        fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                if p.is_dir() {
                    out.push((format!("{rel}/"), Vec::new()));
                    walk(&p, base, out);
                } else {
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.home, &self.home, &mut out);
        out.sort();
        out
    }

    fn names(&self) -> Vec<String> {
        self.snapshot().into_iter().map(|(n, _)| n).collect()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
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
    for length in [Some(1u64 << 40), None] {
        // First refresh: nothing trusted but the root.
        let server = Server::attacks();
        server.route("/metadata/timestamp.json", Route::Endless(length));
        let c = Client::new();
        let before = c.snapshot();
        let t = Instant::now();
        failed_with(&c.refresh(&server, &[]), "exceeds the limit of 16384 bytes");
        assert!(t.elapsed() < Duration::from_secs(10));
        assert_eq!(c.snapshot(), before);

        // After a good refresh, with targets.json gone from the cache (so
        // it is fetched again), an endless one changes nothing on disk.
        let server = Server::attacks();
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
        server.route("/metadata/targets.json", Route::Endless(length));
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
        Route::Endless(Some(1 << 40)),
        Route::Endless(None),
        Route::Gzip(gz),
    ] {
        let server = Server::attacks();
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
    let server = Server::attacks();
    server.route(
        "/metadata/snapshot.json",
        Route::Trickle(snapshot, Duration::from_secs(1)),
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
    let server = Server::attacks();
    server.route(
        "/metadata/timestamp.json",
        Route::Redirect("/metadata/timestamp.json".into()),
    );
    let c = Client::new();
    let before = c.snapshot();
    failed_with(&c.refresh(&server, &[]), "redirect");
    assert_eq!(c.snapshot(), before);
    let asked = server
        .requests()
        .iter()
        .filter(|p| p.ends_with("timestamp.json"))
        .count();
    assert!(asked <= 6, "{asked} requests");
}

#[test]
fn target_names_that_are_not_listed_are_refused_before_any_download() {
    let server = Server::attacks();
    let c = Client::new();
    assert_eq!(c.refresh(&server, &[]).0, Some(0));
    for name in [
        "../../../../tmp/escape",
        "/etc/passwd",
        "r1/../../x",
        "FILE1.TXT",
        "file1.txt/",
    ] {
        let before = server.requests().len();
        failed_with(&c.download(&server, &[name]), "");
        let targets: Vec<String> = server.requests()[before..]
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
