//! Canonical JSON against securesystemslib itself: every pair of
//! fuzz/data/securesystemslib_canonical.json (written by
//! fuzz/corpus-gen/securesystemslib_corpus.py from securesystemslib's
//! `encode_canonical`, the function python-tuf signs with) must come out
//! byte for byte; the floats it refuses and the inputs we refuse on
//! purpose (duplicate keys, integers outside i64/u64, lone surrogates)
//! must be refused.

use std::path::Path;

use serde_json::Value;
use tuf_core::json::canonicalize;

fn corpus() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/data/securesystemslib_canonical.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("corpus is JSON")
}

fn entries<'a>(corpus: &'a Value, key: &str) -> &'a Vec<Value> {
    corpus[key]
        .as_array()
        .unwrap_or_else(|| panic!("corpus has no {key}"))
}

#[test]
fn every_securesystemslib_pair_matches_byte_for_byte() {
    let corpus = corpus();
    let pairs = entries(&corpus, "pairs");
    assert!(pairs.len() > 200, "corpus too small: {}", pairs.len());
    let mut failures = Vec::new();
    for pair in pairs {
        let input = pair["input"].as_str().expect("input");
        let expected = pair["canonical"].as_str().expect("canonical");
        match canonicalize(input.as_bytes()) {
            Ok(out) if out == expected.as_bytes() => {}
            other => failures.push(format!(
                "{}: {input:?}\n  securesystemslib: {expected:?}\n  tuf-core: {:?}",
                pair["name"],
                other.map(|o| String::from_utf8_lossy(&o).into_owned())
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn what_securesystemslib_refuses_is_refused() {
    let corpus = corpus();
    for entry in entries(&corpus, "refused") {
        let input = entry["input"].as_str().expect("input");
        let err = canonicalize(input.as_bytes()).expect_err(input);
        assert!(err.reason.contains("float"), "{input}: {err}");
    }
}

#[test]
fn deliberate_deviations_are_refused() {
    let corpus = corpus();
    let deviations = entries(&corpus, "deviations");
    assert!(!deviations.is_empty());
    for entry in deviations {
        let input = entry["input"].as_str().expect("input");
        assert!(
            canonicalize(input.as_bytes()).is_err(),
            "{input} ({}) accepted",
            entry["why"]
        );
    }
}
