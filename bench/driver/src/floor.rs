//! The floor: what the primitives cost on this machine, and the least work
//! any client must do in each scenario.
//!
//! A scenario's floor is, for each metadata file it must verify (once):
//! one strict parse + canonicalisation of the file (tuf_core's one-pass
//! validator/canonicaliser, the cheapest parse we have), one ed25519
//! verification per required signature (threshold, over the real canonical
//! bytes, so the signature's own SHA-512 of the message is included), the
//! hash of the file where the referring metadata lists one (not in this
//! repository: snapshot and timestamp list versions only); and sha256
//! followed by sha512 over the archives it verifies. Each primitive is the
//! fastest implementation measured here (RustCrypto, ring, OpenSSL), as
//! the minimum over several passes. Process start-up, I/O and building
//! lookup structures are not part of the floor.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{best_of, die, load_workload};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One metadata file as the floor sees it.
struct MetaFile {
    name: String,
    bytes: Vec<u8>,
    canonical: Vec<u8>,
    /// (public key, signature) for the signatures a client must check.
    required: Vec<([u8; 32], [u8; 64])>,
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())))
}

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s)
        .ok()
        .and_then(|v| v.try_into().ok())
        .unwrap_or_else(|| die("bad key"))
}

fn hex64(s: &str) -> [u8; 64] {
    hex::decode(s)
        .ok()
        .and_then(|v| v.try_into().ok())
        .unwrap_or_else(|| die("bad signature"))
}

