//! Strict JSON validation and securesystemslib canonical JSON.
//!
//! TUF signatures cover the canonical form of the `signed` object, as
//! securesystemslib's `encode_canonical` writes it: object keys sorted by
//! code point (UTF-8 byte order), no whitespace, strings with only `"` and
//! `\` escaped and everything else as raw UTF-8, integers only.
//!
//! One pass over the bytes both validates and canonicalises, so a file is
//! canonicalised once however many keys then check it. The grammar is
//! stricter than RFC 8259 where TUF needs it: duplicate keys (at any depth),
//! floats, integers outside i64/u64, lone surrogates, a byte order mark and
//! nesting deeper than [`MAX_DEPTH`] are all errors, because two parsers
//! that disagree on such input could disagree on what was signed.

use std::borrow::Cow;
use std::fmt;

/// Deepest nesting of arrays and objects accepted. Real TUF metadata
/// nests about 6 levels; the bound keeps recursion and stack use fixed.
pub const MAX_DEPTH: usize = 64;

/// Where and why a document was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
    pub reason: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for JsonError {}

type JResult<T> = std::result::Result<T, JsonError>;

/// The canonical form of a whole JSON document.
pub fn canonicalize(bytes: &[u8]) -> JResult<Vec<u8>> {
    let mut p = Parser::new(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    p.skip_ws();
    p.value(&mut out, 0)?;
    p.end()?;
    Ok(out)
}

/// Validates a whole metadata envelope strictly and returns the canonical
/// form of its top-level `signed` member: the bytes signatures cover.
pub fn canonical_signed(bytes: &[u8]) -> JResult<Vec<u8>> {
    let mut p = Parser::new(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    p.skip_ws();
    if p.peek() != Some(b'{') {
        return Err(p.error("top level is not an object"));
    }
    p.pos += 1;
    let base = p.members(&mut out, 1)?;
    p.end()?;
    let signed = p.members[base..]
        .iter()
        .find(|m| &*m.key == b"signed")
        .ok_or_else(|| JsonError {
            offset: 0,
            reason: "missing \"signed\" object".into(),
        })?;
    if out.get(signed.value_start) != Some(&b'{') {
        return Err(JsonError {
            offset: 0,
            reason: "\"signed\" is not an object".into(),
        });
    }
    // Top-level members are never reordered, so the range is still valid:
    // cut the buffer down to it rather than copying megabytes.
    let (start, end) = (signed.value_start, signed.end);
    out.truncate(end);
    out.drain(..start);
    Ok(out)
}

/// The canonical form of an in-memory value (for tests and tools that
/// build metadata). Floats are refused as securesystemslib refuses them.
pub fn canonicalize_value(value: &serde_json::Value) -> JResult<Vec<u8>> {
    let mut out = Vec::new();
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &serde_json::Value, out: &mut Vec<u8>) -> JResult<()> {
    use serde_json::Value;
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else {
                return Err(JsonError {
                    offset: 0,
                    reason: "floats are not allowed".into(),
                });
            }
        }
        Value::String(s) => write_string(s.as_bytes(), out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k.as_bytes(), out);
                out.push(b':');
                write_value(v, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// securesystemslib escapes only the quote and the backslash.
fn write_string(decoded: &[u8], out: &mut Vec<u8>) {
    out.reserve(decoded.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in decoded.iter().enumerate() {
        if b == b'"' || b == b'\\' {
            out.extend_from_slice(&decoded[start..i]);
            out.push(b'\\');
            start = i;
        }
    }
    out.extend_from_slice(&decoded[start..]);
    out.push(b'"');
}

/// One object member as written to the output buffer.
struct Member<'a> {
    /// The decoded key, for sorting and duplicate detection.
    key: Cow<'a, [u8]>,
    /// Output range of `"key":value`.
    start: usize,
    value_start: usize,
    end: usize,
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    /// The members of every object being parsed, innermost last: one
    /// buffer for the document instead of a Vec per object (a bin of
    /// hashed targets has two objects per target).
    members: Vec<Member<'a>>,
}

impl<'a> Parser<'a> {
    fn new(input: &'a [u8]) -> JResult<Self> {
        if input.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return Err(JsonError {
                offset: 0,
                reason: "byte order mark is not allowed".into(),
            });
        }
        // Validating UTF-8 up front lets the string scanner copy raw bytes.
        if let Err(e) = std::str::from_utf8(input) {
            return Err(JsonError {
                offset: e.valid_up_to(),
                reason: "invalid UTF-8".into(),
            });
        }
        Ok(Parser {
            input,
            pos: 0,
            members: Vec::with_capacity(MAX_DEPTH),
        })
    }

    fn error(&self, reason: impl Into<String>) -> JsonError {
        JsonError {
            offset: self.pos,
            reason: reason.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> JResult<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected '{}'", byte as char)))
        }
    }

    fn unexpected(&self, what: &str) -> JsonError {
        match self.peek() {
            None => self.error(format!("{what}, found end of input")),
            Some(b) => self.error(format!("{what}, found {:?}", b as char)),
        }
    }

    fn end(&mut self) -> JResult<()> {
        self.skip_ws();
        if self.pos != self.input.len() {
            return Err(self.error("trailing data after the document"));
        }
        Ok(())
    }

    fn value(&mut self, out: &mut Vec<u8>, depth: usize) -> JResult<()> {
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                self.nest(depth)?;
                let start = out.len();
                let base = self.members(out, depth + 1)?;
                sort_members(out, start, &self.members[base..]);
                self.members.truncate(base);
                Ok(())
            }
            Some(b'[') => {
                self.pos += 1;
                self.nest(depth)?;
                self.array(out, depth + 1)
            }
            Some(b'"') => {
                let s = self.string()?;
                write_string(&s, out);
                Ok(())
            }
            Some(b'-' | b'0'..=b'9') => self.number(out),
            Some(b't') => self.literal(b"true", out),
            Some(b'f') => self.literal(b"false", out),
            Some(b'n') => self.literal(b"null", out),
            _ => Err(self.unexpected("expected a value")),
        }
    }

    fn nest(&self, depth: usize) -> JResult<()> {
        if depth >= MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8], out: &mut Vec<u8>) -> JResult<()> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            out.extend_from_slice(word);
            Ok(())
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn array(&mut self, out: &mut Vec<u8>, depth: usize) -> JResult<()> {
        out.push(b'[');
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            out.push(b']');
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.value(out, depth)?;
            if !self.comma_or_close(out, b']', "expected ',' or ']' in array")? {
                return Ok(());
            }
        }
    }

    /// After an element or member: `,` (true: another follows) or `close`
    /// (false: the container ends), copied to `out`.
    fn comma_or_close(&mut self, out: &mut Vec<u8>, close: u8, expected: &str) -> JResult<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                out.push(b',');
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                out.push(close);
                Ok(false)
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    /// Parses object members after `{` up to and including `}`, writing
    /// `{` + members in input order + `}` to `out`. Rejects duplicates.
    /// The members are `self.members[base..]` for the returned `base`;
    /// the caller truncates them away when done.
    fn members(&mut self, out: &mut Vec<u8>, depth: usize) -> JResult<usize> {
        let object_offset = self.pos - 1;
        out.push(b'{');
        let base = self.members.len();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            out.push(b'}');
            return Ok(base);
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("expected a string key"));
            }
            let start = out.len();
            let key = self.string()?;
            write_string(&key, out);
            self.skip_ws();
            self.expect(b':')?;
            out.push(b':');
            self.skip_ws();
            let value_start = out.len();
            self.value(out, depth)?;
            self.members.push(Member {
                key,
                start,
                value_start,
                end: out.len(),
            });
            if !self.comma_or_close(out, b'}', "expected ',' or '}' in object")? {
                break;
            }
        }
        check_duplicates(&self.members[base..]).map_err(|key| JsonError {
            offset: object_offset,
            reason: format!("duplicate object key {:?}", String::from_utf8_lossy(&key)),
        })?;
        Ok(base)
    }

    /// Parses a string at `"`, returning its decoded bytes (valid UTF-8).
    fn string(&mut self) -> JResult<Cow<'a, [u8]>> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes, borrow from the input.
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    let s = &self.input[start..self.pos];
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(b) if b < 0x20 => {
                    return Err(self.error("control character in string"));
                }
                Some(_) => self.pos += 1,
            }
        }
        let mut buf = self.input[start..self.pos].to_vec();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(buf));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut buf)?;
                }
                Some(b) if b < 0x20 => {
                    return Err(self.error("control character in string"));
                }
                Some(b) => {
                    buf.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn escape(&mut self, buf: &mut Vec<u8>) -> JResult<()> {
        let c = self
            .peek()
            .ok_or_else(|| self.error("unterminated escape"))?;
        self.pos += 1;
        let simple = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let ch = self.unicode_escape()?;
                let mut tmp = [0u8; 4];
                buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                return Ok(());
            }
            _ => return Err(self.error("invalid escape sequence")),
        };
        buf.push(simple);
        Ok(())
    }

    /// After `\u`: one code point, combining a surrogate pair.
    fn unicode_escape(&mut self) -> JResult<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.input[self.pos..].starts_with(b"\\u") {
                    return Err(self.error("lone surrogate in \\u escape"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone surrogate in \\u escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone surrogate in \\u escape")),
            c => c,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }

    fn hex4(&mut self) -> JResult<u32> {
        let digits = self
            .input
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("truncated \\u escape"))?;
        let mut v = 0u32;
        for &d in digits {
            let n = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            v = v * 16 + n;
        }
        self.pos += 4;
        Ok(v)
    }

    /// Integers only, within i64 (negative) or u64 (non-negative): TUF
    /// versions, lengths and thresholds are integers, and a number that
    /// parsers round differently must not reach a signature check.
    fn number(&mut self, out: &mut Vec<u8>) -> JResult<()> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        let digits = &self.input[digits_start..self.pos];
        if digits.is_empty() {
            return Err(self.error("invalid number"));
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return Err(JsonError {
                offset: start,
                reason: "floats are not allowed".into(),
            });
        }
        if digits.len() > 1 && digits[0] == b'0' {
            return Err(JsonError {
                offset: start,
                reason: "leading zeros in number".into(),
            });
        }
        let out_of_range = || JsonError {
            offset: start,
            reason: "integer out of range".into(),
        };
        // At most 20 digits fit u64; parse only then, so a megabyte of
        // digits costs one scan.
        if digits.len() > 20 {
            return Err(out_of_range());
        }
        let text = std::str::from_utf8(digits).map_err(|_| out_of_range())?;
        let magnitude: u64 = text.parse().map_err(|_| out_of_range())?;
        if negative {
            if magnitude > 1u64 << 63 {
                return Err(out_of_range());
            }
            if magnitude != 0 {
                out.push(b'-');
            }
        }
        out.extend_from_slice(digits);
        Ok(())
    }
}

