//! The targets of a role as `TargetMap` keeps them: every entry checked
//! when the role is parsed, exactly as the typed parse it replaces
//! checked it, and each look-up decoding what that parse returned.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tuf_core::error::ErrorKind;
use tuf_core::metadata::{parse_targets, TargetFile};
use tuf_testkit::fixtures::*;

/// The typed parse `TargetMap` replaced, kept here as the oracle.
#[derive(Deserialize)]
struct OldEnvelope {
    signed: OldTargets,
}

#[derive(Deserialize)]
struct OldTargets {
    targets: HashMap<String, OldTargetFile>,
}

#[derive(Deserialize)]
struct OldTargetFile {
    length: u64,
    hashes: BTreeMap<String, String>,
    custom: Option<Box<RawValue>>,
}

fn attacks_targets() -> Value {
    serde_json::from_slice(&metadata_file("attacks", "1", "targets.json")).unwrap()
}

fn with_targets(doc: &Value, targets: Value) -> Vec<u8> {
    let mut v = doc.clone();
    v["signed"]["targets"] = targets;
    serde_json::to_vec(&v).unwrap()
}

fn entry() -> Value {
    json!({"length": 3, "hashes": {"sha256": "ab"}})
}

/// Asserts that `bytes` parse and that every target reads back exactly
/// as the old typed parse read it.
#[track_caller]
fn same_as_old_parse(bytes: &[u8]) {
    let new = parse_targets(bytes, "targets").unwrap().signed.targets;
    let old: OldEnvelope = serde_json::from_slice(bytes).unwrap();
    assert_eq!(new.len(), old.signed.targets.len());
    assert_eq!(new.is_empty(), old.signed.targets.is_empty());
    for (path, want) in &old.signed.targets {
        let got: TargetFile = new
            .get(path)
            .unwrap()
            .unwrap_or_else(|| panic!("{path:?} missing"));
        assert_eq!(got.length, want.length, "{path}");
        let want_hashes: Vec<(String, String)> = want.hashes.clone().into_iter().collect();
        assert_eq!(got.hashes, want_hashes, "{path}");
        assert_eq!(
            got.custom.as_ref().map(|c| c.get()),
            want.custom.as_ref().map(|c| c.get()),
            "{path}"
        );
    }
    let listed: Vec<String> = new.iter().map(|(p, _)| p.into_owned()).collect();
    let mut want: Vec<String> = old.signed.targets.keys().cloned().collect();
    want.sort();
    assert_eq!(listed, want);
}