/// Public keys by keyid from a `keys` object.
fn keys_of(keys: &Value) -> Vec<(String, [u8; 32])> {
    keys.as_object()
        .map(|m| {
            m.iter()
                .map(|(id, k)| {
                    (
                        id.clone(),
                        hex32(k["keyval"]["public"].as_str().unwrap_or("")),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn load(path: &Path, keys: &[(String, [u8; 32])], threshold: usize) -> MetaFile {
    let bytes = read(path);
    let canonical = tuf_core::json::canonical_signed(&bytes)
        .unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
    let doc: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| die(&e.to_string()));
    let mut required = Vec::new();
    for sig in doc["signatures"].as_array().into_iter().flatten() {
        let keyid = sig["keyid"].as_str().unwrap_or("");
        if let Some((_, key)) = keys.iter().find(|(id, _)| id == keyid) {
            if required.len() < threshold {
                required.push((*key, hex64(sig["sig"].as_str().unwrap_or(""))));
            }
        }
    }
    if required.len() < threshold {
        die(&format!(
            "{}: fewer than {threshold} known signatures",
            path.display()
        ));
    }
    MetaFile {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        bytes,
        canonical,
        required,
    }
}

fn verify_dalek(f: &MetaFile) {
    for (key, sig) in &f.required {
        let k = ed25519_dalek::VerifyingKey::from_bytes(key).expect("key");
        let s = ed25519_dalek::Signature::from_bytes(sig);
        assert!(
            k.verify_strict(&f.canonical, &s).is_ok(),
            "{}: bad signature",
            f.name
        );
    }
}

fn verify_ring(f: &MetaFile) {
    for (key, sig) in &f.required {
        let k = ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, key);
        assert!(
            k.verify(&f.canonical, sig).is_ok(),
            "{}: bad signature",
            f.name
        );
    }
}

/// Floor of one set of metadata files, with its parts.
fn meta_floor(files: &[&MetaFile], reps: usize) -> Value {
    let canon = best_of(reps, || {
        for f in files {
            std::hint::black_box(tuf_core::json::canonical_signed(&f.bytes).unwrap());
        }
    });
    let dalek = best_of(reps, || files.iter().for_each(|f| verify_dalek(f)));
    let ring_t = best_of(reps, || files.iter().for_each(|f| verify_ring(f)));
    let sigs = best_of(reps, || ()).max(dalek.min(ring_t));
    // For reference: a generic serde_json tree of the same files, and what
    // the core's typed parsing costs on top of the canonical pass.
    let serde_value = best_of(reps, || {
        for f in files {
            std::hint::black_box(serde_json::from_slice::<Value>(&f.bytes).unwrap());
        }
    });
    let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
    let signatures: usize = files.iter().map(|f| f.required.len()).sum();
    json!({
        "files": files.len(),
        "bytes": bytes,
        "signatures": signatures,
        "canonicalise_ms": ms(canon),
        "signatures_ms": ms(sigs),
        "ed25519_dalek_ms": ms(dalek),
        "ed25519_ring_ms": ms(ring_t),
        "serde_value_parse_ms": ms(serde_value),
        "floor_ms": ms(canon + sigs),
    })
}

/// sha256 then sha512 over the archives in memory, 256 kB chunk by
/// chunk: the fastest of sha2, ring and OpenSSL.
fn hash_floor(buffers: &[Vec<u8>], reps: usize) -> Value {
    use crate::hashes::{memory_both, Imp};
    let total: usize = buffers.iter().map(|b| b.len()).sum();
    let sha2_t = best_of(reps, || memory_both(buffers, Imp::Sha2));
    let ring_t = best_of(reps, || memory_both(buffers, Imp::Ring));
    let ossl_t = best_of(reps, || memory_both(buffers, Imp::OpenSsl));
    let best = ring_t.min(sha2_t).min(ossl_t);
    json!({
        "bytes": total,
        "sha2_ms": ms(sha2_t),
        "ring_ms": ms(ring_t),
        "openssl_ms": ms(ossl_t),
        "floor_ms": ms(best),
        "MBps": total as f64 / best.as_secs_f64() / 1e6,
    })
}

pub fn run(repo: &Path, repeat: Option<&String>) {
    let reps: usize = repeat.and_then(|r| r.parse().ok()).unwrap_or(7);
    let workload = load_workload(repo);
    let m1 = repo.join("state1/metadata");
    let m2 = repo.join("state2/metadata");

    let root_doc: Value = serde_json::from_slice(&read(&repo.join("root.json"))).unwrap();
    let root_keys = keys_of(&root_doc["signed"]["keys"]);
    let root_threshold = root_doc["signed"]["roles"]["root"]["threshold"]
        .as_u64()
        .unwrap() as usize;
    let root = load(&repo.join("root.json"), &root_keys, root_threshold);
    let targets = load(&m1.join("targets.json"), &root_keys, 1);
    let targets_doc: Value = serde_json::from_slice(&targets.bytes).unwrap();
    let bin_keys = keys_of(&targets_doc["signed"]["delegations"]["keys"]);
    let ts1 = load(&m1.join("timestamp.json"), &root_keys, 1);
    let snap1 = load(&m1.join("snapshot.json"), &root_keys, 1);
    let ts2 = load(&m2.join("timestamp.json"), &root_keys, 1);
    let snap2 = load(&m2.join("snapshot.json"), &root_keys, 1);
    let bins1: Vec<MetaFile> = workload
        .bin_names_touched
        .iter()
        .map(|b| load(&m1.join(format!("{b}.json")), &bin_keys, 1))
        .collect();
    let bins2: Vec<MetaFile> = workload
        .bin_names_touched
        .iter()
        .map(|b| load(&m2.join(format!("{b}.json")), &bin_keys, 1))
        .collect();

    // Cold and warm verify the same files once each (a warm client
    // re-checks its cached copies; the timestamp it fetches is
    // byte-identical to the cached one, so it needs checking only once).
    let mut cold: Vec<&MetaFile> = vec![&root, &ts1, &snap1, &targets];
    cold.extend(bins1.iter());
    // Update: the cached timestamp and snapshot are the rollback baseline
    // and must be checked, then the new ones; unchanged bins from the
    // cache, changed ones as fetched.
    let mut update: Vec<&MetaFile> = vec![&root, &ts1, &ts2, &snap1, &snap2, &targets];
    update.extend(bins2.iter());

    let archives: Vec<Vec<u8>> = workload
        .archives
        .iter()
        .map(|a| read(&repo.join(PathBuf::from(&a.file))))
        .collect();

    let cold_meta = meta_floor(&cold, reps);
    let update_meta = meta_floor(&update, reps);
    let hash = hash_floor(&archives, reps.min(5));

    // Primitive unit costs.
    let small = MetaFile {
        name: "timestamp".into(),
        bytes: ts1.bytes.clone(),
        canonical: ts1.canonical.clone(),
        required: ts1.required.clone(),
    };
    let n = 200;
    let dalek_one = best_of(reps, || (0..n).for_each(|_| verify_dalek(&small))) / n;
    let ring_one = best_of(reps, || (0..n).for_each(|_| verify_ring(&small))) / n;
    let bins_bytes: usize = bins1.iter().map(|b| b.bytes.len()).sum();
    let canon_bins = best_of(reps, || {
        for f in &bins1 {
            std::hint::black_box(tuf_core::json::canonical_signed(&f.bytes).unwrap());
        }
    });
    let core_parse_bins = best_of(reps, || {
        for f in &bins1 {
            std::hint::black_box(tuf_core::metadata::parse_targets(&f.bytes, "bin").unwrap());
        }
    });
    // For reference beside tuf-core's parse (whose targets roles are now
    // validated spans, decoded per lookup): the canonical pass plus a bare
    // borrowed index of target name -> raw JSON entry, with no checks.
    #[derive(serde::Deserialize)]
    struct LazySigned<'a> {
        #[serde(borrow)]
        targets: std::collections::HashMap<&'a str, &'a serde_json::value::RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct LazyEnvelope<'a> {
        #[serde(borrow)]
        signed: LazySigned<'a>,
    }
    let lazy_bins = best_of(reps, || {
        for f in &bins1 {
            std::hint::black_box(tuf_core::json::canonical_signed(&f.bytes).unwrap());
            let env: LazyEnvelope<'_> = serde_json::from_slice(&f.bytes).unwrap();
            std::hint::black_box(env.signed.targets.len());
        }
    });
    let core_parse_targets = best_of(reps, || {
        std::hint::black_box(tuf_core::metadata::parse_targets(&targets.bytes, "targets").unwrap());
    });
    let canon_targets = best_of(reps, || {
        std::hint::black_box(tuf_core::json::canonical_signed(&targets.bytes).unwrap());
    });

    let f = |v: &Value| v["floor_ms"].as_f64().unwrap();
    let out = json!({
        "primitives": {
            "ed25519_verify_us_small": {"dalek": dalek_one.as_secs_f64() * 1e6, "ring": ring_one.as_secs_f64() * 1e6},
            "canonicalise_MBps": bins_bytes as f64 / canon_bins.as_secs_f64() / 1e6,
            "core_parse_targets_MBps": bins_bytes as f64 / core_parse_bins.as_secs_f64() / 1e6,
            "core_parse_bins_ms": ms(core_parse_bins),
            "canonicalise_bins_ms": ms(canon_bins),
            "canonicalise_and_lazy_index_bins_ms": ms(lazy_bins),
            "core_parse_top_targets_ms": ms(core_parse_targets),
            "canonicalise_top_targets_ms": ms(canon_targets),
            "sha256_then_sha512_MBps": hash["MBps"],
        },
        "parts": {"cold_meta": cold_meta, "update_meta": update_meta, "hash": hash},
        "floors_ms": {
            "cold_meta": f(&cold_meta),
            "warm_meta": f(&cold_meta),
            "update_meta": f(&update_meta),
            "hash": f(&hash),
            "cold": f(&cold_meta) + f(&hash),
            "warm": f(&cold_meta) + f(&hash),
            "update": f(&update_meta),
        },
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
