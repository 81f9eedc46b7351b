//! Public keys and signature verification for the TUF key types that
//! securesystemslib (and so python-tuf and Rugged) produces:
//!
//! | keytype                         | scheme                | public value     | signature   |
//! |---------------------------------|-----------------------|------------------|-------------|
//! | `ed25519`                       | `ed25519`             | hex, 32 bytes    | hex, 64 B   |
//! | `ecdsa`, `ecdsa-sha2-nistp256`  | `ecdsa-sha2-nistp256` | PEM SPKI         | hex DER     |
//! | `rsa`                           | `rsassa-pss-sha256`   | PEM SPKI         | hex         |
//!
//! All code is pure Rust (no system crypto library). The verifier is fixed
//! when the trusted key is parsed; a signature can never choose it.

use std::fmt;

use rsa::pkcs1::der::Decode;
use rsa::BigUint;
use sha2::{Digest, Sha256};

/// (keytype, scheme) pairs this build verifies.
pub const SUPPORTED_SCHEMES: &[(&str, &str)] = &[
    ("ed25519", "ed25519"),
    ("ecdsa", "ecdsa-sha2-nistp256"),
    ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"),
    ("rsa", "rsassa-pss-sha256"),
];

/// RSA moduli accepted, in bits. Below 2048 is too weak; above 16384 only
/// makes each verification slower (a denial-of-service lever).
pub const RSA_MIN_BITS: usize = 2048;
pub const RSA_MAX_BITS: usize = 16384;

/// Why a key cannot be used. Such a key never counts towards a threshold,
/// but does not make the metadata listing it unparseable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    Unsupported(String),
    Malformed(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Unsupported(m) => write!(f, "unsupported key: {m}"),
            KeyError::Malformed(m) => write!(f, "malformed key: {m}"),
        }
    }
}

#[derive(Clone)]
enum Inner {
    Ed25519(ed25519_dalek::VerifyingKey),
    EcdsaP256(p256::ecdsa::VerifyingKey),
    RsaPss { n: BigUint, e: BigUint, bits: usize },
}

/// A parsed public key bound to its signature scheme.
#[derive(Clone)]
pub struct VerifyingKey {
    inner: Inner,
    scheme: &'static str,
    /// Identifies the key material, so the same key listed under two
    /// keyids counts once towards a threshold.
    fingerprint: [u8; 32],
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VerifyingKey({}, {})",
            self.scheme,
            hex::encode(&self.fingerprint[..8])
        )
    }
}

impl VerifyingKey {
    /// Parses the `keytype`, `scheme` and `keyval.public` of a TUF key.
    pub fn from_tuf(keytype: &str, scheme: &str, public: &str) -> Result<VerifyingKey, KeyError> {
        match (keytype, scheme) {
            ("ed25519", "ed25519") => ed25519_key(public),
            ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => ecdsa_key(public),
            ("rsa", "rsassa-pss-sha256") => rsa_key(public),
            _ => Err(KeyError::Unsupported(format!(
                "keytype {keytype:?} with scheme {scheme:?}"
            ))),
        }
    }

    pub fn scheme(&self) -> &'static str {
        self.scheme
    }

    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// True if `signature` is a valid signature of `message`. Any malformed
    /// signature is simply invalid.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.inner {
            Inner::Ed25519(key) => {
                let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                // Strict: rejects small-order keys and non-canonical
                // encodings, so one signature has exactly one valid form.
                key.verify_strict(message, &sig).is_ok()
            }
            Inner::EcdsaP256(key) => {
                use p256::ecdsa::signature::Verifier;
                let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
                    return false;
                };
                key.verify(message, &sig).is_ok()
            }
            Inner::RsaPss { n, e, bits } => {
                rsa_pss_sha256_verify(n, e, *bits, &Sha256::digest(message), signature)
            }
        }
    }
}

fn fingerprint(tag: &str, material: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(tag.as_bytes());
    for part in material {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

fn ed25519_key(public: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = hex::decode(public)
        .map_err(|_| KeyError::Malformed("ed25519 public key is not hex".into()))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| KeyError::Malformed("ed25519 public key is not 32 bytes".into()))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| KeyError::Malformed("ed25519 public key is not a curve point".into()))?;
    Ok(VerifyingKey {
        inner: Inner::Ed25519(key),
        scheme: "ed25519",
        fingerprint: fingerprint("ed25519", &[&bytes]),
    })
}

