//! Which delegated roles may sign for a target path (spec 5.6.7.1 /
//! `DelegatedRole.paths`, `path_hash_prefixes`, and TAP 15 succinct
//! hashed bins).
//!
//! Path patterns follow python-tuf: pattern and target are split on `/`,
//! must have the same number of segments, and each segment is matched with
//! shell-style wildcards (`*`, `?`, `[seq]`, `[!seq]`), case-sensitively.
//! So `*` and `?` never match `/`. Matching never backtracks more than one
//! star, so a hostile pattern costs at most O(pattern x target) steps.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// True if `target` is admitted by the glob `pattern`.
pub fn path_matches(pattern: &str, target: &str) -> bool {
    let mut p = pattern.split('/');
    let mut t = target.split('/');
    loop {
        match (p.next(), t.next()) {
            (None, None) => return true,
            (Some(ps), Some(ts)) => {
                if !segment_matches(ps.as_bytes(), ts.as_bytes()) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// One pattern element.
enum Token {
    Literal(char),
    AnyOne,
    Star,
    /// `[...]`: a set of characters, possibly negated.
    Class(CharSet),
    /// A set that Python turns into an empty class: never matches.
    Never,
}

struct CharSet {
    negated: bool,
    singles: Vec<char>,
    ranges: Vec<(char, char)>,
}

/// Tokenises a segment pattern as Python's fnmatch does: an unclosed `[`
/// is a literal `[`.
fn tokens(pattern: &[u8]) -> Vec<Token> {
    let text = std::str::from_utf8(pattern).unwrap_or("");
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or('\0');
        match c {
            '*' => {
                // Consecutive stars are one star.
                if !matches!(out.last(), Some(Token::Star)) {
                    out.push(Token::Star);
                }
                i += 1;
            }
            '?' => {
                out.push(Token::AnyOne);
                i += 1;
            }
            '[' => match class_end(&pattern[i + 1..]) {
                Some(len) => {
                    // `[` and `]` are ASCII, so these are char boundaries.
                    out.push(class_token(&text[i + 1..i + 1 + len]));
                    i += len + 2;
                }
                None => {
                    out.push(Token::Literal('['));
                    i += 1;
                }
            },
            _ => {
                out.push(Token::Literal(c));
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Length of a class body starting after `[`, up to (not including) the
/// closing `]`; a `]` right after `[` or `[!` is part of the set.
fn class_end(rest: &[u8]) -> Option<usize> {
    let mut j = 0;
    if rest.first() == Some(&b'!') {
        j += 1;
    }
    if rest.get(j) == Some(&b']') {
        j += 1;
    }
    rest[j..].iter().position(|&b| b == b']').map(|k| j + k)
}

/// The set a class body stands for, exactly as CPython's
/// `fnmatch.translate` (3.11) builds its regular expression: the body is
/// cut into chunks at each `-` that can make a range (not the first
/// character, nor one right after the previous range), a range whose
/// ends are in the wrong order is removed by joining the chunks around it
/// (which can bring a literal `!` to the front, negating the set), an
/// empty set never matches, and a lone `!` matches any character.
fn class_token(body: &str) -> Token {
    let chars: Vec<char> = body.chars().collect();
    let mut chunks: Vec<Vec<char>> = Vec::new();
    if !chars.contains(&'-') {
        chunks.push(chars);
    } else {
        let mut start = 0;
        let mut k = if chars.first() == Some(&'!') { 2 } else { 1 };
        while let Some(dash) = (k..chars.len()).find(|&x| chars[x] == '-') {
            chunks.push(chars[start..dash].to_vec());
            start = dash + 1;
            k = dash + 3;
        }
        let last = chars[start..].to_vec();
        match chunks.last_mut() {
            Some(previous) if last.is_empty() => previous.push('-'),
            _ => chunks.push(last),
        }
        for k in (1..chunks.len()).rev() {
            if chunks[k - 1].last() > chunks[k].first() {
                let mut joined = chunks[k - 1][..chunks[k - 1].len() - 1].to_vec();
                joined.extend_from_slice(&chunks[k][1..]);
                chunks[k - 1] = joined;
                chunks.remove(k);
            }
        }
    }
    if chunks.len() == 1 && chunks[0].is_empty() {
        return Token::Never;
    }
    if chunks.len() == 1 && chunks[0] == ['!'] {
        return Token::AnyOne;
    }
    let negated = chunks[0].first() == Some(&'!');
    let mut set = CharSet {
        negated,
        singles: Vec::new(),
        ranges: Vec::new(),
    };
    // `-` between two chunks makes a range of the characters beside it;
    // every other character (a `-` inside a chunk too) is itself.
    let last = chunks.len() - 1;
    for (ci, chunk) in chunks.iter().enumerate() {
        for (pos, &ch) in chunk.iter().enumerate() {
            if ci == 0 && pos == 0 && negated {
                continue;
            }
            if ci < last && pos == chunk.len() - 1 {
                set.ranges.push((ch, chunks[ci + 1][0]));
            } else if !(ci > 0 && pos == 0) {
                set.singles.push(ch);
            }
        }
    }
    Token::Class(set)
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::AnyOne | Token::Star => true,
        Token::Never => false,
        Token::Class(set) => {
            let hit =
                set.singles.contains(&c) || set.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
            hit != set.negated
        }
    }
}

/// Wildcard match of one segment: the classic greedy algorithm that only
/// ever returns to the most recent star, which is exact for globs.
fn segment_matches(pattern: &[u8], target: &[u8]) -> bool {
    let tokens = tokens(pattern);
    let chars: Vec<char> = std::str::from_utf8(target).unwrap_or("").chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < chars.len() {
        match tokens.get(p) {
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            Some(tok) if token_matches(tok, chars[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|tok| matches!(tok, Token::Star))
}

/// SHA-256 of the target path: what `path_hash_prefixes` and succinct
/// bins are computed from.
pub fn target_path_digest(target: &str) -> [u8; 32] {
    Sha256::digest(target.as_bytes()).into()
}

/// TAP 15 succinct hashed bins: `2^bit_length` roles named
/// `<prefix>-<hex index>`, the index being the first `bit_length` bits of
/// the target path's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccinctBins {
    bit_length: u32,
    prefix: String,
    /// Hex digits in a bin name: those of `number_of_bins - 1`.
    width: usize,
}

impl SuccinctBins {
    pub fn new(bit_length: u64, prefix: &str) -> Result<SuccinctBins> {
        if !(1..=32).contains(&bit_length) {
            return Err(Error::format(format!(
                "succinct_roles bit_length {bit_length} is not between 1 and 32"
            )));
        }
        let bit_length = bit_length as u32;
        let last = (1u64 << bit_length) - 1;
        Ok(SuccinctBins {
            bit_length,
            prefix: prefix.to_string(),
            width: format!("{last:x}").len(),
        })
    }

    pub fn number_of_bins(&self) -> u64 {
        1u64 << self.bit_length
    }

    pub fn bin_index(&self, digest: &[u8; 32]) -> u32 {
        let first = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
        // bit_length is 1..=32, so the shift is 0..=31.
        first >> (32 - self.bit_length)
    }

    pub fn bin_name(&self, index: u32) -> String {
        format!("{}-{:0width$x}", self.prefix, index, width = self.width)
    }

    /// The bin index of a role name, if it names one of these bins.
    pub fn index_of(&self, role: &str) -> Option<u32> {
        let suffix = role.strip_prefix(self.prefix.as_str())?.strip_prefix('-')?;
        if suffix.len() != self.width
            || !suffix
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return None;
        }
        let index = u64::from_str_radix(suffix, 16).ok()?;
        (index < self.number_of_bins()).then_some(index as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each (pattern, target, whether it matches).
    fn check(cases: &[(&str, &str, bool)]) {
        for &(pattern, target, matches) in cases {
            let verdict = path_matches(pattern, target);
            assert_eq!(verdict, matches, "{pattern:?} {target:?}");
        }
    }

    #[test]
    fn segments_wildcards_and_classes() {
        let cases = [
            ("a/*", "a/b", true),
            ("a/*", "a/b/c", false),
            ("a/*/*", "a/b/c", true),
            ("*", "a/b", false),
            ("*.txt", "x.txt", true),
            ("*.txt", "dir/x.txt", false),
            ("", "", true),
            ("a/", "a", false),
            ("a/", "a/", true),
            // wildcards and classes
            ("f?le", "file", true),
            ("f?le", "fle", false),
            ("[abc]x", "bx", true),
            ("[!abc]x", "bx", false),
            ("[a-c]*", "c123", true),
            ("[]]", "]", true),
            ("[!]]", "x", true),
            ("[x", "[x", true), // unclosed: literal
            ("*é?", "ééé", true),
            ("File", "file", false), // case-sensitive
            ("a**b", "axxb", true),
            ("*", "", true),
        ];
        check(&cases);
    }

    #[test]
    fn hostile_pattern_gets_the_right_verdict() {
        // A backtracking matcher would need exponential time here and never
        // finish; speed itself is measured by the fuzzer, not asserted.
        let pattern = "*a".repeat(2000) + "b";
        let target = "a".repeat(4000);
        assert!(!path_matches(&pattern, &target));
        assert!(path_matches(&pattern, &(target + "b")));
    }

    #[test]
    fn succinct_bins_match_python_tuf() {
        let bins = SuccinctBins::new(4, "bin").unwrap();
        assert_eq!(bins.number_of_bins(), 16);
        assert_eq!(bins.bin_name(0), "bin-0");
        assert_eq!(bins.bin_name(15), "bin-f");
        let wide = SuccinctBins::new(11, "b").unwrap();
        assert_eq!(wide.bin_name(5), "b-005");
        assert_eq!(wide.index_of("b-7ff"), Some(0x7ff));
        assert_eq!(wide.index_of("b-800"), None);
        assert_eq!(wide.index_of("b-05"), None);
        assert_eq!(wide.index_of("b-00A"), None);
        assert_eq!(wide.index_of("c-005"), None);
        let digest = [0xABu8; 32];
        assert_eq!(bins.bin_index(&digest), 0xA);
        assert_eq!(
            SuccinctBins::new(32, "x").unwrap().bin_index(&digest),
            0xABABABAB
        );
        assert!(SuccinctBins::new(0, "x").is_err());
        assert!(SuccinctBins::new(33, "x").is_err());
    }
}
