//! Hashing throughput of the candidates, on the workload's archives held
//! in memory (no I/O), and of tuf_core's own file check (with I/O from the
//! page cache): MB/s wall, and CPU time for the two-thread variant.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::floor::best_of;
use crate::{cpu_time, load_workload};

const CHUNK: usize = 256 * 1024;

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

/// sha256 on this thread and sha512 on a second one, over the same
/// chunks: the worker gets each chunk as it would come from a read.
fn parallel_ring(buffers: &[Vec<u8>]) {
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Option<&[u8]>>(4);
        let worker = s.spawn(move || {
            let mut ctx = ring::digest::Context::new(&ring::digest::SHA512);
            let mut n = 0;
            while let Ok(msg) = rx.recv() {
                match msg {
                    Some(chunk) => ctx.update(chunk),
                    None => {
                        std::hint::black_box(ctx.finish());
                        ctx = ring::digest::Context::new(&ring::digest::SHA512);
                        n += 1;
                    }
                }
            }
            n
        });
        for b in buffers {
            let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
            for chunk in b.chunks(CHUNK) {
                tx.send(Some(chunk)).unwrap();
                ctx.update(chunk);
            }
            tx.send(None).unwrap();
            std::hint::black_box(ctx.finish());
        }
        drop(tx);
        worker.join().unwrap();
    });
}

