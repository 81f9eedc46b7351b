//! Length and hash checks of targets and metadata files (spec 5.5.2,
//! 5.6.2, 5.7.3), streaming so a file is never held in memory.
//!
//! The digests are ring's (BoringSSL's assembly: SHA-NI for sha256 where
//! the CPU has it, AVX for sha512), a little faster than the RustCrypto
//! `sha2` crate's sha512 (see docs/benchmarks.md). A stream long enough to
//! matter (see [`PARALLEL_MIN`]) that lists both sha256 and sha512 is
//! hashed on two threads when the machine has more than one CPU: this
//! thread reads and does sha256 while a helper thread does sha512 over the
//! same chunks, so the wall time approaches that of sha512 alone for about
//! the same CPU time. [`set_parallel`] turns that off (e.g. for a server
//! whose CPUs are all busy anyway).

use std::io::Read;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{mpsc, Arc};

use blake2::digest::consts::U32;
use blake2::{Blake2b, Blake2b512, Digest};
use ring::digest::{self, Context};

use crate::error::{Detail, Error, Result};

/// Hash algorithms this build checks, by securesystemslib's names
/// (`blake2b-256` is BLAKE2b with a 32-byte digest, `blake2b` the 64-byte
/// one). Every listed hash is checked: a file listing any other algorithm
/// is refused, naming it, as python-tuf refuses it (spec 5.5.2, 5.6.2,
/// 5.7.3 require the hashes to match, not some of them).
pub const KNOWN_ALGORITHMS: &[&str] = &["sha256", "sha384", "sha512", "blake2b", "blake2b-256"];

/// Streams at least this long (by their trusted length) are hashed on two
/// threads when they list sha256 and sha512 and parallel hashing is on.
/// Below it, starting and scheduling a thread for the one file costs more
/// than it saves: measured on 2 vCPUs, 100 files of about 1 MB took 10 to
/// 20% more CPU time on two threads and no less wall time, while one
/// 107 MB file took the same CPU time and 15 to 25% less wall time.
pub const PARALLEL_MIN: u64 = 4 << 20;

/// The one length rule (spec 5.7.2), for bytes, readers and files alike:
/// data beyond the trusted length is a download-size error (the
/// endless-data attack; a reader is not read past the first chunk that
/// goes over), data short of it an invalid-hash error (its content is not
/// what was signed), with the same message either way whether the excess
/// was seen while reading or known beforehand (a file's size).
fn too_long(what: &str, length: u64) -> Error {
    Error::download_size(format!(
        "{what}: more than the length of {length} bytes listed by trusted metadata"
    ))
}

fn too_short(what: &str, seen: u64, length: u64) -> Error {
    Error::invalid_hash(format!(
        "{what}: {seen} bytes, shorter than the length of {length} bytes listed by \
         trusted metadata"
    ))
}

/// [`too_long`] and [`too_short`] for data whose size is known before it
/// is read (a file), so the wrong size is refused without reading.
pub fn check_length(what: &str, expected: Expected<'_>, size: u64) -> Result<()> {
    match size {
        n if n > expected.length => Err(too_long(what, expected.length)),
        n if n < expected.length => Err(too_short(what, n, expected.length)),
        _ => Ok(()),
    }
}

/// What trusted metadata says a file must be.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub length: u64,
    /// (algorithm, hex digest) pairs as listed.
    pub hashes: &'a [(String, String)],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
    Blake2b,
    Blake2b256,
}

impl Algorithm {
    fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha384" => Some(Algorithm::Sha384),
            "sha512" => Some(Algorithm::Sha512),
            "blake2b" => Some(Algorithm::Blake2b),
            "blake2b-256" => Some(Algorithm::Blake2b256),
            _ => None,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
            Algorithm::Blake2b => "blake2b",
            Algorithm::Blake2b256 => "blake2b-256",
        }
    }
    fn output_len(self) -> usize {
        match self {
            Algorithm::Sha256 | Algorithm::Blake2b256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 | Algorithm::Blake2b => 64,
        }
    }
    fn hasher(self) -> Hasher {
        match self {
            Algorithm::Sha256 => Hasher::Ring(Context::new(&digest::SHA256)),
            Algorithm::Sha384 => Hasher::Ring(Context::new(&digest::SHA384)),
            Algorithm::Sha512 => Hasher::Ring(Context::new(&digest::SHA512)),
            Algorithm::Blake2b => Hasher::Blake2b(Blake2b512::new()),
            Algorithm::Blake2b256 => Hasher::Blake2b256(Blake2b::<U32>::new()),
        }
    }
}

