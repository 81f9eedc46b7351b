//! Strict parsing: each malformed variant of real python-tuf metadata is
//! rejected with a format error naming the problem. The variants are made
//! by editing the JSON; signatures do not matter for parsing.

use serde_json::{json, Value};
use tuf_core::error::ErrorKind;
use tuf_core::metadata::{parse_root, parse_snapshot, parse_targets, parse_timestamp};
use tuf_testkit::fixtures::*;

fn doc(repo: &str, name: &str) -> Value {
    serde_json::from_slice(&metadata_file(repo, "1", name)).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// The bytes of `doc` edited by `f`.
fn edited(doc: &Value, f: &dyn Fn(&mut Value)) -> Vec<u8> {
    let mut v = doc.clone();
    f(&mut v);
    bytes(&v)
}

#[track_caller]
fn rejects(result: tuf_core::Result<impl std::fmt::Debug>, needle: &str) {
    let e = assert_kind(result.map(|_| ()), ErrorKind::Format);
    assert!(
        e.message().contains(needle),
        "message {:?} lacks {needle:?}",
        e.message()
    );
}

#[test]
fn real_fixtures_parse() {
    parse_root(&metadata_file("drupal", "1", "1.root.json"), "root").unwrap();
    parse_timestamp(&metadata_file("drupal", "1", "timestamp.json"), "ts").unwrap();
    parse_snapshot(&metadata_file("drupal", "1", "snapshot.json"), "snap").unwrap();
    let t = parse_targets(&metadata_file("drupal", "1", "targets.json"), "targets").unwrap();
    assert!(t.signed.delegations.is_some());
    parse_targets(&metadata_file("succinct", "1", "targets.json"), "targets").unwrap();
}

#[test]
fn common_fields() {
    let root = doc("drupal", "1.root.json");
    let edit = |f: &dyn Fn(&mut Value)| parse_root(&edited(&root, f), "root");
    // A field of `signed` set to a bad value, and what the error names.
    for (field, value, needle) in [
        ("version", json!(0), "version must be at least 1"),
        ("version", json!(-1), "invalid structure"),
        ("expires", json!("2030-01-01T00:00:00+00:00"), "expires"),
        ("expires", json!("2030-02-30T00:00:00Z"), "expires"),
        ("spec_version", json!("2.0.0"), "major version must be 1"),
        ("spec_version", json!("1"), "spec_version"),
        ("spec_version", json!("1.0.x"), "spec_version"),
        ("_type", json!("targets"), "wrong _type"),
    ] {
        rejects(edit(&|v| v["signed"][field] = value.clone()), needle);
    }
    // A required member missing (object at a JSON pointer, member name);
    // the error names the member.
    for (object, member) in [
        ("/signed", "expires"),
        ("/signed", "consistent_snapshot"),
        ("", "signatures"),
        ("/signed/roles", "snapshot"),
    ] {
        let remove = |v: &mut Value| {
            let object = v.pointer_mut(object).unwrap().as_object_mut().unwrap();
            object.remove(member);
        };
        rejects(edit(&remove), member);
    }
    rejects(
        edit(&|v| v["signed"]["roles"]["root"]["threshold"] = json!(0)),
        "threshold must be at least 1",
    );
    rejects(
        edit(&|v| v["signed"]["roles"]["mirrors"] = json!({"keyids": [], "threshold": 1})),
        "mirrors",
    );
    // Both spec_version forms python-tuf accepts.
    for ok in ["1.0", "1.0.31", "1.99.0"] {
        let mut v = root.clone();
        v["signed"]["spec_version"] = json!(ok);
        parse_root(&bytes(&v), "root").unwrap();
    }
    // Unknown fields are kept (covered by signatures), not rejected.
    let mut v = root.clone();
    v["signed"]["x-unknown"] = json!({"nested": [1, 2]});
    parse_root(&bytes(&v), "root").unwrap();
}

#[test]
fn json_level_strictness_reaches_metadata() {
    let text = String::from_utf8(metadata_file("drupal", "1", "timestamp.json")).unwrap();
    let dup_key = text.replacen("\"signed\": {", "\"signed\": {\"version\": 1, ", 1);
    rejects(parse_timestamp(dup_key.as_bytes(), "ts"), "duplicate");
    let float = text.replacen("\"version\": 1", "\"version\": 1.0", 1);
    rejects(parse_timestamp(float.as_bytes(), "ts"), "float");
    let big = text.replacen("\"version\": 1", "\"version\": 18446744073709551616", 1);
    rejects(parse_timestamp(big.as_bytes(), "ts"), "range");
    let trailing = format!("{text} {{}}");
    rejects(parse_timestamp(trailing.as_bytes(), "ts"), "trailing");
    let mut invalid_utf8 = text.clone().into_bytes();
    invalid_utf8.insert(3, 0xff);
    rejects(parse_timestamp(&invalid_utf8, "ts"), "UTF-8");
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let nested = text.replacen("\"signed\": {", &format!("\"signed\": {{\"x\": {deep},"), 1);
    rejects(parse_timestamp(nested.as_bytes(), "ts"), "nesting");
}

#[test]
fn timestamp_and_snapshot_meta() {
    let ts = doc("attacks", "timestamp.json");
    let mut v = ts.clone();
    v["signed"]["meta"]["targets.json"] = json!({"version": 1});
    rejects(parse_timestamp(&bytes(&v), "ts"), "exactly snapshot.json");
    let mut v = ts.clone();
    v["signed"]["meta"]["snapshot.json"]["hashes"] = json!({});
    rejects(
        parse_timestamp(&bytes(&v), "ts"),
        "hashes must not be empty",
    );
    let mut v = ts.clone();
    v["signed"]["meta"]["snapshot.json"]["version"] = json!(0);
    rejects(
        parse_timestamp(&bytes(&v), "ts"),
        "version must be at least 1",
    );
    let snap = doc("attacks", "snapshot.json");
    let mut v = snap.clone();
    v["signed"]["meta"]["targets.json"]["length"] = json!(-5);
    rejects(parse_snapshot(&bytes(&v), "snap"), "invalid structure");
}

#[test]
fn targets_and_delegations() {
    let targets = doc("attacks", "targets.json");
    let edit = |f: &dyn Fn(&mut Value)| parse_targets(&edited(&targets, f), "targets");
    rejects(
        edit(&|v| v["signed"]["targets"]["file1.txt"]["hashes"] = json!({})),
        "empty hashes",
    );
    rejects(
        edit(&|v| {
            v["signed"]["targets"]["file1.txt"]
                .as_object_mut()
                .unwrap()
                .remove("length");
        }),
        "length",
    );
    rejects(
        edit(&|v| {
            let r = v["signed"]["delegations"]["roles"][0].clone();
            v["signed"]["delegations"]["roles"]
                .as_array_mut()
                .unwrap()
                .push(r);
        }),
        "duplicate delegated role",
    );
    rejects(
        edit(&|v| v["signed"]["delegations"]["roles"][0]["name"] = json!("snapshot")),
        "top-level role",
    );
    rejects(
        edit(&|v| v["signed"]["delegations"]["roles"][0]["path_hash_prefixes"] = json!(["ab"])),
        "exactly one of paths and path_hash_prefixes",
    );
    rejects(
        edit(&|v| {
            v["signed"]["delegations"]["roles"][0]
                .as_object_mut()
                .unwrap()
                .remove("paths");
        }),
        "exactly one of paths and path_hash_prefixes",
    );
    rejects(
        edit(&|v| {
            v["signed"]["delegations"]["succinct_roles"] =
                json!({"keyids": [], "threshold": 1, "bit_length": 4, "name_prefix": "bin"})
        }),
        "both roles and succinct_roles",
    );
    rejects(
        edit(&|v| {
            v["signed"]["delegations"]
                .as_object_mut()
                .unwrap()
                .remove("roles");
        }),
        "neither roles nor succinct_roles",
    );
    rejects(
        edit(&|v| v["signed"]["delegations"]["roles"][0]["threshold"] = json!(0)),
        "threshold",
    );
    rejects(
        edit(&|v| v["signed"]["delegations"]["roles"][0]["keyids"] = json!(["aa", "aa"])),
        "duplicate keyid",
    );
    let succinct = doc("succinct", "targets.json");
    let mut v = succinct.clone();
    v["signed"]["delegations"]["succinct_roles"]["bit_length"] = json!(33);
    assert_kind(
        parse_targets(&bytes(&v), "targets").map(|_| ()),
        ErrorKind::Format,
    );
}

#[test]
fn unknown_key_types_do_not_break_root() {
    let mut v = doc("drupal", "1.root.json");
    v["signed"]["keys"]["ff"] =
        json!({"keytype": "sphincs", "scheme": "x", "keyval": {"other": 1}});
    let root = parse_root(&bytes(&v), "root").unwrap();
    assert!(root.signed.keys["ff"].verifier.is_err());
}
