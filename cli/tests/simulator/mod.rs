//! A repository simulator for the CLI tests: the test kit's server on
//! 127.0.0.1 (keep-alive, as a repository is) serving a TUF repository
//! from memory and recording every request, so tests can assert the exact
//! request sequence.
//!
//! The repository content comes from the python-tuf generated fixtures
//! (`target/fixtures/<repo>/<state>/{metadata,targets}`): "publishing" a
//! new version, a key rotation or an attack is loading another generated
//! state, and tests can also replace or tamper with single files.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use tuf_testkit::fixtures::state_dir;
use tuf_testkit::fixtures::state_files;
use tuf_testkit::server::{Reply, Server};

/// Served path -> body.
type Files = HashMap<String, Vec<u8>>;

#[derive(Default)]
struct Shared {
    /// URL path without the leading `/` (e.g. `metadata/timestamp.json`)
    /// to body.
    files: Mutex<Files>,
    /// A publication made when a request for this path arrives, before it
    /// is answered (the publisher re-signing between two requests).
    publish_on: Mutex<Option<(String, Files)>>,
}

pub struct RepositorySimulator {
    server: Server,
    shared: Arc<Shared>,
}

impl RepositorySimulator {
    /// An empty repository.
    pub fn start() -> RepositorySimulator {
        let server = Server::start_keep_alive();
        let shared = Arc::new(Shared::default());
        let state = shared.clone();
        server.route_fn(move |request| Some(answer(&state, &request.method, &request.path)));
        RepositorySimulator { server, shared }
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
        self.server.metadata_url()
    }

    pub fn targets_url(&self) -> String {
        self.server.targets_url()
    }

    /// The requests since the last call, as paths like
    /// `metadata/timestamp.json`.
    pub fn take_requests(&self) -> Vec<String> {
        let requests = self.server.take_requests();
        requests
            .into_iter()
            .map(|r| r.path.trim_start_matches('/').to_string())
            .collect()
    }
}

fn answer(shared: &Shared, method: &str, path: &str) -> Reply {
    let key = path.trim_start_matches('/').to_string();
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
    match (method, body) {
        ("GET", Some(body)) => Reply::body(&body).header("Content-Type: application/octet-stream"),
        ("GET", None) => Reply::status("404 Not Found", b"not found\n"),
        _ => Reply::status("405 Method Not Allowed", b""),
    }
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
