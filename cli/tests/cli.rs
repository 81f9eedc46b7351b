//! The `tuf-native` binary end to end, against python-tuf generated
//! repositories served over HTTP by the repository simulator: exit
//! statuses, one-line failure reports, the exact requests made and the
//! exact files left in the metadata cache and the target directory.

mod simulator;

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use simulator::{state_dir, RepositorySimulator};
use tuf_testkit::scratch::Scratch;

const BINARY: &str = env!("CARGO_BIN_EXE_tuf-native");

/// One finished run of the binary.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Standard output contains `text`.
    #[track_caller]
    fn prints(&self, text: &str) -> &Run {
        assert!(
            self.stdout.contains(text),
            "no {text:?} in: {}",
            self.stdout
        );
        self
    }

    #[track_caller]
    fn succeeded(&self) -> &Run {
        assert_eq!(self.code, Some(0), "expected success: {self:#?}");
        assert!(self.stderr.is_empty(), "stderr on success: {self:#?}");
        self
    }

    /// Exit status exactly 1 and exactly one `tuf-native: ...` line on
    /// stderr containing `reason`.
    #[track_caller]
    fn failed_with(&self, reason: &str) -> &Run {
        assert_eq!(self.code, Some(1), "expected exit status 1: {self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one stderr line: {self:#?}");
        assert!(lines[0].starts_with("tuf-native: "), "{self:#?}");
        assert!(
            lines[0].contains(reason),
            "expected {reason:?} in {:?}",
            lines[0]
        );
        self
    }
}

/// attacks/1 served, and a client that trusts its root.
fn attacks_client() -> (RepositorySimulator, Client) {
    let sim = RepositorySimulator::serving("attacks", "1");
    let client = Client::new();
    client.init_fixture("attacks").succeeded();
    (sim, client)
}

/// A client: a fresh metadata directory and target directory, removed
/// on drop.
struct Client {
    home: Scratch,
}

impl Client {
    fn new() -> Client {
        Client {
            home: Scratch::new("tuf-native-cli"),
        }
    }

    fn metadata_dir(&self) -> PathBuf {
        self.home.join("metadata")
    }

    fn target_dir(&self) -> PathBuf {
        self.home.join("targets")
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(BINARY)
            .args(args)
            .output()
            .expect("run tuf-native");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn with_metadata_dir(&self, args: &[&str]) -> Run {
        let dir = self.metadata_dir();
        let mut all = vec!["--metadata-dir", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        self.run(&all)
    }

    fn init(&self, root_file: &Path) -> Run {
        self.with_metadata_dir(&["init", root_file.to_str().unwrap()])
    }

    /// `init` with state 1's first root of a fixture repository.
    fn init_fixture(&self, repo: &str) -> Run {
        self.init(&state_dir(repo, "1").join("metadata/1.root.json"))
    }

    fn refresh(&self, sim: &RepositorySimulator) -> Run {
        self.with_metadata_dir(&["--metadata-url", &sim.metadata_url(), "refresh"])
    }

    fn download(&self, sim: &RepositorySimulator, targets: &[&str]) -> Run {
        let (metadata_url, targets_url) = (sim.metadata_url(), sim.targets_url());
        let target_dir = self.target_dir();
        // Options in the order the conformance suite uses.
        let mut args = vec!["--metadata-url", &metadata_url];
        for t in targets {
            args.extend(["--target-name", t]);
        }
        args.extend(["--target-dir", target_dir.to_str().unwrap()]);
        args.extend(["--target-base-url", &targets_url, "download"]);
        self.with_metadata_dir(&args)
    }

    fn status_json(&self) -> serde_json::Value {
        let run = self.with_metadata_dir(&["--json", "status"]);
        run.succeeded();
        serde_json::from_str(&run.stdout).expect("status --json prints JSON")
    }

    /// File names in the metadata directory, sorted.
    fn cache_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.metadata_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Regular files under the target directory, relative, sorted.
    fn target_files(&self) -> Vec<String> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, base, out);
                } else {
                    out.push(path.strip_prefix(base).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.target_dir(), &self.target_dir(), &mut out);
        out.sort();
        out
    }

