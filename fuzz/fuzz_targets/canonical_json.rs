//! Target (b): securesystemslib canonical JSON (`tuf_core::json`).
//!
//! - `canonicalize` never panics, and is idempotent: canonical output is
//!   its own canonical form (when it is JSON at all: securesystemslib
//!   writes control characters in strings raw);
//! - where both `canonicalize` and serde_json accept the input, the output
//!   equals a simple reference canonicaliser written here over
//!   `serde_json::Value` (sort keys by UTF-8 bytes, escape only `"` and
//!   `\`, integers only), and `canonicalize_value`;
//! - `canonical_signed` agrees with `canonicalize` on the `signed` member.
//!
//! The securesystemslib pairs in fuzz/data/ (checked exactly by
//! core/tests/canonical_corpus.rs) seed the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tuf_core::json::{canonical_signed, canonicalize, canonicalize_value};

/// The reference: None where securesystemslib would refuse (floats).
fn reference(v: &Value, out: &mut Vec<u8>) -> Option<()> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            if n.is_f64() {
                return None;
            }
            out.extend_from_slice(n.to_string().as_bytes());
        }
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                reference(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(k, out);
                out.push(b':');
                reference(&map[k], out)?;
            }
            out.push(b'}');
        }
    }
    Some(())
}

fn string(s: &str, out: &mut Vec<u8>) {
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

fuzz_target!(|data: &[u8]| {
    let ours = canonicalize(data);
    if let Ok(c) = &ours {
        assert!(
            std::str::from_utf8(c).is_ok(),
            "canonical form is not UTF-8"
        );
        // securesystemslib writes control characters in strings raw, which
        // JSON does not allow: only a canonical form without them is JSON
        // again, and then its own canonical form.
        if !c.iter().any(|&b| b < 0x20) {
            assert_eq!(
                canonicalize(c).as_ref().ok(),
                Some(c),
                "canonicalize is not idempotent"
            );
        }
    }
    let theirs: Result<Value, _> = serde_json::from_slice(data);
    if let (Ok(c), Ok(v)) = (&ours, &theirs) {
        let mut r = Vec::new();
        // serde_json reads `-0` as a float; the reference then declines.
        if reference(v, &mut r).is_some() {
            assert_eq!(
                String::from_utf8_lossy(c),
                String::from_utf8_lossy(&r),
                "canonicalize disagrees with the reference"
            );
            assert_eq!(canonicalize_value(v).as_ref().ok(), Some(c));
        }
    }
    if let Ok(signed) = canonical_signed(data) {
        let v: Value = serde_json::from_slice(data).expect("accepted envelopes are JSON");
        let mut r = Vec::new();
        if reference(&v["signed"], &mut r).is_some() {
            assert_eq!(
                String::from_utf8_lossy(&signed),
                String::from_utf8_lossy(&r),
                "canonical_signed disagrees with the reference"
            );
        }
    }
});