/// Decodes a PEM `PUBLIC KEY` block (SubjectPublicKeyInfo) to DER.
fn spki_der(public: &str, what: &str) -> Result<Vec<u8>, KeyError> {
    let (label, der) = rsa::pkcs8::der::pem::decode_vec(public.trim().as_bytes())
        .map_err(|e| KeyError::Malformed(format!("{what} public key is not PEM: {e}")))?;
    if label != "PUBLIC KEY" {
        return Err(KeyError::Malformed(format!(
            "{what} public key PEM label is {label:?}, expected \"PUBLIC KEY\""
        )));
    }
    Ok(der)
}

fn ecdsa_key(public: &str) -> Result<VerifyingKey, KeyError> {
    use p256::pkcs8::DecodePublicKey;
    let der = spki_der(public, "ecdsa")?;
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&der)
        .map_err(|e| KeyError::Malformed(format!("ecdsa public key is not a P-256 key: {e}")))?;
    let point = key.to_encoded_point(true);
    Ok(VerifyingKey {
        fingerprint: fingerprint("ecdsa-p256", &[point.as_bytes()]),
        inner: Inner::EcdsaP256(key),
        scheme: "ecdsa-sha2-nistp256",
    })
}

fn rsa_key(public: &str) -> Result<VerifyingKey, KeyError> {
    use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
    const RSA_ENCRYPTION: rsa::pkcs8::ObjectIdentifier =
        rsa::pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    let der = spki_der(public, "rsa")?;
    let spki = SubjectPublicKeyInfoRef::from_der(&der)
        .map_err(|e| KeyError::Malformed(format!("rsa public key is not SPKI: {e}")))?;
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return Err(KeyError::Malformed(format!(
            "rsa public key has algorithm {}",
            spki.algorithm.oid
        )));
    }
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| KeyError::Malformed("rsa public key bit string is unaligned".into()))?;
    // Decoded by hand rather than through RsaPublicKey, whose size limit
    // (4096 bits) is below what TUF repositories may use.
    let pkcs1 = rsa::pkcs1::RsaPublicKey::from_der(bits)
        .map_err(|e| KeyError::Malformed(format!("rsa public key is not PKCS#1: {e}")))?;
    let n_bytes = pkcs1.modulus.as_bytes();
    let e_bytes = pkcs1.public_exponent.as_bytes();
    let n = BigUint::from_bytes_be(n_bytes);
    let e = BigUint::from_bytes_be(e_bytes);
    let modulus_bits = n.bits();
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&modulus_bits) {
        return Err(KeyError::Unsupported(format!(
            "rsa modulus of {modulus_bits} bits (accepted: {RSA_MIN_BITS} to {RSA_MAX_BITS})"
        )));
    }
    let e_ok = e >= BigUint::from(3u32) && e.bits() <= 64 && (&e % 2u32) == BigUint::from(1u32);
    if !e_ok {
        return Err(KeyError::Malformed(
            "rsa public exponent is not an odd number from 3 to 2^64".into(),
        ));
    }
    Ok(VerifyingKey {
        fingerprint: fingerprint("rsa", &[&n.to_bytes_be(), &e.to_bytes_be()]),
        inner: Inner::RsaPss {
            n,
            e,
            bits: modulus_bits,
        },
        scheme: "rsassa-pss-sha256",
    })
}