pub fn run(repo: &Path, repeat: Option<&String>) {
    use sha2::Digest;
    let reps: usize = repeat.and_then(|r| r.parse().ok()).unwrap_or(5);
    let workload = load_workload(repo);
    let buffers: Vec<Vec<u8>> = workload
        .archives
        .iter()
        .map(|a| std::fs::read(repo.join(&a.file)).expect("archive"))
        .collect();
    let total: usize = buffers.iter().map(|b| b.len()).sum();
    let chunked = |f: &dyn Fn(&[u8])| {
        for b in &buffers {
            for c in b.chunks(CHUNK) {
                f(c);
            }
        }
    };

    let sha2_256 = best_of(reps, || {
        for b in &buffers {
            let mut h = sha2::Sha256::new();
            b.chunks(CHUNK).for_each(|c| h.update(c));
            std::hint::black_box(h.finalize());
        }
    });
    let sha2_512 = best_of(reps, || {
        for b in &buffers {
            let mut h = sha2::Sha512::new();
            b.chunks(CHUNK).for_each(|c| h.update(c));
            std::hint::black_box(h.finalize());
        }
    });
    let ring_256 = best_of(reps, || {
        for b in &buffers {
            let mut h = ring::digest::Context::new(&ring::digest::SHA256);
            b.chunks(CHUNK).for_each(|c| h.update(c));
            std::hint::black_box(h.finish());
        }
    });
    let ring_512 = best_of(reps, || {
        for b in &buffers {
            let mut h = ring::digest::Context::new(&ring::digest::SHA512);
            b.chunks(CHUNK).for_each(|c| h.update(c));
            std::hint::black_box(h.finish());
        }
    });
    let _ = chunked;
    let ossl = |md: fn() -> openssl::hash::MessageDigest| {
        best_of(reps, || {
            for b in &buffers {
                let mut h = openssl::hash::Hasher::new(md()).unwrap();
                b.chunks(CHUNK).for_each(|c| h.update(c).unwrap());
                std::hint::black_box(h.finish().unwrap());
            }
        })
    };
    let ossl_256 = ossl(openssl::hash::MessageDigest::sha256);
    let ossl_512 = ossl(openssl::hash::MessageDigest::sha512);
    // tuf_core's Verifier (both hashes per chunk), in memory.
    let core_mem = best_of(reps, || {
        for (b, a) in buffers.iter().zip(&workload.archives) {
            let hashes = vec![
                ("sha256".to_string(), a.sha256.clone()),
                ("sha512".to_string(), a.sha512.clone()),
            ];
            let exp = tuf_core::hashing::Expected { length: a.length, hashes: &hashes };
            tuf_core::hashing::verify_reader(&a.target, exp, &mut &b[..]).unwrap();
        }
    });
    // tuf_core's file check as the clients call it (page-cache reads).
    let core_file = best_of(reps, || {
        for a in &workload.archives {
            let info = tuf_core::delegation::TargetInfo {
                path: a.target.clone(),
                length: a.length,
                hashes: vec![
                    ("sha256".into(), a.sha256.clone()),
                    ("sha512".into(), a.sha512.clone()),
                ],
                custom: None,
                role: String::new(),
            };
            tuf_core::download::verify_file(&repo.join(&a.file), &info).unwrap();
        }
    });
    let mut par_cpu = Duration::MAX;
    let par = best_of(reps, || {
        let c = cpu_time();
        parallel_ring(&buffers);
        par_cpu = par_cpu.min(cpu_time() - c);
    });
    // The same 256 kB buffer over and over, as `openssl speed -bytes
    // 262144` measures (stays in L2): separates the hash code from memory.
    let hot = &buffers[0][..CHUNK.min(buffers[0].len())];
    let rounds = total / hot.len();
    let hot_total = rounds * hot.len();
    let hot_of = |alg: &'static ring::digest::Algorithm| {
        best_of(reps, || {
            for _ in 0..rounds {
                std::hint::black_box(ring::digest::digest(alg, hot));
            }
        })
    };
    let hot_256 = hot_of(&ring::digest::SHA256);
    let hot_512 = hot_of(&ring::digest::SHA512);
    let hot_sha2_256 = best_of(reps, || {
        for _ in 0..rounds {
            std::hint::black_box(sha2::Sha256::digest(hot));
        }
    });
    let hot_sha2_512 = best_of(reps, || {
        for _ in 0..rounds {
            std::hint::black_box(sha2::Sha512::digest(hot));
        }
    });
    let hot_ossl = |md: fn() -> openssl::hash::MessageDigest| {
        best_of(reps, || {
            for _ in 0..rounds {
                std::hint::black_box(openssl::hash::hash(md(), hot).unwrap());
            }
        })
    };
    let hot_ossl_256 = hot_ossl(openssl::hash::MessageDigest::sha256);
    let hot_ossl_512 = hot_ossl(openssl::hash::MessageDigest::sha512);
    let t = Instant::now();
    let _ = t;
    let out = json!({
        "bytes": total,
        "chunk": CHUNK,
        "MBps": {
            "sha2_sha256": mbps(total, sha2_256),
            "sha2_sha512": mbps(total, sha2_512),
            "sha2_sha256_then_sha512": mbps(total, sha2_256 + sha2_512),
            "ring_sha256": mbps(total, ring_256),
            "ring_sha512": mbps(total, ring_512),
            "ring_sha256_then_sha512": mbps(total, ring_256 + ring_512),
            "core_verifier_memory": mbps(total, core_mem),
            "core_verify_file": mbps(total, core_file),
            "ring_two_threads_wall": mbps(total, par),
            "hot_256k_ring_sha256": mbps(hot_total, hot_256),
            "hot_256k_ring_sha512": mbps(hot_total, hot_512),
            "hot_256k_sha2_sha256": mbps(hot_total, hot_sha2_256),
            "hot_256k_sha2_sha512": mbps(hot_total, hot_sha2_512),
            "hot_256k_openssl_sha256": mbps(hot_total, hot_ossl_256),
            "hot_256k_openssl_sha512": mbps(hot_total, hot_ossl_512),
            "openssl_sha256": mbps(total, ossl_256),
            "openssl_sha512": mbps(total, ossl_512),
            "openssl_sha256_then_sha512": mbps(total, ossl_256 + ossl_512),
        },
        "ms": {
            "sha2_sha256": sha2_256.as_secs_f64() * 1e3,
            "sha2_sha512": sha2_512.as_secs_f64() * 1e3,
            "ring_sha256": ring_256.as_secs_f64() * 1e3,
            "ring_sha512": ring_512.as_secs_f64() * 1e3,
            "core_verifier_memory": core_mem.as_secs_f64() * 1e3,
            "core_verify_file": core_file.as_secs_f64() * 1e3,
            "ring_two_threads_wall": par.as_secs_f64() * 1e3,
            "ring_two_threads_cpu": par_cpu.as_secs_f64() * 1e3,
        },
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