/// A digest being computed: ring's SHA-2 (assembly), RustCrypto's BLAKE2b.
enum Hasher {
    Ring(Context),
    Blake2b(Blake2b512),
    Blake2b256(Blake2b<U32>),
}

impl Hasher {
    fn update(&mut self, chunk: &[u8]) {
        match self {
            Hasher::Ring(c) => c.update(chunk),
            Hasher::Blake2b(h) => h.update(chunk),
            Hasher::Blake2b256(h) => h.update(chunk),
        }
    }
    fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Ring(c) => c.finish().as_ref().to_vec(),
            Hasher::Blake2b(h) => h.finalize().to_vec(),
            Hasher::Blake2b256(h) => h.finalize().to_vec(),
        }
    }
}

/// One listed hash being computed.
struct Check {
    algorithm: Algorithm,
    context: Hasher,
    want: Vec<u8>,
}

/// Checks a file fed in chunks against an [`Expected`].
pub struct Verifier {
    what: String,
    length: u64,
    seen: u64,
    checks: Vec<Check>,
}

impl Verifier {
    /// Fails if any listed algorithm is unknown (fail closed: a hash we
    /// cannot check might be the one that is wrong), if none is listed, or
    /// if a listed digest is not hex of the algorithm's size.
    pub fn new(what: &str, expected: Expected<'_>) -> Result<Verifier> {
        let mut checks = Vec::new();
        for (name, digest) in expected.hashes {
            let Some(algorithm) = Algorithm::from_name(name) else {
                return Err(Error::invalid_hash(format!(
                    "{what}: unsupported hash algorithm {name:?} listed (supported: {})",
                    KNOWN_ALGORITHMS.join(", ")
                )));
            };
            let size = algorithm.output_len();
            let want = hex::decode(digest)
                .ok()
                .filter(|d| d.len() == size)
                .ok_or_else(|| {
                    Error::format(format!(
                        "{what}: listed {name} digest is not {size} bytes of hex"
                    ))
                })?;
            checks.push(Check {
                algorithm,
                context: algorithm.hasher(),
                want,
            });
        }
        if checks.is_empty() {
            return Err(Error::invalid_hash(format!(
                "{what}: trusted metadata lists no hash"
            )));
        }
        Ok(Verifier {
            what: what.to_string(),
            length: expected.length,
            seen: 0,
            checks,
        })
    }

    /// Counts `n` more bytes; fails as soon as the data exceeds the length.
    fn count(&mut self, n: usize) -> Result<()> {
        self.seen = self.seen.saturating_add(n as u64);
        if self.seen > self.length {
            return Err(too_long(&self.what, self.length));
        }
        Ok(())
    }

    /// Feeds the next chunk; fails as soon as the data exceeds the length.
    pub fn update(&mut self, chunk: &[u8]) -> Result<()> {
        self.count(chunk.len())?;
        for check in &mut self.checks {
            check.context.update(chunk);
        }
        Ok(())
    }

    /// Checks the length ([`too_short`]; too long failed in `update`) and
    /// every known hash.
    pub fn finish(self) -> Result<()> {
        if self.seen != self.length {
            return Err(too_short(&self.what, self.seen, self.length));
        }
        for check in self.checks {
            let got = check.context.finish();
            if got != check.want {
                return Err(Error::invalid_hash(format!(
                    "{}: {} is {}, trusted metadata lists {}",
                    self.what,
                    check.algorithm.name(),
                    hex::encode(&got),
                    hex::encode(&check.want)
                ))
                .with_detail(Detail::HashMismatch {
                    file: self.what.clone(),
                    algorithm: check.algorithm.name().to_string(),
                }));
            }
        }
        Ok(())
    }
}

/// Size of the read buffer: large enough that per-call overhead vanishes,
/// small enough to stay in L2 cache for the two hash passes.
const CHUNK: usize = 256 * 1024;

const PARALLEL_UNSET: u8 = 0;
const PARALLEL_OFF: u8 = 1;
const PARALLEL_ON: u8 = 2;
static PARALLEL: AtomicU8 = AtomicU8::new(PARALLEL_UNSET);

/// Turns hashing on two threads on or off for the whole process. By
/// default it is on when the machine has more than one CPU.
pub fn set_parallel(enabled: bool) {
    PARALLEL.store(
        if enabled { PARALLEL_ON } else { PARALLEL_OFF },
        Ordering::Relaxed,
    );
}