#[test]
fn every_fixture_targets_role_reads_back_as_the_typed_parse() {
    let mut checked = 0;
    for repo in ["attacks", "delegations", "drupal", "succinct", "composer"] {
        for (name, bytes) in metadata_files(repo, "1") {
            let role = name.trim_end_matches(".json");
            if ["root", "timestamp", "snapshot"]
                .iter()
                .any(|r| role.ends_with(r))
            {
                continue;
            }
            same_as_old_parse(&bytes);
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} targets roles");
}

#[test]
fn lookups_hit_and_miss() {
    let doc = attacks_targets();
    let bytes = with_targets(
        &doc,
        json!({"a.txt": entry(), "dir/b.txt": {"length": 7, "hashes": {"sha512": "cd", "sha256": "ef"}}}),
    );
    let map = parse_targets(&bytes, "targets").unwrap().signed.targets;
    assert_eq!(map.len(), 2);
    let b = map.get("dir/b.txt").unwrap().unwrap();
    assert_eq!(b.length, 7);
    // Hashes in algorithm order, as the BTreeMap of the typed parse had them.
    assert_eq!(
        b.hashes,
        [
            ("sha256".into(), "ef".into()),
            ("sha512".into(), "cd".into())
        ]
    );
    assert!(b.custom.is_none());
    for miss in ["", "a", "a.txt ", "A.TXT", "dir/b.tx", "dir/b.txt/", "z"] {
        assert!(map.get(miss).unwrap().is_none(), "{miss:?}");
    }
    let empty = parse_targets(&with_targets(&doc, json!({})), "targets").unwrap();
    assert!(empty.signed.targets.is_empty());
    assert!(empty.signed.targets.get("a.txt").unwrap().is_none());
}

#[test]
fn escaped_paths_are_found_by_their_decoded_form() {
    let doc = attacks_targets();
    let targets = json!({"plain": entry(), "quo\"te": entry(), "é/ü": entry(), "slash/x": entry()});
    // serde_json writes `/` bare: spell one path with the escape instead.
    let text = String::from_utf8(with_targets(&doc, targets)).unwrap();
    let text = text
        .replace("\"slash/x\"", "\"slash\\/x\"")
        .replace("\"plain\"", "\"pl\\u0061in\"");
    assert!(text.contains("slash\\/x") && text.contains("\\u0061"));
    let map = parse_targets(text.as_bytes(), "targets")
        .unwrap()
        .signed
        .targets;
    for path in ["plain", "quo\"te", "é/ü", "slash/x"] {
        assert_eq!(
            map.get(path).unwrap().map(|t| t.length),
            Some(3),
            "{path:?}"
        );
    }
    assert!(map.get("slash\\/x").unwrap().is_none());
    same_as_old_parse(text.as_bytes());
}

#[test]
fn custom_unknown_fields_and_null_read_back_as_before() {
    let doc = attacks_targets();
    let bytes = with_targets(
        &doc,
        json!({
            "c": {"length": 1, "hashes": {"sha256": "ab"}, "custom": {"b": [1, {"x": null}], "a": "é\n"}},
            "n": {"length": 2, "hashes": {"sha256": "ab"}, "custom": null},
            "u": {"length": 3, "hashes": {"sha256": "ab"}, "unknown": {"deep": [true]}},
        }),
    );
    same_as_old_parse(&bytes);
    let map = parse_targets(&bytes, "targets").unwrap().signed.targets;
    assert!(map
        .get("c")
        .unwrap()
        .unwrap()
        .custom
        .unwrap()
        .get()
        .contains("\"x\":null"));
    assert!(map.get("n").unwrap().unwrap().custom.is_none());
}

/// serde's derived structs also read a struct from an array of its fields
/// in order; the old typed parse accepted such an entry, so the new one
/// does too, with the same answer.
#[test]
fn an_entry_written_as_an_array_reads_as_before() {
    let doc = attacks_targets();
    let bytes = with_targets(
        &doc,
        json!({"a": [3, {"sha256": "ab"}, null], "b": [4, {"sha256": "cd"}, {"x": 1}]}),
    );
    same_as_old_parse(&bytes);
    let map = parse_targets(&bytes, "targets").unwrap().signed.targets;
    assert_eq!(map.get("a").unwrap().unwrap().length, 3);
    assert_eq!(
        map.get("b").unwrap().unwrap().custom.unwrap().get(),
        r#"{"x":1}"#
    );
}

#[test]
fn bad_entries_fail_the_role_as_the_typed_parse_did() {
    let doc = attacks_targets();
    let good = entry();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut t = good.clone();
        f(&mut t);
        with_targets(&doc, json!({"ok": good, "bad/one": t}))
    };
    // (document, what the message says, whether it names the entry)
    let cases: Vec<(Vec<u8>, &str, bool)> = vec![
        (edit(&|t| t["length"] = json!(-1)), "expected u64", true),
        (edit(&|t| t["length"] = json!("3")), "expected u64", true),
        // Floats never reach serde: the canonical pass refuses them.
        (edit(&|t| t["length"] = json!(1.5)), "floats", false),
        (
            edit(&|t| t["hashes"] = json!({})),
            "target \"bad/one\" has empty hashes",
            true,
        ),
        (
            edit(&|t| t["hashes"] = json!({"sha256": 5})),
            "expected a string",
            true,
        ),
        (
            edit(&|t| t["hashes"] = json!({"sha256": null})),
            "expected a string",
            true,
        ),
        (
            edit(&|t| t["hashes"] = json!(["ab"])),
            "expected a map",
            true,
        ),
        (edit(&|t| t["hashes"] = json!("ab")), "expected a map", true),
        (
            edit(&|t| {
                t.as_object_mut().unwrap().remove("length");
            }),
            "missing field `length`",
            true,
        ),
        (
            edit(&|t| {
                t.as_object_mut().unwrap().remove("hashes");
            }),
            "missing field `hashes`",
            true,
        ),
        (
            edit(&|t| *t = json!("x")),
            "expected struct RawTargetFile",
            true,
        ),
        (
            edit(&|t| *t = json!(null)),
            "expected struct RawTargetFile",
            true,
        ),
        // An array entry must have all three fields, as before.
        (
            edit(&|t| *t = json!([3, {"sha256": "ab"}])),
            "invalid length 2",
            true,
        ),
        (with_targets(&doc, json!([])), "expected a map", false),
        (with_targets(&doc, json!("x")), "expected a map", false),
        (with_targets(&doc, json!(null)), "expected a map", false),
    ];
    for (bytes, needle, names_entry) in cases {
        let e = parse_targets(&bytes, "targets").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Format, "{e}");
        let message = e.to_string();
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        assert_eq!(message.contains("\"bad/one\""), names_entry, "{message:?}");
        // One position, the file's, not also one counted from the entry.
        assert!(message.matches(" at line ").count() <= 1, "{message:?}");
    }
    let missing = {
        let mut v = doc.clone();
        v["signed"].as_object_mut().unwrap().remove("targets");
        serde_json::to_vec(&v).unwrap()
    };
    let e = parse_targets(&missing, "targets").unwrap_err();
    assert!(e.to_string().contains("missing field `targets`"), "{e}");
}
