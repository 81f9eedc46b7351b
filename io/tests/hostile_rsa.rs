//! RSA keys at and beyond the 16,384-bit limit, with a multi-prime key
//! generator of its own (only the key size matters, and multi-prime keys
//! of that size are fast to make).

mod support;

use std::collections::HashMap;
use std::time::Instant;

use serde_json::json;
use sha2::{Digest, Sha256};
use support::*;
use tuf_core::error::ErrorKind;

// ---------------------------------------------------------------------------
// RSA keys at and beyond the 16,384-bit limit.

/// A multi-prime RSA key made for the test: its modulus is a product of
/// 256-bit primes, so it is generated and used (CRT) in well under a
/// second even at 16,384 bits, while a verifier sees an ordinary public
/// key (n, e) of that size and does the same work as for any other.
mod multi_prime_rsa {
    use rsa::BigUint;
    use sha2::{Digest, Sha256};

    pub struct Key {
        pub n: BigUint,
        e: BigUint,
        primes: Vec<BigUint>,
        /// e^-1 mod (p - 1), per prime.
        exponents: Vec<BigUint>,
        /// CRT coefficients: M_i * (M_i^-1 mod p_i) with M_i = n / p_i.
        coefficients: Vec<BigUint>,
    }

    const E: u32 = 65_537;

    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn big(&mut self, bits: usize) -> BigUint {
            let bytes = bits.div_ceil(8);
            let mut b: Vec<u8> = (0..bytes).map(|_| self.next() as u8).collect();
            let extra = bytes * 8 - bits;
            b[0] &= 0xFF >> extra;
            b[0] |= 0x80 >> extra; // exactly `bits` bits
            *b.last_mut().unwrap() |= 1; // odd
            BigUint::from_bytes_be(&b)
        }
    }

    fn small_primes() -> Vec<u32> {
        (3u32..2000)
            .step_by(2)
            .filter(|n| {
                (3..)
                    .step_by(2)
                    .take_while(|d| d * d <= *n)
                    .all(|d| n % d != 0)
            })
            .collect()
    }

    fn as_u64(x: &BigUint) -> u64 {
        x.to_bytes_be()
            .iter()
            .fold(0u64, |a, &b| (a << 8) | u64::from(b))
    }

    fn is_probable_prime(n: &BigUint, rng: &mut SplitMix, small: &[u32]) -> bool {
        let zero = BigUint::from(0u32);
        if small.iter().any(|&p| n % p == zero) {
            return false;
        }
        let one = BigUint::from(1u32);
        let n1 = n - &one;
        let mut d = n1.clone();
        let mut s = 0;
        while &d % 2u32 == zero {
            d >>= 1;
            s += 1;
        }
        'witness: for _ in 0..16 {
            let a = BigUint::from(2u32) + BigUint::from(rng.next()) % (n - 3u32);
            let mut x = a.modpow(&d, n);
            if x == one || x == n1 {
                continue;
            }
            for _ in 1..s {
                x = x.modpow(&BigUint::from(2u32), n);
                if x == n1 {
                    continue 'witness;
                }
            }
            return false;
        }
        true
    }

    fn prime(bits: usize, rng: &mut SplitMix, small: &[u32]) -> BigUint {
        loop {
            let p = rng.big(bits);
            if &(&p - 1u32) % E != BigUint::from(0u32) && is_probable_prime(&p, rng, small) {
                return p;
            }
        }
    }

    fn pow_mod_u64(mut b: u64, mut e: u64, m: u64) -> u64 {
        let mut r = 1u64;
        b %= m;
        while e > 0 {
            if e & 1 == 1 {
                r = r * b % m;
            }
            b = b * b % m;
            e >>= 1;
        }
        r
    }

    /// A key whose modulus has exactly `bits` bits.
    pub fn generate(bits: usize, seed: u64) -> Key {
        let mut rng = SplitMix(seed);
        let small = small_primes();
        let count = bits / 256;
        let mut primes: Vec<BigUint> = (0..count - 1)
            .map(|_| prime(256, &mut rng, &small))
            .collect();
        let partial = primes.iter().fold(BigUint::from(1u32), |acc, p| acc * p);
        let n = loop {
            let need = bits - partial.bits();
            let q = prime(need + (rng.next() % 2) as usize, &mut rng, &small);
            let n = &partial * &q;
            if n.bits() == bits && !primes.contains(&q) {
                primes.push(q);
                break n;
            }
        };
        let e = BigUint::from(E);
        let exponents = primes
            .iter()
            .map(|p| {
                // d = (k (p-1) + 1) / e with k (p-1) = -1 mod e.
                let p1 = p - 1u32;
                let r = as_u64(&(&p1 % E));
                let inv = pow_mod_u64(r, u64::from(E) - 2, u64::from(E));
                let k = (u64::from(E) - inv) % u64::from(E);
                (&p1 * BigUint::from(k) + 1u32) / E
            })
            .collect();
        let coefficients = primes
            .iter()
            .map(|p| {
                let m = &n / p;
                let inv = (&m % p).modpow(&(p - 2u32), p);
                m * inv
            })
            .collect();
        Key {
            n,
            e,
            primes,
            exponents,
            coefficients,
        }
    }

    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 128 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        out.extend_from_slice(content);
        out
    }

    fn der_uint(x: &BigUint) -> Vec<u8> {
        let mut b = x.to_bytes_be();
        if b[0] & 0x80 != 0 {
            b.insert(0, 0);
        }
        der(0x02, &b)
    }

    fn base64(data: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[(v >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    impl Key {
        pub fn bits(&self) -> usize {
            self.n.bits()
        }

        /// The public key as securesystemslib writes it: PEM SPKI.
        pub fn pem(&self) -> String {
            let rsa_key = der(0x30, &[der_uint(&self.n), der_uint(&self.e)].concat());
            let mut bit_string = vec![0u8];
            bit_string.extend_from_slice(&rsa_key);
            let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
            let algorithm = der(0x30, &[der(0x06, &oid), vec![0x05, 0x00]].concat());
            let spki = der(0x30, &[algorithm, der(0x03, &bit_string)].concat());
            let body = base64(&spki);
            let lines: Vec<&str> = body
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                lines.join("\n")
            )
        }

        /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
        pub fn sign(&self, message: &[u8]) -> Vec<u8> {
            let mod_bits = self.bits();
            let em_bits = mod_bits - 1;
            let em_len = em_bits.div_ceil(8);
            let salt = Sha256::digest(b"hostile test salt");
            let m_hash = Sha256::digest(message);
            let h = Sha256::new()
                .chain_update([0u8; 8])
                .chain_update(m_hash)
                .chain_update(salt)
                .finalize();
            let mut db = vec![0u8; em_len - 32 - 32 - 2];
            db.push(1);
            db.extend_from_slice(&salt);
            let mut mask = Vec::new();
            let mut counter = 0u32;
            while mask.len() < db.len() {
                mask.extend_from_slice(
                    &Sha256::new()
                        .chain_update(h)
                        .chain_update(counter.to_be_bytes())
                        .finalize(),
                );
                counter += 1;
            }
            for (d, m) in db.iter_mut().zip(mask) {
                *d ^= m;
            }
            db[0] &= 0xFF >> (8 * em_len - em_bits);
            let mut em = db;
            em.extend_from_slice(&h);
            em.push(0xbc);
            let m = BigUint::from_bytes_be(&em);
            let mut s = BigUint::from(0u32);
            for ((p, d), c) in self
                .primes
                .iter()
                .zip(&self.exponents)
                .zip(&self.coefficients)
            {
                s += (&m % p).modpow(d, p) * c;
            }
            let s = s % &self.n;
            let bytes = s.to_bytes_be();
            let mut out = vec![0u8; mod_bits.div_ceil(8) - bytes.len()];
            out.extend_from_slice(&bytes);
            out
        }
    }
}

/// Root v2 making `key` the timestamp key, and the fixture's timestamp
/// signed by it.
fn rsa_timestamp(key: &multi_prime_rsa::Key) -> HashMap<String, Vec<u8>> {
    let pem = key.pem();
    let keyid = hex::encode(Sha256::digest(pem.as_bytes()));
    let root = root_release(2, |signed| {
        signed["keys"][&keyid] =
            json!({"keytype": "rsa", "scheme": "rsassa-pss-sha256", "keyval": {"public": pem}});
        signed["roles"]["timestamp"]["keyids"] = json!([keyid]);
    });
    let mut timestamp = fixture_doc("timestamp.json");
    let canonical = tuf_core::json::canonicalize_value(&timestamp["signed"]).unwrap();
    timestamp["signatures"] = json!([{"keyid": keyid, "sig": hex::encode(key.sign(&canonical))}]);
    HashMap::from([
        ("2.root.json".to_string(), root),
        ("timestamp.json".to_string(), to_bytes(&timestamp)),
    ])
}

#[test]
fn rsa_keys_up_to_16384_bits_are_accepted_and_larger_ones_refused() {
    use tuf_core::crypto::{KeyError, VerifyingKey, RSA_MAX_BITS};
    let t = Instant::now();
    let key = multi_prime_rsa::generate(RSA_MAX_BITS, 1);
    let larger = multi_prime_rsa::generate(RSA_MAX_BITS + 1, 2);
    eprintln!("generated two multi-prime RSA keys in {:?}", t.elapsed());
    assert_eq!((key.bits(), larger.bits()), (16_384, 16_385));

    // The verifier on its own.
    let v = VerifyingKey::from_tuf("rsa", "rsassa-pss-sha256", &key.pem()).unwrap();
    assert!(v.verify(b"message", &key.sign(b"message")));
    assert!(!v.verify(b"other", &key.sign(b"message")));
    assert!(matches!(
        VerifyingKey::from_tuf("rsa", "rsassa-pss-sha256", &larger.pem()),
        Err(KeyError::Unsupported(m)) if m.contains("16385 bits")
    ));

    // Through a refresh: root v2 rotates the timestamp key to the 16,384
    // bit key, and the timestamp it signs is accepted.
    let mut u = mem_client(rsa_timestamp(&key));
    let t = Instant::now();
    let report = u.refresh(ref_time()).unwrap();
    eprintln!("refresh with a 16,384-bit timestamp key: {:?}", t.elapsed());
    assert_eq!((report.root_version, report.timestamp_version), (2, 2));

    // With 16,385 bits the key never counts: root v2 is kept (it is
    // valid), the timestamp it would sign is refused.
    let mut u = mem_client(rsa_timestamp(&larger));
    assert_kind(u.refresh(ref_time()), ErrorKind::SignatureThreshold);
    assert_eq!(stored_roles(u.store()), ["root"]);
    assert_eq!(version_of(&u.store().files["root"]), Some(2));
}