fn parallel() -> bool {
    match PARALLEL.load(Ordering::Relaxed) {
        PARALLEL_ON => true,
        PARALLEL_OFF => false,
        _ => {
            let on = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
            set_parallel(on);
            on
        }
    }
}

/// Reads into `buf`, retrying on EINTR.
fn read_some(what: &str, reader: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    loop {
        match reader.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(format!("{what}: {e}"))),
        }
    }
}

/// Verifies everything `reader` yields; reading stops at the first chunk
/// that goes past the expected length. A reader whose size is known first
/// (a file) goes through [`check_length`] before, so the same rule refuses
/// it unread (see tuf-io's `download::verify_path`).
pub fn verify_reader(what: &str, expected: Expected<'_>, reader: &mut dyn Read) -> Result<()> {
    let mut verifier = Verifier::new(what, expected)?;
    let split = verifier
        .checks
        .iter()
        .any(|c| c.algorithm == Algorithm::Sha512)
        && verifier
            .checks
            .iter()
            .any(|c| c.algorithm != Algorithm::Sha512);
    if split && expected.length >= PARALLEL_MIN && parallel() {
        return verify_on_two_threads(verifier, reader);
    }
    with_read_buffer(|buf| {
        loop {
            let n = read_some(what, reader, buf)?;
            if n == 0 {
                break;
            }
            verifier.update(&buf[..n])?;
        }
        verifier.finish()
    })
}

thread_local! {
    /// The read buffer of [`verify_reader`], kept per thread: a fresh
    /// 256 kB allocation is an mmap, 64 page faults and an munmap for
    /// every file, about 3% of checking a 1 MB archive.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn with_read_buffer<R>(f: impl FnOnce(&mut [u8]) -> R) -> R {
    READ_BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < CHUNK {
                buf.resize(CHUNK, 0);
            }
            f(&mut buf[..CHUNK])
        }
        // Only if a reader itself verifies something while being read.
        Err(_) => f(&mut vec![0u8; CHUNK]),
    })
}

