//! The test keys of `tests/fixtures/generate.py`, rebuilt in Rust, so that
//! tests and fuzz targets can edit fixture metadata and sign it again with
//! the very keys python-tuf used: the hostile property is then the only
//! thing wrong with it.
//!
//! generate.py derives every key from its name: the ed25519 seed of the key
//! called `name` is `SHAKE-256("tuf-core test fixture key: " + name)`, 32
//! bytes (`_secret(name)`). SHAKE-256 is written out below (Keccak-f[1600],
//! FIPS 202) because no crate of the workspace ships it.
//!
//! Shared source: the test kit compiles it as `tuf_testkit::keys`, and the
//! fuzz crate (its own workspace) includes it by `#[path]`. It needs only
//! `ed25519-dalek`, `sha2`, `hex`, `serde_json` and `tuf-core`.
#![allow(dead_code)]

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];
const ROTATIONS: [u32; 24] = [
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
];
const PI_LANES: [usize; 24] = [
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
];

fn keccak_f(state: &mut [u64; 25]) {
    for rc in ROUND_CONSTANTS {
        let mut c = [0u64; 5];
        for (x, cx) in c.iter_mut().enumerate() {
            *cx = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                state[5 * y + x] ^= d;
            }
        }
        let mut carried = state[1];
        for (i, &lane) in PI_LANES.iter().enumerate() {
            let next = state[lane];
            state[lane] = carried.rotate_left(ROTATIONS[i]);
            carried = next;
        }
        for y in 0..5 {
            let row: [u64; 5] = std::array::from_fn(|x| state[5 * y + x]);
            for x in 0..5 {
                state[5 * y + x] = row[x] ^ (!row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        state[0] ^= rc;
    }
}

/// SHAKE-256 of `input`, `out_len` bytes.
pub fn shake256(input: &[u8], out_len: usize) -> Vec<u8> {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let xor_byte = |state: &mut [u64; 25], i: usize, b: u8| {
        state[i / 8] ^= u64::from(b) << (8 * (i % 8));
    };
    let mut blocks = input.chunks_exact(RATE);
    for block in &mut blocks {
        for (i, &b) in block.iter().enumerate() {
            xor_byte(&mut state, i, b);
        }
        keccak_f(&mut state);
    }
    let rest = blocks.remainder();
    for (i, &b) in rest.iter().enumerate() {
        xor_byte(&mut state, i, b);
    }
    xor_byte(&mut state, rest.len(), 0x1f);
    xor_byte(&mut state, RATE - 1, 0x80);
    let mut out = Vec::with_capacity(out_len);
    loop {
        keccak_f(&mut state);
        for i in 0..RATE {
            if out.len() == out_len {
                return out;
            }
            out.push((state[i / 8] >> (8 * (i % 8))) as u8);
        }
    }
}

/// generate.py's `_secret(name)`.
pub fn secret(name: &str) -> [u8; 32] {
    let bytes = shake256(format!("tuf-core test fixture key: {name}").as_bytes(), 32);
    bytes.try_into().expect("32 bytes")
}

/// An ed25519 fixture key (generate.py's `ed25519_key(name)`).
#[derive(Clone)]
pub struct FixtureKey {
    signing: SigningKey,
    keyid: String,
}

impl FixtureKey {
    pub fn ed25519(name: &str) -> FixtureKey {
        FixtureKey::from_seed(secret(name))
    }

    pub fn from_seed(seed: [u8; 32]) -> FixtureKey {
        let signing = SigningKey::from_bytes(&seed);
        let mut key = FixtureKey {
            signing,
            keyid: String::new(),
        };
        // securesystemslib's keyid: sha256 of the canonical key dict.
        let canonical = tuf_core::json::canonicalize_value(&key.key_json()).expect("key dict");
        key.keyid = hex::encode(Sha256::digest(canonical));
        key
    }

    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().as_bytes())
    }

    /// The key as listed in root or delegations.
    pub fn key_json(&self) -> Value {
        json!({
            "keytype": "ed25519",
            "scheme": "ed25519",
            "keyval": {"public": self.public_hex()},
        })
    }

    /// Hex signature of `message`.
    pub fn sign_hex(&self, message: &[u8]) -> String {
        hex::encode(self.signing.sign(message).to_bytes())
    }

    /// A signature entry over the canonical form of `signed`.
    pub fn signature(&self, signed: &Value) -> Value {
        let canonical = tuf_core::json::canonicalize_value(signed).expect("canonical signed");
        json!({"keyid": self.keyid, "sig": self.sign_hex(&canonical)})
    }
}

/// Replaces the signatures of a metadata document by one from each key.
pub fn resign(doc: &mut Value, keys: &[&FixtureKey]) {
    let canonical = tuf_core::json::canonicalize_value(&doc["signed"]).expect("canonical signed");
    let sigs: Vec<Value> = keys
        .iter()
        .map(|k| json!({"keyid": k.keyid, "sig": k.sign_hex(&canonical)}))
        .collect();
    doc["signatures"] = Value::Array(sigs);
}

/// Compact JSON bytes of a document (object keys come out sorted).
pub fn to_bytes(doc: &Value) -> Vec<u8> {
    serde_json::to_vec(doc).expect("serialise")
}

/// The fixture key that signs `role` in generate.py's `attacks` repository.
pub fn attacks_key(role: &str) -> FixtureKey {
    let name = match role {
        "root" => "attacks/root-1".to_string(),
        other => format!("attacks/{other}"),
    };
    FixtureKey::ed25519(&name)
}
