//! Target (c): `tuf_core::pattern::path_matches` against the reference
//! matcher in src/fnmatch.rs (python-tuf's segment-wise `fnmatch`), with a
//! time bound: one call must take less than a second.
//!
//! Input: pattern, a NUL byte, target (both UTF-8; other inputs are
//! skipped). Without a NUL the target is the pattern itself.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use tuf_core::pattern::path_matches;
use tuf_core_fuzz::fnmatch;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, target) = text.split_once('\0').unwrap_or((text, text));
    let start = Instant::now();
    let ours = path_matches(pattern, target);
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_secs(1),
        "path_matches took {elapsed:?} on a {}-byte pattern and {}-byte target",
        pattern.len(),
        target.len()
    );
    let expected = fnmatch::path_matches(pattern, target);
    assert_eq!(
        ours, expected,
        "path_matches({pattern:?}, {target:?}) = {ours}, python-tuf says {expected}"
    );
});
