//! Names: path patterns against python-tuf, role and target names built
//! to escape directories or collide (through the real disk cache and
//! target downloads), and raw control characters in the canonical form.

mod support;

use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;
use tuf_core::config::Config;
use tuf_core::error::ErrorKind;
use tuf_core::updater::{encode_role, MetadataStore, Updater};
use tuf_io::cache::{file_name, DiskCache};
use tuf_io::download::{download_target, target_url};
use tuf_io::http::HttpFetcher;

// ---------------------------------------------------------------------------
// Path patterns against python-tuf (regressions from the path_pattern
// fuzz target).

#[test]
fn path_patterns_match_python_tuf_exactly() {
    use tuf_core::pattern::path_matches;
    // Found by fuzzing: CPython's fnmatch.translate removes a range whose
    // ends are out of order by joining the text around it, which can move
    // a literal "!" to the front of the set and so negate it.
    assert!(path_matches("[c-a!x]", "b"));
    assert!(!path_matches("[c-a!x]", "x"));
    assert!(path_matches("[c-a!x]", "!")); // not a literal "!" any more
    assert!(path_matches("[a-[!x]", "y"));
    let found = "[a-[!a\u{1}\u{1};jjjj-bba-[a---=jjjjjjjj]*-bba-";
    assert!(path_matches(found, found));
    assert!(path_matches("[z-a-c]", "-") && !path_matches("[z-a-c]", "z"));
    assert!(path_matches("[--a]", "-") && path_matches("[--a]", "Z"));

    // 6,000 cases decided by python-tuf itself
    // (fuzz/corpus-gen/fnmatch_corpus.py).
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/data/python_tuf_path_patterns.json");
    let corpus: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let cases = corpus["cases"].as_array().unwrap();
    assert!(cases.len() >= 6000);
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let (p, t, v) = (c[0].as_str()?, c[1].as_str()?, c[2].as_bool()?);
            (path_matches(p, t) != v).then(|| format!("{p:?} {t:?}: python-tuf says {v}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Role and target names built to escape directories or collide, through
// the real disk cache and target downloads.

/// Role names that are hostile as file names; each is delegated
/// `names/<i>` and lists that one target.
fn hostile_role_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "../../escape",
        "/abs",
        "..",
        ".",
        "...",
        "a/b",
        "a%2Fb",
        "a%252Fb",
        "A",
        "a",
        "\u{e9}",
        "e\u{301}",
        ".hidden",
        "Root",
        "ROOT",
        "TIMESTAMP",
        "Snapshot",
        "Targets",
        "K",
        "\u{212A}",
        "root.json",
        "timestamp.json",
        "nul\u{0}byte",
        "back\\slash",
        "sp ace",
        "q?x#y",
        "%2e%2e",
        "%L-x",
        ".tmp-1-2",
        "\u{1F600}",
        "con",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("r".repeat(300));
    names.push(format!("../{}", "x".repeat(250)));
    names
}

#[test]
fn hostile_role_names_stay_inside_the_cache_and_never_collide() {
    let roles = hostile_role_names();
    let role1 = attacks_key("role1");
    let mut release = Release::base();
    let delegations: Vec<Value> = roles
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({"name": name, "keyids": [role1.keyid()], "threshold": 1,
                   "terminating": false, "paths": [format!("names/{i}")]})
        })
        .collect();
    release.role("targets")["signed"]["delegations"]["roles"] = Value::Array(delegations);
    for (i, name) in roles.iter().enumerate() {
        let path = format!("names/{i}");
        let body = format!("listed by role {i}\n");
        let file = json!({"length": body.len(), "hashes": {
            "sha256": hex::encode(Sha256::digest(body.as_bytes()))}});
        release.add_role(
            name,
            empty_role(1, json!({ path: file })),
            vec![role1.clone()],
        );
    }
    let files = release.publish();
    let server = attacks_server(&files);

    let home = Scratch::new("tuf-hostile-role-names");
    let cache_dir = home.0.join("metadata");
    let cache = DiskCache::open(&cache_dir, &tuf_core::config::StorageConfig::default()).unwrap();
    cache
        .write_file(
            "root.json",
            &metadata_file("attacks", "1", "1.root.json"),
            tuf_io::atomic::Durability::Synced,
        )
        .unwrap();
    let mut u = Updater::new(
        Config::default(),
        &server.metadata_url(),
        HttpFetcher::new(http_config()),
        cache,
    );
    u.refresh(ref_time()).unwrap();
    for (i, name) in roles.iter().enumerate() {
        let info = u
            .get_target_info(&format!("names/{i}"))
            .unwrap_or_else(|e| panic!("{name:?}: {e}"))
            .unwrap_or_else(|| panic!("{name:?}: not found"));
        assert_eq!(&info.role, name);
    }
    // Each role was asked for under its percent-encoded name, as sent:
    // one path segment, nothing decoded or normalised on the way.
    let asked = server.paths();
    for name in &roles {
        let want = format!("/metadata/{}.json", encode_role(name));
        assert!(asked.contains(&want), "{name:?}: {want} not in {asked:?}");
    }
    // The cache holds one file per role, all directly inside it, under
    // distinct names (so none overwrote another), byte for byte as served.
    let mut expected: Vec<String> = roles.iter().map(|r| file_name(r)).collect();
    expected.extend(
        [
            "root.json",
            "timestamp.json",
            "snapshot.json",
            "targets.json",
        ]
        .map(String::from),
    );
    expected.sort();
    let before_dedup = expected.len();
    expected.dedup();
    assert_eq!(
        expected.len(),
        before_dedup,
        "two roles share a cache file name"
    );
    // Nor would they on a case-insensitive filesystem (macOS): `Root`,
    // `TIMESTAMP`... never fold onto a top-level role's file, or onto each
    // other; the names are ASCII, so normalisation cannot merge them.
    let mut folded: Vec<String> = expected.iter().map(|n| n.to_ascii_lowercase()).collect();
    folded.sort();
    folded.dedup();
    assert_eq!(
        folded.len(),
        expected.len(),
        "names that differ only in case"
    );
    assert!(expected.iter().all(|n| n.is_ascii()));
    assert_eq!(
        std::fs::read(cache_dir.join("root.json")).unwrap(),
        metadata_file("attacks", "1", "1.root.json")
    );
    for role in ["timestamp", "snapshot", "targets"] {
        assert_eq!(
            std::fs::read(cache_dir.join(format!("{role}.json"))).unwrap(),
            files[&format!("{role}.json")],
            "{role}"
        );
    }
    assert_eq!(tree::names(&cache_dir), expected);
    assert_eq!(
        tree::names(&home.0).len(),
        expected.len() + 1,
        "files outside the cache"
    );
    for name in &roles {
        let stored = u.store_mut().load(name).unwrap();
        assert_eq!(
            stored,
            files[&format!("{}.json", encode_role(name))],
            "{name:?}"
        );
    }
}