/// RSASSA-PSS verification (RFC 8017 8.1.2 and 9.1.2) with SHA-256 and
/// MGF1-SHA-256, recovering the salt length from the encoded message:
/// signers differ (securesystemslib has used both the digest length and
/// the maximum), and any salt length is as secure for verification.
fn rsa_pss_sha256_verify(
    n: &BigUint,
    e: &BigUint,
    mod_bits: usize,
    m_hash: &[u8],
    sig: &[u8],
) -> bool {
    const H_LEN: usize = 32;
    let k = mod_bits.div_ceil(8);
    if sig.len() != k {
        return false;
    }
    let s = BigUint::from_bytes_be(sig);
    if &s >= n {
        return false;
    }
    let m = s.modpow(e, n);
    // EMSA-PSS-VERIFY with emBits = modBits - 1.
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    let m_bytes = m.to_bytes_be();
    if m_bytes.len() > em_len {
        return false;
    }
    let mut em = vec![0u8; em_len];
    em[em_len - m_bytes.len()..].copy_from_slice(&m_bytes);
    if em_len < H_LEN + 2 || em[em_len - 1] != 0xbc {
        return false;
    }
    let (masked_db, rest) = em.split_at(em_len - H_LEN - 1);
    let h = &rest[..H_LEN];
    let unused_bits = 8 * em_len - em_bits;
    let top_mask = 0xffu8 >> unused_bits;
    if masked_db[0] & !top_mask != 0 {
        return false;
    }
    let mut db = mgf1_sha256(h, masked_db.len());
    for (d, m) in db.iter_mut().zip(masked_db) {
        *d ^= m;
    }
    db[0] &= top_mask;
    // DB = PS (zeros) || 0x01 || salt
    let Some(one) = db.iter().position(|&b| b != 0) else {
        return false;
    };
    if db[one] != 0x01 {
        return false;
    }
    let salt = &db[one + 1..];
    let mut hasher = Sha256::new();
    hasher.update([0u8; 8]);
    hasher.update(m_hash);
    hasher.update(salt);
    hasher.finalize()[..] == *h
}

fn mgf1_sha256(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(seed);
        h.update(counter.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 test vector 1.
    const ED_PUB: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const ED_SIG: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    #[test]
    fn ed25519_rfc8032_vector() {
        let key = VerifyingKey::from_tuf("ed25519", "ed25519", ED_PUB).unwrap();
        let sig = hex::decode(ED_SIG).unwrap();
        assert!(key.verify(b"", &sig));
        assert!(!key.verify(b"x", &sig));
        assert!(!key.verify(b"", &sig[..63]));
        assert_eq!(key.scheme(), "ed25519");
    }

    #[test]
    fn unsupported_and_malformed_keys() {
        assert!(matches!(
            VerifyingKey::from_tuf("ed448", "ed448", "00"),
            Err(KeyError::Unsupported(_))
        ));
        assert!(matches!(
            VerifyingKey::from_tuf("ed25519", "ecdsa-sha2-nistp256", ED_PUB),
            Err(KeyError::Unsupported(_))
        ));
        assert!(matches!(
            VerifyingKey::from_tuf("ed25519", "ed25519", "zz"),
            Err(KeyError::Malformed(_))
        ));
        assert!(matches!(
            VerifyingKey::from_tuf("ed25519", "ed25519", "abcd"),
            Err(KeyError::Malformed(_))
        ));
        assert!(matches!(
            VerifyingKey::from_tuf(
                "rsa",
                "rsassa-pss-sha256",
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
            ),
            Err(KeyError::Malformed(_))
        ));
        assert!(matches!(
            VerifyingKey::from_tuf("ecdsa", "ecdsa-sha2-nistp256", "not pem"),
            Err(KeyError::Malformed(_))
        ));
    }

    #[test]
    fn same_key_same_fingerprint() {
        let a = VerifyingKey::from_tuf("ed25519", "ed25519", ED_PUB).unwrap();
        let b = VerifyingKey::from_tuf("ed25519", "ed25519", &ED_PUB.to_uppercase()).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn ecdsa_round_trip() {
        use p256::ecdsa::{signature::Signer, SigningKey};
        use p256::pkcs8::{EncodePublicKey, LineEnding};
        let sk = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pem = sk
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let key = VerifyingKey::from_tuf("ecdsa", "ecdsa-sha2-nistp256", &pem).unwrap();
        let sig: p256::ecdsa::Signature = sk.sign(b"message");
        let der = sig.to_der();
        assert!(key.verify(b"message", der.as_bytes()));
        assert!(!key.verify(b"other", der.as_bytes()));
        assert!(!key.verify(b"message", &sig.to_bytes())); // raw r||s is not DER
    }
}
