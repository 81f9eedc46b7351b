//! Length and hash checks of targets and metadata files (spec 5.5.2,
//! 5.6.2, 5.7.3), streaming so a file is never held in memory.

use std::io::Read;

use sha2::{Digest, Sha256, Sha512};

use crate::error::{Error, Result};

/// Hash algorithms this build checks. Others listed beside them are
/// ignored; a file listing none of these cannot be verified.
pub const KNOWN_ALGORITHMS: &[&str] = &["sha256", "sha512"];

/// What trusted metadata says a file must be.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub length: u64,
    /// (algorithm, hex digest) pairs as listed.
    pub hashes: &'a [(String, String)],
}

enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

/// Checks a file fed in chunks against an [`Expected`].
pub struct Verifier {
    what: String,
    length: u64,
    seen: u64,
    hashers: Vec<(Hasher, Vec<u8>)>,
}

impl Verifier {
    /// Fails if no listed algorithm is known or a listed digest of a known
    /// algorithm is not hex of the right size.
    pub fn new(what: &str, expected: Expected<'_>) -> Result<Verifier> {
        let mut hashers = Vec::new();
        for (algorithm, digest) in expected.hashes {
            let (hasher, size) = match algorithm.as_str() {
                "sha256" => (Hasher::Sha256(Sha256::new()), 32),
                "sha512" => (Hasher::Sha512(Sha512::new()), 64),
                _ => continue,
            };
            let want = hex::decode(digest)
                .ok()
                .filter(|d| d.len() == size)
                .ok_or_else(|| {
                    Error::format(format!(
                        "{what}: listed {algorithm} digest is not {size} bytes of hex"
                    ))
                })?;
            hashers.push((hasher, want));
        }
        if hashers.is_empty() {
            let listed: Vec<&str> = expected.hashes.iter().map(|(a, _)| a.as_str()).collect();
            return Err(Error::invalid_hash(format!(
                "{what}: no supported hash algorithm listed (listed: {}; supported: {})",
                listed.join(", "),
                KNOWN_ALGORITHMS.join(", ")
            )));
        }
        Ok(Verifier {
            what: what.to_string(),
            length: expected.length,
            seen: 0,
            hashers,
        })
    }

    /// Feeds the next chunk; fails as soon as the data exceeds the length.
    pub fn update(&mut self, chunk: &[u8]) -> Result<()> {
        self.seen = self.seen.saturating_add(chunk.len() as u64);
        if self.seen > self.length {
            return Err(Error::download_size(format!(
                "{}: more than the {} bytes listed by trusted metadata",
                self.what, self.length
            )));
        }
        for (hasher, _) in &mut self.hashers {
            match hasher {
                Hasher::Sha256(h) => h.update(chunk),
                Hasher::Sha512(h) => h.update(chunk),
            }
        }
        Ok(())
    }

    /// Checks the length and every known hash. A short file is a hash
    /// failure (its content is not what was signed); only data beyond the
    /// signed length is a download-size error (endless-data attack).
    pub fn finish(self) -> Result<()> {
        if self.seen != self.length {
            return Err(Error::invalid_hash(format!(
                "{}: {} bytes, trusted metadata lists {}",
                self.what, self.seen, self.length
            )));
        }
        for (hasher, want) in self.hashers {
            let (name, got) = match hasher {
                Hasher::Sha256(h) => ("sha256", h.finalize().to_vec()),
                Hasher::Sha512(h) => ("sha512", h.finalize().to_vec()),
            };
            if got != want {
                return Err(Error::invalid_hash(format!(
                    "{}: {name} is {}, trusted metadata lists {}",
                    self.what,
                    hex::encode(&got),
                    hex::encode(&want)
                )));
            }
        }
        Ok(())
    }
}

impl std::io::Write for Verifier {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf).map_err(std::io::Error::other)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Size of the read buffer: large enough that per-call overhead vanishes,
/// small enough to stay in L2 cache for the two hash passes.
const CHUNK: usize = 256 * 1024;

/// Verifies everything `reader` yields, reading at most one byte past the
/// expected length.
pub fn verify_reader(what: &str, expected: Expected<'_>, reader: &mut dyn Read) -> Result<()> {
    let mut verifier = Verifier::new(what, expected)?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(format!("{what}: {e}"))),
        };
        verifier.update(&buf[..n])?;
    }
    verifier.finish()
}

pub fn verify_bytes(what: &str, expected: Expected<'_>, bytes: &[u8]) -> Result<()> {
    let mut verifier = Verifier::new(what, expected)?;
    verifier.update(bytes)?;
    verifier.finish()
}

/// Hex digest of `bytes` with a known algorithm.
pub fn digest_hex(algorithm: &str, bytes: &[u8]) -> Option<String> {
    match algorithm {
        "sha256" => Some(hex::encode(Sha256::digest(bytes))),
        "sha512" => Some(hex::encode(Sha512::digest(bytes))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn listed(data: &[u8]) -> Vec<(String, String)> {
        vec![
            ("sha256".into(), digest_hex("sha256", data).unwrap()),
            ("sha512".into(), digest_hex("sha512", data).unwrap()),
            ("blake2b".into(), "00".into()),
        ]
    }

    #[test]
    fn accepts_exact_file() {
        let h = listed(b"hello");
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
        let h = listed(b"hello");
        let e = |r: Result<()>| r.unwrap_err().kind();
        assert_eq!(
            e(verify_bytes(
                "t",
                Expected {
                    length: 5,
                    hashes: &h
                },
                b"hellO"
            )),
            ErrorKind::InvalidHash
        );
        assert_eq!(
            e(verify_bytes(
                "t",
                Expected {
                    length: 5,
                    hashes: &h
                },
                b"hello!"
            )),
            ErrorKind::DownloadSize
        );
        assert_eq!(
            e(verify_bytes(
                "t",
                Expected {
                    length: 5,
                    hashes: &h
                },
                b"hell"
            )),
            ErrorKind::InvalidHash
        );
        // Only the sha512 is wrong: every known hash must match.
        let mut bad = h.clone();
        bad[1].1 = digest_hex("sha512", b"other").unwrap();
        assert_eq!(
            e(verify_bytes(
                "t",
                Expected {
                    length: 5,
                    hashes: &bad
                },
                b"hello"
            )),
            ErrorKind::InvalidHash
        );
    }

    #[test]
    fn unknown_algorithms_only_fail() {
        let h = vec![("md5".to_string(), "00".to_string())];
        let err = verify_bytes(
            "t",
            Expected {
                length: 0,
                hashes: &h,
            },
            b"",
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidHash);
        assert!(err.to_string().contains("no supported hash algorithm"));
    }

    #[test]
    fn stops_at_length_when_streaming() {
        let h = listed(b"abc");
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
