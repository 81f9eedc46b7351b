//! Crash points for the crash-safety tests.
//!
//! Built only with the `failpoints` feature (the test command enables it;
//! release builds never have it). With `TUF_FAILPOINT=<name>` in the
//! environment, the process aborts the first time it reaches that point:
//! no destructors, no buffered writes flushed, as after `kill -9`. With
//! `<name>@<n>` it aborts on the n-th time instead.

#[cfg(feature = "failpoints")]
pub fn hit(name: &str) {
    use std::sync::Mutex;
    static HITS: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());
    let Ok(spec) = std::env::var("TUF_FAILPOINT") else {
        return;
    };
    let (want, nth) = match spec.split_once('@') {
        Some((n, k)) => (n.to_string(), k.parse::<u64>().unwrap_or(1)),
        None => (spec, 1),
    };
    if want != name {
        return;
    }
    let mut hits = HITS.lock().unwrap_or_else(|p| p.into_inner());
    let count = match hits.iter_mut().find(|(n, _)| n == name) {
        Some((_, c)) => {
            *c += 1;
            *c
        }
        None => {
            hits.push((name.to_string(), 1));
            1
        }
    };
    if count == nth {
        std::process::abort();
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &str) {}

/// The crash points, in the order a metadata write reaches them.
pub const CACHE_WRITE_POINTS: &[&str] = &[
    "cache-write:temp-created",
    "cache-write:temp-written",
    "cache-write:temp-synced",
    "cache-write:renamed",
    "cache-write:dir-synced",
];
