//! A repository simulator for the CLI tests: a real HTTP/1.1 server on
//! 127.0.0.1 that serves a TUF repository from memory and records every
//! request, so tests can assert the exact request sequence.
//!
//! The repository content comes from the python-tuf generated fixtures
//! (`target/fixtures/<repo>/<state>/{metadata,targets}`): "publishing" a
//! new version, a key rotation or an attack is loading another generated
//! state, and tests can also replace or tamper with single files.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Where `tests/fixtures/generate.py` wrote its repositories.
pub fn fixtures() -> PathBuf {
    let dir = std::env::var_os("TUF_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fixtures"));
    assert!(
        dir.join("VERSION").exists(),
        "fixtures missing at {}: run scripts/test (it generates them with python-tuf)",
        dir.display()
    );
    dir
}

pub fn state_dir(repo: &str, state: &str) -> PathBuf {
    let dir = fixtures().join(repo).join(state);
    assert!(dir.is_dir(), "no fixture state {}", dir.display());
    dir
}

#[derive(Default)]
struct Shared {
    /// URL path without the leading `/` (e.g. `metadata/timestamp.json`)
    /// to body.
    files: Mutex<HashMap<String, Vec<u8>>>,
    /// Every request path, in arrival order, as sent.
    requests: Mutex<Vec<String>>,
    /// A publication made when a request for this path arrives, before it
    /// is answered (the publisher re-signing between two requests).
    publish_on: Mutex<Option<(String, HashMap<String, Vec<u8>>)>>,
}

pub struct RepositorySimulator {
    base: String,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
}

impl RepositorySimulator {
    /// An empty repository.
    pub fn start() -> RepositorySimulator {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}/", listener.local_addr().expect("local address"));
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let accept_thread = {
            let (shared, stop) = (shared.clone(), stop.clone());
            std::thread::spawn(move || accept_loop(listener, shared, stop))
        };
        RepositorySimulator {
            base,
            shared,
            stop,
            accept_thread: Some(accept_thread),
        }
    }

    /// A repository serving a fixture state.
    pub fn serving(repo: &str, state: &str) -> RepositorySimulator {
        let sim = RepositorySimulator::start();
        sim.publish(repo, state);
        sim
    }

    /// Replaces everything served with the files of a fixture state.
    pub fn publish(&self, repo: &str, state: &str) {
        *self.shared.files.lock().unwrap() = state_files(repo, state);
    }

    /// Publishes a fixture state when the next request for `path` arrives,
    /// and answers that request from it.
    pub fn publish_on_request(&self, path: &str, repo: &str, state: &str) {
        *self.shared.publish_on.lock().unwrap() =
            Some((path.to_string(), state_files(repo, state)));
    }

    pub fn put(&self, path: &str, body: &[u8]) {
        self.shared
            .files
            .lock()
            .unwrap()
            .insert(path.to_string(), body.to_vec());
    }

    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        self.shared.files.lock().unwrap().get(path).cloned()
    }

    pub fn remove(&self, path: &str) {
        self.shared.files.lock().unwrap().remove(path);
    }

    /// Paths served, sorted (for finding generated file names).
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.shared.files.lock().unwrap().keys().cloned().collect();
        paths.sort();
        paths
    }

    pub fn metadata_url(&self) -> String {
        format!("{}metadata/", self.base)
    }

    pub fn targets_url(&self) -> String {
        format!("{}targets/", self.base)
    }

    /// The requests since the last call, as paths like
    /// `metadata/timestamp.json`.
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.shared.requests.lock().unwrap())
    }
}

impl Drop for RepositorySimulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(
            self.base
                .trim_start_matches("http://")
                .trim_end_matches('/'),
        );
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
    }
}

fn state_files(repo: &str, state: &str) -> HashMap<String, Vec<u8>> {
    let dir = state_dir(repo, state);
    let mut files = HashMap::new();
    for sub in ["metadata", "targets"] {
        load_tree(&dir.join(sub), sub, &mut files);
    }
    files
}

fn load_tree(dir: &Path, prefix: &str, files: &mut HashMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("read fixture directory").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let key = format!("{prefix}/{name}");
        if path.is_dir() {
            load_tree(&path, &key, files);
        } else {
            files.insert(key, std::fs::read(&path).expect("read fixture file"));
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let shared = shared.clone();
        // One thread per connection: several client processes may run at once.
        std::thread::spawn(move || {
            let _ = serve_connection(stream, &shared);
        });
    }
}

/// Answers requests on one connection until the client closes it.
fn serve_connection(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let Some((method, path)) = read_request_head(&mut reader)? else {
            return Ok(());
        };
        let key = path.trim_start_matches('/').to_string();
        shared.requests.lock().unwrap().push(key.clone());
        {
            let mut publish_on = shared.publish_on.lock().unwrap();
            if publish_on.as_ref().is_some_and(|(path, _)| *path == key) {
                let (_, files) = publish_on.take().unwrap();
                *shared.files.lock().unwrap() = files;
            }
        }
        let body = {
            let files = shared.files.lock().unwrap();
            files
                .get(&key)
                .or_else(|| files.get(&percent_decode(&key)))
                .cloned()
        };
        match (method.as_str(), body) {
            ("GET", Some(body)) => respond(&mut writer, "200 OK", &body)?,
            ("GET", None) => respond(&mut writer, "404 Not Found", b"not found\n")?,
            _ => respond(&mut writer, "405 Method Not Allowed", b"")?,
        }
    }
}

/// The method and path of the next request; None at end of connection.
/// Request bodies are not expected (the client only sends GET).
fn read_request_head(reader: &mut impl BufRead) -> std::io::Result<Option<(String, String)>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    Ok(Some((method, path)))
}

fn respond(w: &mut impl Write, status: &str, body: &[u8]) -> std::io::Result<()> {
    write!(
        w,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\r\n",
        body.len()
    )?;
    w.write_all(body)?;
    w.flush()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
