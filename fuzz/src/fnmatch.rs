//! A reference path-pattern matcher, written independently of
//! `tuf_core::pattern`: python-tuf's `DelegatedRole._is_target_in_pathpattern`
//! (same number of `/`-separated segments, each matched by
//! `fnmatch.fnmatch`), with each segment pattern turned into tokens by a
//! transcription of CPython 3.11's `fnmatch.translate` (including how it
//! splits a `[...]` set into ranges and drops empty ones), and matched by
//! dynamic programming over (token, character) pairs: simple and
//! obviously polynomial, not fast.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Star,
    Any,
    /// An empty set: never matches.
    Never,
    Lit(char),
    Set {
        negated: bool,
        singles: Vec<char>,
        ranges: Vec<(char, char)>,
    },
}

/// `fnmatch.translate`, as tokens instead of a regular expression.
pub fn translate(pat: &[char]) -> Vec<Tok> {
    let n = pat.len();
    let mut res: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < n {
        let c = pat[i];
        i += 1;
        match c {
            '*' => {
                if res.last() != Some(&Tok::Star) {
                    res.push(Tok::Star);
                }
            }
            '?' => res.push(Tok::Any),
            '[' => {
                let mut j = i;
                if j < n && pat[j] == '!' {
                    j += 1;
                }
                if j < n && pat[j] == ']' {
                    j += 1;
                }
                while j < n && pat[j] != ']' {
                    j += 1;
                }
                if j >= n {
                    res.push(Tok::Lit('['));
                    continue;
                }
                let chunks: Vec<Vec<char>> = if !pat[i..j].contains(&'-') {
                    vec![pat[i..j].to_vec()]
                } else {
                    let mut chunks: Vec<Vec<char>> = Vec::new();
                    let mut start = i;
                    let mut k = if pat[i] == '!' { i + 2 } else { i + 1 };
                    while let Some(dash) = (k..j).find(|&x| pat[x] == '-') {
                        chunks.push(pat[start..dash].to_vec());
                        start = dash + 1;
                        k = dash + 3;
                    }
                    let last = pat[start..j].to_vec();
                    if last.is_empty() {
                        chunks.last_mut().expect("a chunk").push('-');
                    } else {
                        chunks.push(last);
                    }
                    // "Remove empty ranges -- invalid in RE."
                    for k in (1..chunks.len()).rev() {
                        if chunks[k - 1].last() > chunks[k].first() {
                            let mut merged = chunks[k - 1][..chunks[k - 1].len() - 1].to_vec();
                            merged.extend_from_slice(&chunks[k][1..]);
                            chunks[k - 1] = merged;
                            chunks.remove(k);
                        }
                    }
                    chunks
                };
                i = j + 1;
                res.push(set_token(chunks));
            }
            c => res.push(Tok::Lit(c)),
        }
    }
    res
}

/// The regular-expression class `chunk0-chunk1-...` (hyphens inside a
/// chunk are literal; each `-` between chunks makes a range of the
/// characters on either side), with fnmatch's special cases.
fn set_token(chunks: Vec<Vec<char>>) -> Tok {
    let stuff_len: usize = chunks.iter().map(Vec::len).sum::<usize>() + chunks.len() - 1;
    if stuff_len == 0 {
        return Tok::Never;
    }
    if stuff_len == 1 && chunks[0] == ['!'] {
        return Tok::Any;
    }
    let negated = chunks[0].first() == Some(&'!');
    let mut singles = Vec::new();
    let mut ranges = Vec::new();
    let last = chunks.len() - 1;
    for (ci, chunk) in chunks.iter().enumerate() {
        for (pos, &ch) in chunk.iter().enumerate() {
            if ci == 0 && pos == 0 && negated {
                continue;
            }
            let starts_range = ci < last && pos == chunk.len() - 1;
            let ends_range = ci > 0 && pos == 0;
            if starts_range {
                ranges.push((ch, chunks[ci + 1][0]));
            } else if !ends_range {
                singles.push(ch);
            }
        }
    }
    Tok::Set {
        negated,
        singles,
        ranges,
    }
}

fn token_matches(tok: &Tok, c: char) -> bool {
    match tok {
        Tok::Star | Tok::Any => true,
        Tok::Never => false,
        Tok::Lit(l) => *l == c,
        Tok::Set {
            negated,
            singles,
            ranges,
        } => {
            let hit = singles.contains(&c) || ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
            hit != *negated
        }
    }
}

/// `fnmatch.fnmatchcase(name, pat)` by dynamic programming.
pub fn fnmatch(pat: &str, name: &str) -> bool {
    let pat: Vec<char> = pat.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let toks = translate(&pat);
    // row[j]: toks[i..] matches name[j..], computed for i from the end.
    let mut row = vec![false; name.len() + 1];
    row[name.len()] = true;
    for tok in toks.iter().rev() {
        let mut next = vec![false; name.len() + 1];
        for j in (0..=name.len()).rev() {
            next[j] = match tok {
                Tok::Star => row[j] || (j < name.len() && next[j + 1]),
                _ => j < name.len() && token_matches(tok, name[j]) && row[j + 1],
            };
        }
        row = next;
    }
    row[0]
}

/// python-tuf's path pattern rule: as many segments, each fnmatch-ed.
pub fn path_matches(pattern: &str, target: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = target.split('/').collect();
    p.len() == t.len() && p.iter().zip(&t).all(|(p, t)| fnmatch(p, t))
}