    fn target_bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.target_dir().join(name)).unwrap()
    }
}

const TOP_LEVEL_FILES: [&str; 4] = [
    "root.json",
    "snapshot.json",
    "targets.json",
    "timestamp.json",
];

fn names(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// A target file of a fixture without consistent snapshots.
fn fixture_target(repo: &str, state: &str, name: &str) -> Vec<u8> {
    std::fs::read(state_dir(repo, state).join("targets").join(name)).unwrap()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The Drupal fixture's hashed bin for a target: by the first hex digit of
/// the SHA-256 of its path.
fn drupal_bin(target: &str) -> String {
    let digit = &sha256_hex(target.as_bytes())[..1];
    format!("{digit}00-{digit}ff")
}

#[test]
fn drupal_init_refresh_download_request_sequence_and_cache() {
    let sim = RepositorySimulator::serving("drupal", "1");
    let client = Client::new();

    client.init_fixture("drupal").succeeded();
    assert_eq!(client.cache_files(), ["root.json"]);
    assert!(
        sim.take_requests().is_empty(),
        "init must not touch the network"
    );

    // First refresh: spec 5.3 to 5.6, nothing more.
    let run = client.refresh(&sim);
    run.succeeded();
    assert_eq!(
        sim.take_requests(),
        [
            "metadata/2.root.json",
            "metadata/timestamp.json",
            "metadata/snapshot.json",
            "metadata/targets.json"
        ]
    );
    assert_eq!(client.cache_files(), TOP_LEVEL_FILES);
    assert!(
        run.stdout
            .contains("root v1, timestamp v1, snapshot v1, targets v1"),
        "{}",
        run.stdout
    );

    // Unchanged timestamp: no snapshot or targets requests.
    client.refresh(&sim).succeeded();
    assert_eq!(
        sim.take_requests(),
        ["metadata/2.root.json", "metadata/timestamp.json"]
    );
    assert_eq!(client.cache_files(), TOP_LEVEL_FILES);

    // Download: the one bin that lists the target, then the target.
    let target = "drupal/pkg01/1.0.0.0";
    let bin = drupal_bin(target);
    client.download(&sim, &[target]).succeeded();
    assert_eq!(
        sim.take_requests(),
        [
            "metadata/2.root.json".to_string(),
            "metadata/timestamp.json".to_string(),
            format!("metadata/{bin}.json"),
            format!("targets/{target}"),
        ]
    );
    let bin_file = format!("{bin}.json");
    let mut expected_cache = names(&TOP_LEVEL_FILES);
    expected_cache.push(bin_file);
    expected_cache.sort();
    assert_eq!(client.cache_files(), expected_cache);
    assert_eq!(client.target_files(), [target]);
    assert_eq!(
        client.target_bytes(target),
        fixture_target("drupal", "1", target)
    );

    // Again: the bin comes from the cache and the verified copy stays.
    client.download(&sim, &[target]).succeeded();
    assert_eq!(
        sim.take_requests(),
        ["metadata/2.root.json", "metadata/timestamp.json"]
    );
    assert_eq!(client.cache_files(), expected_cache);
}

/// Issue 16: a publication between the timestamp and the snapshot
/// request, and one between the refresh and the bin request of a
/// download, each cost one restart, not a failure; a repository that
/// changes on every attempt fails as `repository-changed`, a rollback at
/// once.
#[test]
fn publishing_during_a_refresh_or_download_restarts_once() {
    let sim = RepositorySimulator::serving("drupal", "1");
    let client = Client::new();
    client.init_fixture("drupal").succeeded();
    sim.publish_on_request("metadata/snapshot.json", "drupal", "2");
    let run = client.refresh(&sim);
    run.succeeded();
    assert_eq!(
        run.stdout,
        "trusted: root v1, timestamp v2, snapshot v2, targets v1\n"
    );
    assert_eq!(
        sim.take_requests(),
        [
            "metadata/2.root.json",
            "metadata/timestamp.json",
            "metadata/snapshot.json",
            "metadata/timestamp.json",
            "metadata/snapshot.json",
            "metadata/targets.json"
        ]
    );

    // A second client refreshed at state 1; state 2 is published when it
    // asks for the bin (re-signed at version 2) during its download.
    let target = "drupal/newpkg/1.0.0.0";
    let bin = drupal_bin(target);
    let old_target = (0..20)
        .flat_map(|i| (0..3).map(move |v| format!("drupal/pkg{i:02}/1.{v}.0.0")))
        .find(|t| drupal_bin(t) == bin)
        .unwrap();
    let late = Client::new();
    late.init_fixture("drupal").succeeded();
    sim.publish("drupal", "1");
    late.refresh(&sim).succeeded();
    sim.take_requests();
    let bin_path = format!("metadata/{bin}.json");
    sim.publish_on_request(&bin_path, "drupal", "2");
    // Its download refreshes first (timestamp 1 still served), then looks up.
    late.download(&sim, &[&old_target]).succeeded();
    let expected: Vec<String> = [
        "metadata/2.root.json",
        "metadata/timestamp.json",
        &bin_path,
        "metadata/2.root.json",
        "metadata/timestamp.json",
        "metadata/snapshot.json",
        &bin_path,
        &format!("targets/{old_target}"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(sim.take_requests(), expected);
    let status = late.status_json();
    let roles = status["roles"].as_array().unwrap();
    assert_eq!(
        (roles[1]["version"].clone(), roles[2]["version"].clone()),
        (2.into(), 2.into())
    );
    let bin_cached = std::fs::read(late.metadata_dir().join(format!("{bin}.json"))).unwrap();
    assert_eq!(
        bin_cached,
        std::fs::read(state_dir("drupal", "2").join(format!("metadata/{bin}.json"))).unwrap()
    );

    // Changing on every attempt: timestamp 1 beside snapshot 2.
    let stuck = at_state_2_but_old(&sim, "timestamp.json");
    stuck
        .refresh(&sim)
        .failed_with("repository-changed error: the repository changed during the update");
    assert_eq!(sim.take_requests().len(), 5, "one restart, no more");
    assert_eq!(stuck.cache_files(), ["root.json", "timestamp.json"]);

    // Older than listed: a rollback, no restart.
    let rolled = at_state_2_but_old(&sim, "snapshot.json");
    rolled.refresh(&sim).failed_with("rollback error");
    assert_eq!(sim.take_requests().len(), 3);
}

#[test]
fn drupal_new_release_and_root_rotation() {
    let sim = RepositorySimulator::serving("drupal", "1");
    let client = Client::new();
    client.init_fixture("drupal").succeeded();
    client.refresh(&sim).succeeded();
    sim.take_requests();

    // State 2: a new package in one bin; snapshot and timestamp at 2.
    sim.publish("drupal", "2");
    let target = "drupal/newpkg/1.0.0.0";
    client.download(&sim, &[target]).succeeded();
    assert_eq!(
        sim.take_requests(),
        [
            "metadata/2.root.json".to_string(),
            "metadata/timestamp.json".to_string(),
            "metadata/snapshot.json".to_string(),
            format!("metadata/{}.json", drupal_bin(target)),
            format!("targets/{target}"),
        ],
        "targets.json is unchanged and must come from the cache"
    );
    assert_eq!(
        client.target_bytes(target),
        fixture_target("drupal", "2", target)
    );

    // State 3: root 2 rotates a root key; timestamp 3.
    sim.publish("drupal", "3");
    client.refresh(&sim).succeeded();
    assert_eq!(
        sim.take_requests(),
        [
            "metadata/2.root.json",
            "metadata/3.root.json",
            "metadata/timestamp.json"
        ]
    );
    let status = client.status_json();
    let roles = status["roles"].as_array().unwrap();
    assert_eq!(roles[0]["role"], "root");
    assert_eq!(roles[0]["version"], 2);
    assert_eq!(roles[1]["version"], 3);
    assert_eq!(roles[2]["version"], 2);
}

#[test]
fn consistent_snapshots_use_versioned_and_hash_prefixed_names() {
    let sim = RepositorySimulator::serving("consistent", "1");
    let client = Client::new();
    client.init_fixture("consistent").succeeded();
    // (target, the metadata file of state 1 that lists it)
    let listed = [
        ("hello.txt", "1.targets.json"),
        ("dir/sub/file.bin", "1.targets.json"),
        ("files/one.txt", "1.nested%2Frole.json"),
    ];
    let targets: Vec<&str> = listed.iter().map(|(t, _)| *t).collect();
    let served: Vec<(String, Vec<u8>)> = listed
        .iter()
        .map(|(t, metadata)| consistent_target("1", metadata, t))
        .collect();
    client.download(&sim, &targets).succeeded();
    assert_eq!(
        sim.take_requests(),
        [
            "metadata/2.root.json",
            "metadata/timestamp.json",
            "metadata/1.snapshot.json",
            "metadata/1.targets.json",
            &format!("targets/{}", served[0].0),
            &format!("targets/{}", served[1].0),
            "metadata/1.nested%2Frole.json",
            &format!("targets/{}", served[2].0),
        ]
    );
    let mut expected_cache = names(&TOP_LEVEL_FILES);
    expected_cache.push("nested%2Frole.json".to_string());
    expected_cache.sort();
    assert_eq!(client.cache_files(), expected_cache);
    assert_eq!(client.target_files(), names(&targets));
    for (target, (_, bytes)) in targets.iter().zip(&served) {
        assert_eq!(&client.target_bytes(target), bytes, "{target}");
    }

    // Version 2 changes hello.txt: it is replaced under the same name.
    sim.publish("consistent", "2");
    let (served_as, bytes) = consistent_target("2", "2.targets.json", "hello.txt");
    assert_ne!(bytes, served[0].1);
    client.download(&sim, &["hello.txt"]).succeeded();
    let requests = sim.take_requests();
    assert_eq!(requests.last(), Some(&format!("targets/{served_as}")));
    assert_eq!(client.target_bytes("hello.txt"), bytes);
    assert_eq!(client.target_files(), names(&targets));
}

/// Where a consistent-snapshot fixture serves `target` (`dirs/<sha256>.name`)
/// according to the targets `metadata` file of `state` that lists it, and
/// the bytes served there.
fn consistent_target(state: &str, metadata: &str, target: &str) -> (String, Vec<u8>) {
    let dir = state_dir("consistent", state);
    let bytes = std::fs::read(dir.join("metadata").join(metadata)).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let sha256 = doc["signed"]["targets"][target]["hashes"]["sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("{metadata} does not list {target}"));
    let served_as = match target.rsplit_once('/') {
        Some((sub, name)) => format!("{sub}/{sha256}.{name}"),
        None => format!("{sha256}.{target}"),
    };
    let data = std::fs::read(dir.join("targets").join(&served_as)).unwrap();
    (served_as, data)
}

#[test]
fn tampered_or_longer_targets_are_refused_and_not_stored() {
    for (state, reason) in [
        ("target-tampered", "invalid-hash"),
        ("target-longer", "download-size"),
    ] {
        let sim = RepositorySimulator::serving("attacks", state);
        let client = Client::new();
        client.init_fixture("attacks").succeeded();
        client.download(&sim, &["file1.txt"]).failed_with(reason);
        assert!(
            client.target_files().is_empty(),
            "{state}: {:?}",
            client.target_files()
        );
        // The untouched target of the same repository still downloads.
        client.download(&sim, &["file2.txt"]).succeeded();
        assert_eq!(client.target_files(), ["file2.txt"]);
    }
}

#[test]
fn download_stops_at_the_first_failure() {
    let (sim, client) = attacks_client();
    client
        .download(&sim, &["file2.txt", "absent.txt", "r1/a.txt"])
        .failed_with("not-found");
    let requests = sim.take_requests();
    assert!(
        requests.contains(&"targets/file2.txt".to_string()),
        "{requests:?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("a.txt")),
        "{requests:?}"
    );
    assert_eq!(client.target_files(), ["file2.txt"]);
}

#[test]
fn a_symlink_in_the_target_directory_is_not_followed() {
    let (sim, client) = attacks_client();
    let outside = client.home.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(client.target_dir()).unwrap();
    std::os::unix::fs::symlink(&outside, client.target_dir().join("r1")).unwrap();
    client
        .download(&sim, &["r1/a.txt"])
        .failed_with("symbolic links are not followed");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert!(!sim
        .take_requests()
        .iter()
        .any(|r| r.starts_with("targets/")));
}

#[test]
fn refresh_failures_are_reported_in_one_line() {
    // Each attack is against a client that trusts state 1.
    for (state, reason) in [
        ("ts-expired", "expired"),
        ("ts-rollback", "rollback"),
        ("snapshot-wrong-key", "signature-threshold"),
        ("targets-hash-mismatch", "invalid-hash"),
    ] {
        let (sim, client) = attacks_client();
        client.refresh(&sim).succeeded();
        sim.publish("attacks", state);
        client.refresh(&sim).failed_with(reason);
    }

    // Nothing listening: a transport error.
    let client = Client::new();
    client.init_fixture("attacks").succeeded();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/metadata/", listener.local_addr().unwrap())
    };
    client
        .with_metadata_dir(&["--metadata-url", &closed, "--timeout", "5", "refresh"])
        .failed_with("io error");
    assert_eq!(client.cache_files(), ["root.json"]);
}

#[test]
fn init_checks_the_root_and_makes_no_requests() {
    let client = Client::new();
    let bad = client.home.join("bad.json");
    std::fs::write(&bad, b"{\"signed\": {}}").unwrap();
    client.init(&bad).failed_with("format error");
    client
        .init(&client.home.join("absent.json"))
        .failed_with("io error");

    // A root with its signature bytes altered: parses, but is not signed.
    let root_file = state_dir("drupal", "1").join("metadata/1.root.json");
    let mut root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&root_file).unwrap()).unwrap();
    for sig in root["signatures"].as_array_mut().unwrap() {
        let s = sig["sig"].as_str().unwrap();
        let flipped = if s.starts_with('0') { "1" } else { "0" };
        sig["sig"] = serde_json::Value::String(format!("{flipped}{}", &s[1..]));
    }
    let forged = client.home.join("forged.json");
    std::fs::write(&forged, serde_json::to_vec(&root).unwrap()).unwrap();
    client.init(&forged).failed_with("signature-threshold");
    assert!(!client.metadata_dir().join("root.json").exists());

    // The real one; stored byte for byte.
    let run = client.init(&root_file);
    run.succeeded();
    run.prints("root version 1");
    assert_eq!(client.cache_files(), ["root.json"]);
    assert_eq!(
        std::fs::read(client.metadata_dir().join("root.json")).unwrap(),
        std::fs::read(&root_file).unwrap()
    );
}

#[test]
fn status_shows_versions_expiry_and_keys() {
    let sim = RepositorySimulator::serving("drupal", "1");
    let client = Client::new();
    client
        .with_metadata_dir(&["status"])
        .failed_with("run init first");
    client.init_fixture("drupal").succeeded();

    let status = client.status_json();
    let roles = status["roles"].as_array().unwrap();
    let role_names: Vec<&str> = roles.iter().map(|r| r["role"].as_str().unwrap()).collect();
    assert_eq!(role_names, ["root", "timestamp", "snapshot", "targets"]);
    assert_eq!(roles[0]["state"], "trusted");
    assert_eq!(roles[0]["threshold"], 2);
    assert_eq!(roles[0]["keyids"].as_array().unwrap().len(), 3);
    assert_eq!(roles[0]["expires"], "2100-01-01T00:00:00Z");
    assert_eq!(roles[1]["state"], "missing");
    assert_eq!(status["consistent_snapshot"], false);

    client.refresh(&sim).succeeded();
    let status = client.status_json();
    for role in status["roles"].as_array().unwrap() {
        assert_eq!(role["state"], "trusted", "{role}");
        assert_eq!(role["version"], 1, "{role}");
        assert_eq!(role["expired"], false, "{role}");
    }

    let text = client.with_metadata_dir(&["status"]);
    text.succeeded();
    text.prints("consistent snapshots: no");
    text.prints("threshold 2 of 3");
    for role in ["root", "timestamp", "snapshot", "targets"] {
        let line = text.stdout.lines().find(|l| l.starts_with(role)).unwrap();
        assert!(
            line.contains("2100-01-01T00:00:00Z") && line.ends_with("trusted"),
            "{line}"
        );
    }

    // A cached file that no longer verifies is reported, not trusted.
    std::fs::write(client.metadata_dir().join("snapshot.json"), b"{}").unwrap();
    let status = client.status_json();
    assert_eq!(status["roles"][2]["state"], "unverified");
    assert_eq!(status["roles"][3]["state"], "unverified");
    assert!(status["roles"][3]["error"]
        .as_str()
        .unwrap()
        .contains("no verified snapshot"));
}

#[test]
fn verify_checks_a_local_file_against_trusted_metadata() {
    let (sim, client) = attacks_client();
    let url = sim.metadata_url();
    let local = client.home.join("copy.txt");
    std::fs::write(&local, fixture_target("attacks", "1", "r1/a.txt")).unwrap();
    let verify = |target: &str| {
        client.with_metadata_dir(&[
            "--metadata-url",
            &url,
            "verify",
            local.to_str().unwrap(),
            target,
        ])
    };

    let run = verify("r1/a.txt");
    run.succeeded();
    run.prints("listed by role \"role1\"");
    verify("file1.txt").failed_with("invalid-hash");
    verify("absent.txt").failed_with("not-found");
    std::fs::write(&local, b"r1/a, first releasE\n").unwrap();
    verify("r1/a.txt").failed_with("invalid-hash");
}

#[test]
fn usage_mistakes_fail_with_one_line() {
    let client = Client::new();
    client.run(&[]).failed_with("no command given");
    client.run(&["frobnicate"]).failed_with("unknown command");
    client.run(&["--metadata-dir"]).failed_with("needs a value");
    client
        .with_metadata_dir(&["refresh"])
        .failed_with("--metadata-url is required");
    client
        .with_metadata_dir(&["--metadata-url", "http://127.0.0.1:9/", "download"])
        .failed_with("--target-base-url is required");
    let help = client.run(&["--help"]);
    help.succeeded();
    assert!(
        help.stdout.starts_with("Usage: tuf-native"),
        "{}",
        help.stdout
    );
    // Nothing was created by any of these.
    assert!(!client.metadata_dir().exists());
}

#[test]
fn concurrent_refreshes_of_one_cache_never_go_back() {
    let sim = RepositorySimulator::serving("drupal", "1");
    let client = Client::new();
    client.init_fixture("drupal").succeeded();
    let dir = client.metadata_dir();
    let url = sim.metadata_url();
    let spawn = || {
        Command::new(BINARY)
            .args([
                "--metadata-dir",
                dir.to_str().unwrap(),
                "--metadata-url",
                &url,
                "refresh",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut children: Vec<_> = (0..6).map(|_| spawn()).collect();
    sim.publish("drupal", "2");
    children.extend((0..6).map(|_| spawn()));
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        // A refresh that saw half of a publication may fail, but cleanly.
        match output.status.code() {
            Some(0) => assert!(stderr.is_empty(), "{stderr}"),
            Some(1) => assert_eq!(stderr.lines().count(), 1, "{stderr}"),
            other => panic!("exit status {other:?}: {stderr}"),
        }
    }
    client.refresh(&sim).succeeded();
    assert_eq!(client.cache_files(), TOP_LEVEL_FILES);
    let status = client.status_json();
    assert_eq!(status["roles"][1]["version"], 2);
    assert_eq!(status["roles"][2]["version"], 2);
}

/// A client trusting drupal state 1, and the repository at state 2 but for
/// `file`, still state 1's: published in between two fetches.
fn at_state_2_but_old(sim: &RepositorySimulator, file: &str) -> Client {
    let client = Client::new();
    client.init_fixture("drupal").succeeded();
    sim.publish("drupal", "2");
    let old = std::fs::read(state_dir("drupal", "1").join("metadata").join(file)).unwrap();
    sim.put(&format!("metadata/{file}"), &old);
    client
}
