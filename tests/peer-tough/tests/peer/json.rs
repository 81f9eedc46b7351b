//! JSON editing for the mutations: re-signing with the test's own
//! canonical form, re-pinning hashes, and rendering in different layouts.

use serde_json::{json, Value};

use crate::keys::KeyPair;

pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

/// Canonical JSON as securesystemslib writes it: object keys sorted by
/// code point, no insignificant whitespace, only `"` and `\` escaped,
/// everything else (control characters included) written raw. Written
/// here, independently of both clients, so a re-signed mutation is judged
/// by each client's own canonicaliser.
pub fn canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            assert!(
                n.is_i64() || n.is_u64(),
                "canonical JSON has no floats: {n}"
            );
            out.extend_from_slice(n.to_string().as_bytes());
        }
        Value::String(s) => write_canonical_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // UTF-8 byte order is code point order.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical_string(key, out);
                out.push(b':');
                write_canonical(item, out);
            }
            out.push(b'}');
        }
    }
}

fn write_canonical_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push(b'\\');
        }
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    out.push(b'"');
}

/// Replaces `doc["signatures"]` with one signature per signer over the
/// canonical form of `doc["signed"]`.
pub async fn resign(doc: &mut Value, signers: &[&KeyPair]) {
    let message = canonical(&doc["signed"]);
    let mut signatures = Vec::with_capacity(signers.len());
    for key in signers {
        let sig = key.sign(&message).await;
        signatures.push(json!({ "keyid": key.keyid, "sig": hex::encode(sig) }));
    }
    doc["signatures"] = Value::Array(signatures);
}

/// Sets the length and sha256 that `referrer` (timestamp or snapshot
/// metadata) lists for `entry` to those of `bytes`.
pub fn pin(referrer: &mut Value, entry: &str, bytes: &[u8]) {
    let meta = &mut referrer["signed"]["meta"][entry];
    assert!(meta.is_object(), "referrer does not list {entry}");
    meta["length"] = json!(bytes.len());
    meta["hashes"] = json!({ "sha256": hex::encode(sha256(bytes)) });
}

/// Flips the low bit of the middle byte of signature `index` of `doc`.
pub fn flip_signature(doc: &mut Value, index: usize) {
    let sig = &mut doc["signatures"][index]["sig"];
    let mut raw = hex::decode(sig.as_str().expect("sig is a string")).expect("sig is hex");
    let middle = raw.len() / 2;
    raw[middle] ^= 0x01;
    *sig = Value::String(hex::encode(raw));
}

/// How to lay out a JSON document on disk.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// What tough writes: serde_json's pretty printer plus a newline.
    Pretty,
    /// No whitespace at all (but not canonical: escapes stay JSON's).
    Compact,
    /// Pretty-printed with every object's keys in reverse sorted order.
    ReversedKeys,
}

pub fn render(doc: &Value, style: Style) -> Vec<u8> {
    match style {
        Style::Pretty => {
            let mut out = serde_json::to_vec_pretty(doc).expect("serialise");
            out.push(b'\n');
            out
        }
        Style::Compact => serde_json::to_vec(doc).expect("serialise"),
        Style::ReversedKeys => {
            let mut out = String::new();
            write_reversed(doc, 0, &mut out);
            out.push('\n');
            out.into_bytes()
        }
    }
}

fn write_reversed(value: &Value, depth: usize, out: &mut String) {
    let indent = |n: usize| "  ".repeat(n);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            keys.reverse();
            out.push_str("{\n");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                out.push_str(&indent(depth + 1));
                out.push_str(&serde_json::to_string(key).expect("serialise key"));
                out.push_str(": ");
                write_reversed(&map[key], depth + 1, out);
            }
            out.push('\n');
            out.push_str(&indent(depth));
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                out.push_str(&indent(depth + 1));
                write_reversed(item, depth + 1, out);
            }
            out.push('\n');
            out.push_str(&indent(depth));
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).expect("serialise")),
    }
}

#[test]
fn canonical_form_matches_securesystemslib() {
    let v = json!({ "b": [1, "x\"y\\z\n\u{7}\u{e9}"], "a": { "\u{e9}": null, "Z": true } });
    assert_eq!(
        String::from_utf8(canonical(&v)).unwrap(),
        "{\"a\":{\"Z\":true,\"\u{e9}\":null},\"b\":[1,\"x\\\"y\\\\z\n\u{7}\u{e9}\"]}"
    );
}