/// [`verify_reader`] with the sha512 checks on a helper thread. Each chunk
/// is counted against the length before either thread hashes it, so the
/// same errors come in the same order as on one thread. The helper gets a
/// chunk as soon as it is read and hashes it while this thread does the
/// same chunk's sha256 and reads the next; two buffers take turns.
fn verify_on_two_threads(mut verifier: Verifier, reader: &mut dyn Read) -> Result<()> {
    let (theirs, mut mine): (Vec<Check>, Vec<Check>) = verifier
        .checks
        .drain(..)
        .partition(|c| c.algorithm == Algorithm::Sha512);
    let what = verifier.what.clone();
    std::thread::scope(|scope| {
        let (to_helper, inbox) = mpsc::sync_channel::<Arc<Vec<u8>>>(1);
        let (give_back, returned) = mpsc::sync_channel::<Arc<Vec<u8>>>(2);
        let helper = scope.spawn(move || {
            let mut theirs = theirs;
            for chunk in inbox {
                for check in &mut theirs {
                    check.context.update(&chunk);
                }
                // The reader may have stopped: the buffer is then dropped.
                let _ = give_back.send(chunk);
            }
            theirs
        });
        let mut spare = vec![Arc::new(vec![0u8; CHUNK]), Arc::new(vec![0u8; CHUNK])];
        let read = (|| -> Result<()> {
            loop {
                let mut shared = match spare.pop() {
                    Some(b) => b,
                    // Only fails if the helper is gone (it panicked).
                    None => match returned.recv() {
                        Ok(b) => b,
                        Err(_) => return Ok(()),
                    },
                };
                // The helper has dropped its reference before giving it
                // back, so this is the only one.
                let buf = Arc::get_mut(&mut shared).expect("chunk buffer still shared");
                buf.resize(CHUNK, 0);
                let n = read_some(&what, reader, buf)?;
                if n == 0 {
                    return Ok(());
                }
                buf.truncate(n);
                verifier.count(n)?;
                if to_helper.send(Arc::clone(&shared)).is_err() {
                    return Ok(());
                }
                for check in &mut mine {
                    check.context.update(&shared);
                }
            }
        })();
        drop(to_helper);
        let theirs = match helper.join() {
            Ok(theirs) => theirs,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        read?;
        mine.extend(theirs);
        verifier.checks = mine;
        verifier.finish()
    })
}

/// Verifies a byte slice: the same checks and errors as [`verify_reader`].
pub fn verify_bytes(what: &str, expected: Expected<'_>, bytes: &[u8]) -> Result<()> {
    let mut verifier = Verifier::new(what, expected)?;
    verifier.update(bytes)?;
    verifier.finish()
}

/// Hex digest of `bytes` with a known algorithm.
pub fn digest_hex(algorithm: &str, bytes: &[u8]) -> Option<String> {
    let mut hasher = Algorithm::from_name(algorithm)?.hasher();
    hasher.update(bytes);
    Some(hex::encode(hasher.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn one_length_rule_for_known_sizes_and_streams() {
        let h = both(b"abc");
        let expected = Expected {
            length: 3,
            hashes: &h,
        };
        check_length("t", expected, 3).unwrap();
        for (data, size) in [(&b"abcd"[..], 4), (&b"ab"[..], 2)] {
            let known = check_length("t", expected, size).unwrap_err();
            let streamed = verify_reader("t", expected, &mut &data[..]).unwrap_err();
            let bytes = verify_bytes("t", expected, data).unwrap_err();
            assert_eq!(known, streamed, "{size}");
            assert_eq!(known, bytes, "{size}");
            assert!(known.message().contains("length of 3 bytes"), "{known}");
        }
        assert_eq!(
            check_length("t", expected, 4).unwrap_err().kind(),
            ErrorKind::DownloadSize
        );
        assert_eq!(
            check_length("t", expected, 2).unwrap_err().kind(),
            ErrorKind::InvalidHash
        );
    }

    #[test]
    fn accepts_exact_file() {
        let h = both(b"hello");
        verify_bytes(
            "t",
            Expected {
                length: 5,
                hashes: &h,
            },
            b"hello",
        )
        .unwrap();
        verify_reader(
            "t",
            Expected {
                length: 5,
                hashes: &h,
            },
            &mut &b"hello"[..],
        )
        .unwrap();
    }

    #[test]
    fn rejects_length_and_hash_mismatch() {
        let h = both(b"hello");
        // Only the sha512 is wrong: every known hash must match.
        let mut bad = h.clone();
        bad[1].1 = digest_hex("sha512", b"other").unwrap();
        let cases = [
            (&h, &b"hellO"[..], ErrorKind::InvalidHash),
            (&h, b"hello!", ErrorKind::DownloadSize),
            (&h, b"hell", ErrorKind::InvalidHash),
            (&bad, b"hello", ErrorKind::InvalidHash),
        ];
        for (hashes, data, kind) in cases {
            let expected = Expected { length: 5, hashes };
            let result = verify_bytes("t", expected, data);
            assert_eq!(result.unwrap_err().kind(), kind, "{data:?}");
        }
    }

    #[test]
    fn an_unknown_algorithm_fails_even_beside_known_ones() {
        for extra in ["md5", "sha224", "blake2s", "SHA256", ""] {
            let mut h = both(b"hello");
            h.push((extra.to_string(), "00".to_string()));
            let exp = Expected {
                length: 5,
                hashes: &h,
            };
            let err = verify_bytes("t", exp, b"hello").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidHash, "{extra}");
            assert!(
                err.message()
                    .contains(&format!("unsupported hash algorithm {extra:?}")),
                "{err}"
            );
            let err = verify_reader("t", exp, &mut &b"hello"[..]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidHash, "{extra}");
        }
        let err = verify_bytes(
            "t",
            Expected {
                length: 0,
                hashes: &[],
            },
            b"",
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidHash);
        assert!(err.message().contains("lists no hash"), "{err}");
    }

    #[test]
    fn every_supported_algorithm_is_checked() {
        for name in KNOWN_ALGORITHMS {
            let mut h = both(b"hello");
            h.push((name.to_string(), digest_hex(name, b"hello").unwrap()));
            let exp = Expected {
                length: 5,
                hashes: &h,
            };
            verify_bytes("t", exp, b"hello").unwrap();
            // The right sha256 and sha512, a wrong digest of this one.
            let last = h.len() - 1;
            h[last].1 = digest_hex(name, b"hellO").unwrap();
            let exp = Expected {
                length: 5,
                hashes: &h,
            };
            let err = verify_bytes("t", exp, b"hello").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidHash, "{name}");
            assert!(err.message().contains(&format!("{name} is ")), "{err}");
            // A digest of the wrong size for the algorithm.
            h[last].1 = "00".into();
            let exp = Expected {
                length: 5,
                hashes: &h,
            };
            let err = verify_bytes("t", exp, b"hello").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Format, "{name}");
        }
    }

    /// Pseudo-random bytes, long enough for several chunks and a tail.
    fn big() -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..3 * CHUNK + 12_345)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn both(data: &[u8]) -> Vec<(String, String)> {
        vec![
            ("sha256".into(), digest_hex("sha256", data).unwrap()),
            ("sha512".into(), digest_hex("sha512", data).unwrap()),
        ]
    }

    #[test]
    fn known_digests() {
        // FIPS 180-2 and RFC 7693 test vectors; blake2b-256 is hashlib's
        // blake2b(b"abc", digest_size=32).
        let vectors = [
            (
                "sha256",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                "sha512",
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                 2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            ),
            (
                "sha384",
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
                 8086072ba1e7cc2358baeca134c825a7",
            ),
            (
                "blake2b",
                "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
                 7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
            ),
            (
                "blake2b-256",
                "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
            ),
        ];
        for (algorithm, hex) in vectors {
            assert_eq!(digest_hex(algorithm, b"abc").unwrap(), hex, "{algorithm}");
        }
        assert_eq!(digest_hex("md5", b"abc"), None);
    }

    #[test]
    fn two_threads_agree_with_one() {
        let data = big();
        let h = both(&data);
        let exp = |length| Expected { length, hashes: &h };
        let len = data.len() as u64;
        let e = |r: Result<()>| r.unwrap_err().kind();
        let two = |expected: Expected<'_>, bytes: &[u8]| {
            verify_on_two_threads(Verifier::new("t", expected).unwrap(), &mut &bytes[..])
        };
        two(exp(len), &data).unwrap();
        verify_reader("t", exp(len), &mut &data[..]).unwrap();
        verify_bytes("t", exp(len), &data).unwrap();
        // One byte changed in the last chunk: both hashes differ.
        let mut changed = data.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert_eq!(e(two(exp(len), &changed)), ErrorKind::InvalidHash);
        // Only the sha512 (the helper thread's) is wrong, then only the
        // sha256 (this thread's).
        for (i, algorithm) in [(1, "sha512"), (0, "sha256")] {
            let mut bad = h.clone();
            bad[i].1 = digest_hex(algorithm, b"other").unwrap();
            let expected = Expected {
                length: len,
                hashes: &bad,
            };
            let r = verify_on_two_threads(Verifier::new("t", expected).unwrap(), &mut &data[..]);
            assert_eq!(e(r), ErrorKind::InvalidHash, "{algorithm} wrong");
        }
        // Too long and too short, as on one thread.
        assert_eq!(e(two(exp(len - 1), &data)), ErrorKind::DownloadSize);
        assert_eq!(
            e(two(exp(len), &data[..data.len() - 1])),
            ErrorKind::InvalidHash
        );
        let mut endless = std::io::repeat(b'a');
        let r = verify_on_two_threads(Verifier::new("t", exp(len)).unwrap(), &mut endless);
        assert_eq!(e(r), ErrorKind::DownloadSize);
    }

    #[test]
    fn long_streams_verify_on_two_threads() {
        set_parallel(true);
        let mut data = vec![0x5a_u8; PARALLEL_MIN as usize + 1000];
        let h = both(&data);
        let exp = Expected {
            length: data.len() as u64,
            hashes: &h,
        };
        verify_reader("t", exp, &mut &data[..]).unwrap();
        data[PARALLEL_MIN as usize] ^= 1;
        let err = verify_reader("t", exp, &mut &data[..]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidHash);
    }

    #[test]
    fn two_threads_report_read_errors() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk on fire"));
                }
                self.0 -= 1;
                buf.fill(7);
                Ok(buf.len())
            }
        }
        let h = both(b"");
        let exp = Expected {
            length: 10 * CHUNK as u64,
            hashes: &h,
        };
        let err =
            verify_on_two_threads(Verifier::new("t", exp).unwrap(), &mut Failing(2)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.to_string().contains("disk on fire"));
    }

    #[test]
    fn stops_at_length_when_streaming() {
        let h = both(b"abc");
        let mut endless = std::io::repeat(b'a');
        let err = verify_reader(
            "t",
            Expected {
                length: 3,
                hashes: &h,
            },
            &mut endless,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DownloadSize);
    }
}
