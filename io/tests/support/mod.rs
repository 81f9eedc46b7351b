//! What the hostile_*.rs suites share beyond the test kit: the attacks/1
//! repository served by the kit's server, clients over it (in memory and
//! through the real `HttpFetcher`), and the fetch order of a first refresh.
// A prelude shared by several test crates: each uses part of it.
#![allow(dead_code, unused_imports)]

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

pub use tuf_testkit::fixtures::*;
pub use tuf_testkit::keys::{attacks_key, resign, to_bytes, FixtureKey};
pub use tuf_testkit::release::{fixture_doc, root_release, Release};
pub use tuf_testkit::scratch::Scratch;
pub use tuf_testkit::server::{Framing, Reply, Server, FRAMINGS};
pub use tuf_testkit::tree;

use tuf_core::config::Config;
use tuf_core::delegation::TargetInfo;
use tuf_core::error::{Error, ErrorKind};
use tuf_core::updater::{Fetcher, MetadataStore, Updater};
use tuf_io::download::download_target;
use tuf_io::http::{HttpConfig, HttpFetcher};

/// A server of the attacks/1 fixture, metadata under /metadata/ and
/// targets under /targets/, with `overrides` (served name -> bytes) in
/// place of (or beside) the fixture's metadata.
pub fn attacks_server(overrides: &HashMap<String, Vec<u8>>) -> Server {
    let mut files = metadata_files("attacks", "1");
    files.extend(overrides.clone());
    let s = Server::start();
    s.route_files("/metadata/", &files);
    for name in ["file1.txt", "file2.txt", "r1/a.txt"] {
        let body = target_file("attacks", "1", name);
        s.route(&format!("/targets/{name}"), Reply::body(&body));
    }
    s
}

/// A client over the in-memory attacks/1 repository with `files` served
/// in place of (or beside) the fixture's, trusting only root v1.
pub fn mem_client(files: HashMap<String, Vec<u8>>) -> TestUpdater {
    mem_client_with(files, Config::default())
}

pub fn mem_client_with(files: HashMap<String, Vec<u8>>, config: Config) -> TestUpdater {
    let mut u = client_with("attacks", "1", config);
    u.fetcher_mut().overrides = files;
    u
}

/// The default limits with a targets cap of 64 MB, for the tests that need
/// targets.json larger than our default cap of 5 MB.
pub fn large_targets() -> Config {
    Config {
        targets_max_length: 64 << 20,
        ..Config::default()
    }
}

pub fn stored_roles(store: &MemStore) -> Vec<String> {
    let mut roles: Vec<String> = store.files.keys().cloned().collect();
    roles.sort();
    roles
}

pub fn http_config() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(20),
        ..HttpConfig::default()
    }
}

pub type HttpUpdater = Updater<HttpFetcher, MemStore>;

/// A client of `server` trusting attacks/1's root v1 only.
pub fn http_client(server: &Server, http: HttpConfig) -> HttpUpdater {
    Updater::new(
        Config::default(),
        &server.metadata_url(),
        HttpFetcher::new(http),
        trusting_root("attacks"),
    )
}

/// Roles in the order a first refresh and lookup fetch them, with the
/// served file name.
pub const FETCH_ORDER: [(&str, &str); 5] = [
    ("root", "2.root.json"),
    ("timestamp", "timestamp.json"),
    ("snapshot", "snapshot.json"),
    ("targets", "targets.json"),
    ("role1", "role1.json"),
];

/// Refresh, and for role1 also the lookup that fetches it.
pub fn refresh_and_lookup<F: Fetcher, S: MetadataStore>(
    u: &mut Updater<F, S>,
    role: &str,
) -> tuf_core::Result<()> {
    if role == "role1" {
        u.refresh(ref_time()).expect("top-level refresh");
        u.get_target_info("r1/a.txt").map(|_| ())
    } else {
        u.refresh(ref_time()).map(|_| ())
    }
}

/// What a fresh client stores before the fetch of `FETCH_ORDER[i]` fails.
pub fn stored_before(i: usize) -> Vec<String> {
    let mut roles: Vec<String> = std::iter::once("root")
        .chain(FETCH_ORDER[1..i.max(1)].iter().map(|(r, _)| *r))
        .map(String::from)
        .collect();
    roles.sort();
    roles
}

/// Byte caps of the attacks fixture: root and timestamp by configuration,
/// the others as listed by timestamp and snapshot.
pub fn fixture_cap(role: &str) -> u64 {
    let config = Config::default();
    match role {
        "root" => config.root_max_length,
        "timestamp" => config.timestamp_max_length,
        "snapshot" => fixture_doc("timestamp.json")["signed"]["meta"]["snapshot.json"]["length"]
            .as_u64()
            .unwrap(),
        role => fixture_doc("snapshot.json")["signed"]["meta"][format!("{role}.json")]["length"]
            .as_u64()
            .unwrap(),
    }
}

/// The server's side of endless responses: the client hung up long before
/// the server's own limit.
pub fn assert_client_hung_up(server: &Server, what: &str) {
    let results = server.endless_results(1);
    let (written, client_left) = results[0];
    assert!(client_left, "{what}: the client read all {written} bytes");
    assert!(written < 64 << 20, "{what}: {written} bytes written");
}

/// A targets role signed part, valid until 2100, listing `targets`.
pub fn empty_role(version: u64, targets: Value) -> Value {
    json!({
        "_type": "targets",
        "spec_version": "1.0.31",
        "version": version,
        "expires": "2100-01-01T00:00:00Z",
        "targets": targets,
    })
}

/// The roles whose length a timestamp or snapshot lists, with the file.
pub const LISTED: [(&str, &str); 3] = [
    ("snapshot", "snapshot.json"),
    ("targets", "targets.json"),
    ("role1", "role1.json"),
];

/// Downloads `info` from `server`'s targets into a fresh directory: it
/// fails with `kind` and leaves the directory empty (no temporary file).
#[track_caller]
pub fn download_leaves_nothing(
    u: &mut HttpUpdater,
    server: &Server,
    info: &TargetInfo,
    kind: ErrorKind,
) -> Error {
    let dest = Scratch::new("tuf-hostile-download");
    let url = server.targets_url();
    let e = assert_kind(
        download_target(u.fetcher_mut(), &url, info, false, dest.path()),
        kind,
    );
    assert_eq!(tree::names(dest.path()), Vec::<String>::new(), "{e}");
    e
}

/// A first refresh (and, for role1, the lookup) fails with
/// `download-size` naming `limit`; the store holds exactly the roles
/// fetched before `role`, and the client hung up on the server.
#[track_caller]
pub fn assert_cut_at(server: &Server, role: &str, limit: u64) {
    let i = FETCH_ORDER.iter().position(|(r, _)| *r == role).unwrap();
    let mut u = http_client(server, http_config());
    let e = assert_kind(refresh_and_lookup(&mut u, role), ErrorKind::DownloadSize);
    assert!(
        e.message().contains(&format!("limit of {limit} bytes")),
        "{role}: {e}"
    );
    assert_eq!(stored_roles(u.store()), stored_before(i), "{role}");
    assert_client_hung_up(server, role);
}