/// Returns the first duplicated key, if any. Sorting a list of borrowed
/// keys is cheaper than hashing for the small objects metadata has.
fn check_duplicates(members: &[Member<'_>]) -> std::result::Result<(), Vec<u8>> {
    // Strictly increasing keys (python-tuf writes sorted keys) cannot
    // repeat: no list to build and sort.
    if members.windows(2).all(|w| w[0].key < w[1].key) {
        return Ok(());
    }
    let mut keys: Vec<&[u8]> = members.iter().map(|m| &*m.key).collect();
    keys.sort_unstable();
    match keys.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(w[0].to_vec()),
        None => Ok(()),
    }
}

/// Rewrites the object at `out[start..]` with its members in key order.
fn sort_members(out: &mut Vec<u8>, start: usize, members: &[Member<'_>]) {
    if members.windows(2).all(|w| w[0].key <= w[1].key) {
        return; // python-tuf writes sorted keys: the usual case.
    }
    let written = out[start..].to_vec();
    out.truncate(start);
    let mut order: Vec<&Member<'_>> = members.iter().collect();
    order.sort_by(|a, b| a.key.cmp(&b.key));
    out.push(b'{');
    for (i, m) in order.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&written[m.start - start..m.end - start]);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        String::from_utf8(canonicalize(s.as_bytes()).unwrap()).unwrap()
    }

    fn reason(s: &[u8]) -> String {
        canonicalize(s).unwrap_err().to_string()
    }

    #[test]
    fn sorts_keys_and_strips_whitespace() {
        assert_eq!(
            canon(r#" { "b" : 1 , "a" : [ true , null , "x" ] } "#),
            r#"{"a":[true,null,"x"],"b":1}"#
        );
        assert_eq!(
            canon(r#"{"b":{"d":1,"c":2},"a":{}}"#),
            r#"{"a":{},"b":{"c":2,"d":1}}"#
        );
    }

    #[test]
    fn keys_sort_by_code_point_not_by_escaped_form() {
        // "\\" (0x5C) sorts after "A" but its escaped form starts with '\\'
        // too; "é" (U+00E9) sorts after all ASCII.
        assert_eq!(
            canon(r#"{"é":1,"\\":2,"A":3}"#),
            "{\"A\":3,\"\\\\\":2,\"é\":1}"
        );
    }

    #[test]
    fn escapes_only_quote_and_backslash() {
        assert_eq!(
            canon(r#""a\"b\\c\n\u0001\u00e9\/""#),
            "\"a\\\"b\\\\c\n\u{1}é/\""
        );
        assert_eq!(canon(r#""\ud83d\ude00""#), "\"😀\"");
    }

    #[test]
    fn integers() {
        assert_eq!(
            canon("[0,-0,18446744073709551615,-9223372036854775808]"),
            "[0,0,18446744073709551615,-9223372036854775808]"
        );
        assert!(reason(b"18446744073709551616").contains("out of range"));
        assert!(reason(b"-9223372036854775809").contains("out of range"));
        assert!(reason(b"1.0").contains("floats"));
        assert!(reason(b"1e3").contains("floats"));
        assert!(reason(b"01").contains("leading zeros"));
        let long = vec![b'9'; 5_000_000];
        assert!(reason(&long).contains("out of range"));
    }

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert!(reason(br#"{"a":1,"a":2}"#).contains("duplicate object key \"a\""));
        assert!(reason(br#"{"x":[{"k":1,"\u006b":2}]}"#).contains("duplicate"));
        assert!(
            reason(br#"{"a":{"z":1,"y":2},"b":1,"a":3}"#).contains("duplicate object key \"a\"")
        );
    }

    /// Nested objects share one member stack: each object sees only its
    /// own members, for sorting and for duplicate detection.
    #[test]
    fn nested_objects_keep_their_own_members() {
        assert_eq!(
            canon(r#"{"a":{"k":1},"b":{"k":2}}"#),
            r#"{"a":{"k":1},"b":{"k":2}}"#
        );
        assert_eq!(canon(r#"{"k":{"k":{"k":1}}}"#), r#"{"k":{"k":{"k":1}}}"#);
        assert_eq!(
            canon(r#"{"b":{"y":{"q":1,"p":2},"x":1},"a":[{"d":1,"c":2},{}]}"#),
            r#"{"a":[{"c":2,"d":1},{}],"b":{"x":1,"y":{"p":2,"q":1}}}"#
        );
        let signed = canonical_signed(br#"{"z":{"signed":1},"signed":{"b":1,"a":{"signed":2}}}"#);
        assert_eq!(signed.unwrap(), br#"{"a":{"signed":2},"b":1}"#);
    }

    #[test]
    fn rejects_malformed_input() {
        assert!(reason(b"{\"a\":1} x").contains("trailing"));
        assert!(reason(b"\xEF\xBB\xBF{}").contains("byte order mark"));
        assert!(reason(b"\"\xff\"").contains("UTF-8"));
        assert!(reason(br#""\ud800""#).contains("surrogate"));
        assert!(reason(br#""\udc00x""#).contains("surrogate"));
        assert!(reason(b"\"a\x01\"").contains("control"));
        assert!(reason(b"[1,]").contains("expected a value"));
        assert!(reason(b"{\"a\" 1}").contains("expected ':'"));
        assert!(reason(b"").contains("end of input"));
        assert!(reason(b"tru").contains("literal"));
        let deep = "[".repeat(100_000);
        assert!(reason(deep.as_bytes()).contains("nesting deeper than 64"));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(canonicalize(ok.as_bytes()).is_ok());
    }

    #[test]
    fn signed_member_is_extracted_canonically() {
        let doc = br#"{"signatures":[{"sig":"ab","keyid":"k"}],"signed":{"z":1,"a":"b"}}"#;
        assert_eq!(canonical_signed(doc).unwrap(), br#"{"a":"b","z":1}"#);
        assert!(canonical_signed(br#"{"signed":1}"#)
            .unwrap_err()
            .reason
            .contains("not an object"));
        assert!(canonical_signed(br#"{"x":{}}"#)
            .unwrap_err()
            .reason
            .contains("missing"));
        assert!(canonical_signed(br#"[]"#)
            .unwrap_err()
            .reason
            .contains("top level"));
        assert!(canonical_signed(br#"{"signed":{},"signed":{}}"#)
            .unwrap_err()
            .reason
            .contains("duplicate"));
    }

    #[test]
    fn value_canonicalisation_matches_byte_canonicalisation() {
        let text = r#"{"b":[1,-2,"\"q\\"],"a":{"y":null,"x":false}}"#;
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            canonicalize_value(&v).unwrap(),
            canonicalize(text.as_bytes()).unwrap()
        );
        let f: serde_json::Value = serde_json::from_str("1.5").unwrap();
        assert!(canonicalize_value(&f).is_err());
    }
}