#[test]
fn hostile_target_names_are_refused_or_stored_under_their_own_name() {
    let safe = [
        "A.txt",
        "a.txt",
        "\u{e9}.txt",
        "e\u{301}.txt",
        "100%.txt",
        "%2e%2e/x.txt",
        "a%2Fb.txt",
        "a%252Fb.txt",
        "sp ace?.txt",
        "hash#frag.txt",
        "dir/sub/x.txt",
        "...",
        ".hidden",
        "-dash",
        "\u{1F600}.txt",
        ".tmp-1-2",
    ];
    let long_segment = "x".repeat(256);
    let unsafe_names = [
        "../escape.txt",
        "/abs.txt",
        "a/../../b.txt",
        "a//b.txt",
        "dir/",
        "back\\slash.txt",
        "nul\u{0}.txt",
        "ctl\u{1}.txt",
        "./x.txt",
        ".",
        "..",
        "",
        long_segment.as_str(),
    ];
    let mut release = Release::base();
    let listed = &mut release.role("targets")["signed"]["targets"];
    for name in safe.iter().chain(&unsafe_names) {
        let body = format!("content of {name:?}\n");
        listed[*name] = json!({"length": body.len(), "hashes": {
            "sha256": hex::encode(Sha256::digest(body.as_bytes()))}});
    }
    let server = attacks_server(&release.publish());
    let home = Scratch::new("tuf-hostile-target-names");
    let dest = home.0.join("targets");
    std::fs::create_dir(&dest).unwrap();
    let mut u = http_client(&server, http_config());
    u.refresh(ref_time()).unwrap();
    let base = server.targets_url();
    for name in safe.iter().chain(&unsafe_names) {
        let info = u.get_target_info(name).unwrap().unwrap();
        let url = target_url(&base, &info, false);
        let body = format!("content of {name:?}\n");
        server.route(
            url.strip_prefix(server.base()).unwrap(),
            Reply::body(&body.into_bytes()),
        );
    }
    let before = server.paths().len();
    for name in unsafe_names {
        let info = u.get_target_info(name).unwrap().unwrap();
        let e = assert_kind(
            download_target(u.fetcher_mut(), &base, &info, false, &dest),
            ErrorKind::Format,
        );
        assert!(
            e.message().contains("cannot be stored safely"),
            "{name:?}: {e}"
        );
    }
    assert_eq!(server.paths().len(), before, "an unsafe name was fetched");
    assert!(tree::names(&dest).is_empty());
    for name in safe {
        let info = u.get_target_info(name).unwrap().unwrap();
        let path = download_target(u.fetcher_mut(), &base, &info, false, &dest)
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(path, dest.join(name));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            format!("content of {name:?}\n").as_bytes()
        );
    }
    // Every safe name is its own file (case and Unicode normalisation
    // kept apart, percent signs literal); nothing else, nowhere else.
    let mut expected: Vec<String> = safe.iter().map(|s| s.to_string()).collect();
    expected.extend(["%2e%2e/", "dir/", "dir/sub/"].map(String::from));
    expected.sort();
    assert_eq!(tree::names(&dest), expected);
    assert_eq!(tree::names(&home.0).len(), expected.len() + 1);
}

#[test]
fn canonical_form_keeps_control_characters_raw() {
    // Found by the canonical_json fuzz target (input `"\b"`): the
    // canonical form is not always JSON again, because securesystemslib
    // writes control characters in strings raw. That is what python-tuf
    // signs, so it is right; the fuzz target checks idempotency only for
    // canonical forms without control characters.
    use tuf_core::json::canonicalize;
    let canonical = canonicalize(br#""\b""#).unwrap();
    assert_eq!(canonical, b"\"\x08\"");
    assert!(canonicalize(&canonical).is_err());
    assert_eq!(canonicalize(br#"["\u001f\/"]"#).unwrap(), b"[\"\x1f/\"]");
}
