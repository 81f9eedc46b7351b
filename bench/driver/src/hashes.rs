//! Hashing throughput of the candidates for checking archives.
//!
//! - "hot": one 256 kB buffer hashed over and over (it stays in L2), as
//!   `openssl speed -evp sha256 -bytes 262144` measures: the hash code alone.
//! - "file": what verifying the workload's archives costs: each file read
//!   from the page cache in 256 kB chunks, each chunk fed to sha256 then
//!   sha512 (while it is still in cache), as tuf_core's Verifier does.
//!   OpenSSL here is the system libcrypto that PHP links, through EVP.
//! - "two threads": sha512 on a second thread over the same chunks while
//!   this thread reads and does sha256; wall and CPU time.
//! - tuf_core's own file check (`download::verify_file`), whatever backend
//!   core/src/hashing.rs uses, with its two-thread mode off and on.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::common::{best_of, cpu_time, load_workload};

const CHUNK: usize = 256 * 1024;

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

/// A streaming hash: sha256 or sha512 of one implementation.
trait Stream {
    fn update(&mut self, data: &[u8]);
    fn finish(self: Box<Self>) -> Vec<u8>;
}

struct Sha2_256(sha2::Sha256);
struct Sha2_512(sha2::Sha512);
struct Ring(ring::digest::Context);

struct Ossl(openssl::hash::Hasher);

impl Stream for Sha2_256 {
    fn update(&mut self, d: &[u8]) {
        sha2::Digest::update(&mut self.0, d)
    }
    fn finish(self: Box<Self>) -> Vec<u8> {
        sha2::Digest::finalize(self.0).to_vec()
    }
}
impl Stream for Sha2_512 {
    fn update(&mut self, d: &[u8]) {
        sha2::Digest::update(&mut self.0, d)
    }
    fn finish(self: Box<Self>) -> Vec<u8> {
        sha2::Digest::finalize(self.0).to_vec()
    }
}
impl Stream for Ring {
    fn update(&mut self, d: &[u8]) {
        self.0.update(d)
    }
    fn finish(self: Box<Self>) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}
impl Stream for Ossl {
    fn update(&mut self, d: &[u8]) {
        self.0.update(d).unwrap()
    }
    fn finish(mut self: Box<Self>) -> Vec<u8> {
        self.0.finish().unwrap().to_vec()
    }
}

#[derive(Clone, Copy)]
pub enum Imp {
    Sha2,
    Ring,
    OpenSsl,
}

impl Imp {
    fn name(self) -> &'static str {
        match self {
            Imp::Sha2 => "sha2",
            Imp::Ring => "ring",
            Imp::OpenSsl => "openssl",
        }
    }
    fn start(self, bits: u32) -> Box<dyn Stream> {
        match (self, bits) {
            (Imp::Sha2, 256) => Box::new(Sha2_256(sha2::Digest::new())),
            (Imp::Sha2, _) => Box::new(Sha2_512(sha2::Digest::new())),
            (Imp::Ring, 256) => Box::new(Ring(ring::digest::Context::new(&ring::digest::SHA256))),
            (Imp::Ring, _) => Box::new(Ring(ring::digest::Context::new(&ring::digest::SHA512))),
            (Imp::OpenSsl, 256) => Box::new(Ossl(
                openssl::hash::Hasher::new(openssl::hash::MessageDigest::sha256()).unwrap(),
            )),
            (Imp::OpenSsl, _) => Box::new(Ossl(
                openssl::hash::Hasher::new(openssl::hash::MessageDigest::sha512()).unwrap(),
            )),
        }
    }
}

/// sha256 then sha512 over each buffer, chunk by chunk (each chunk is
/// still in cache for the second hash): no I/O.
pub fn memory_both(buffers: &[Vec<u8>], imp: Imp) {
    for b in buffers {
        let mut h256 = imp.start(256);
        let mut h512 = imp.start(512);
        for c in b.chunks(CHUNK) {
            h256.update(c);
            h512.update(c);
        }
        std::hint::black_box((h256.finish(), h512.finish()));
    }
}

/// Reads each file in chunks and feeds every chunk to the hashes in `bits`.
fn files_pass(files: &[PathBuf], imp: Imp, bits: &[u32], buf: &mut [u8]) {
    for path in files {
        let mut f = File::open(path).unwrap();
        let mut hashers: Vec<Box<dyn Stream>> = bits.iter().map(|&b| imp.start(b)).collect();
        loop {
            let n = f.read(buf).unwrap();
            if n == 0 {
                break;
            }
            for h in hashers.iter_mut() {
                h.update(&buf[..n]);
            }
        }
        for h in hashers {
            std::hint::black_box(h.finish());
        }
    }
}

/// sha256 on this thread, sha512 on a second one (started once), over the
/// same chunks: each chunk goes to the helper as soon as it is read, two
/// buffers take turns, and each file's check waits for its sha512, as a
/// verification must.
fn files_two_threads(files: &[PathBuf], imp: Imp) {
    use std::sync::Arc;
    std::thread::scope(|s| {
        let (to_worker, from_main) = mpsc::sync_channel::<Option<Arc<Vec<u8>>>>(1);
        let (to_main, from_worker) = mpsc::sync_channel::<Arc<Vec<u8>>>(2);
        let (done_tx, done_rx) = mpsc::sync_channel::<Vec<u8>>(1);
        s.spawn(move || {
            let mut h = imp.start(512);
            while let Ok(msg) = from_main.recv() {
                match msg {
                    Some(chunk) => {
                        h.update(&chunk);
                        if to_main.send(chunk).is_err() {
                            return;
                        }
                    }
                    None => {
                        let digest = std::mem::replace(&mut h, imp.start(512)).finish();
                        if done_tx.send(digest).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut spare = vec![Arc::new(vec![0u8; CHUNK]), Arc::new(vec![0u8; CHUNK])];
        for path in files {
            let mut f = File::open(path).unwrap();
            let mut h = imp.start(256);
            loop {
                let mut shared = match spare.pop() {
                    Some(b) => b,
                    None => from_worker.recv().unwrap(),
                };
                let buf = Arc::get_mut(&mut shared).unwrap();
                buf.resize(CHUNK, 0);
                let n = f.read(buf).unwrap();
                if n == 0 {
                    spare.push(shared);
                    break;
                }
                buf.truncate(n);
                to_worker.send(Some(Arc::clone(&shared))).unwrap();
                h.update(&shared);
            }
            to_worker.send(None).unwrap();
            std::hint::black_box(h.finish());
            std::hint::black_box(done_rx.recv().unwrap());
        }
        drop(to_worker);
    });
}

pub fn run(repo: &Path, repeat: Option<&String>) {
    let reps: usize = repeat.and_then(|r| r.parse().ok()).unwrap_or(5);
    let workload = load_workload(repo);
    let files: Vec<PathBuf> = workload
        .archives
        .iter()
        .map(|a| repo.join(&a.file))
        .collect();
    let total: usize = workload.archives.iter().map(|a| a.length as usize).sum();
    let mut buf = vec![0u8; CHUNK];
    // Warm the page cache.
    files_pass(&files, Imp::Ring, &[], &mut buf);

    let hot: Vec<u8> = std::fs::read(&files[0]).unwrap()[..CHUNK].to_vec();
    let rounds = 200;
    let hot_total = rounds * CHUNK;

    let mut hot_out = Map::new();
    let mut file_out = Map::new();
    for imp in [Imp::Sha2, Imp::Ring, Imp::OpenSsl] {
        for bits in [256, 512] {
            let d = best_of(reps, || {
                for _ in 0..rounds {
                    let mut h = imp.start(bits);
                    h.update(&hot);
                    std::hint::black_box(h.finish());
                }
            });
            hot_out.insert(
                format!("{}_sha{bits}", imp.name()),
                json!(mbps(hot_total, d)),
            );
        }
        let read_only = best_of(reps, || files_pass(&files, imp, &[], &mut buf));
        let both = best_of(reps, || files_pass(&files, imp, &[256, 512], &mut buf));
        let mut par_cpu = Duration::MAX;
        let par = best_of(reps, || {
            let c = cpu_time();
            files_two_threads(&files, imp);
            par_cpu = par_cpu.min(cpu_time() - c);
        });
        file_out.insert(
            imp.name().to_string(),
            json!({
                "read_only_ms": read_only.as_secs_f64() * 1e3,
                "sha256_then_sha512_ms": both.as_secs_f64() * 1e3,
                "sha256_then_sha512_MBps": mbps(total, both),
                "two_threads_wall_ms": par.as_secs_f64() * 1e3,
                "two_threads_cpu_ms": par_cpu.as_secs_f64() * 1e3,
                "two_threads_MBps": mbps(total, par),
            }),
        );
    }
    for imp in ["sha2", "ring", "openssl"] {
        let a = hot_out[&format!("{imp}_sha256")].as_f64().unwrap();
        let b = hot_out[&format!("{imp}_sha512")].as_f64().unwrap();
        hot_out.insert(
            format!("{imp}_sha256_then_sha512"),
            json!(1.0 / (1.0 / a + 1.0 / b)),
        );
    }
    let core_pass = || {
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
    };
    let timed = |parallel: bool| {
        tuf_core::hashing::set_parallel(parallel);
        let mut cpu = Duration::MAX;
        let wall = best_of(reps, || {
            let c = cpu_time();
            core_pass();
            cpu = cpu.min(cpu_time() - c);
        });
        (wall, cpu)
    };
    let (core_seq, core_seq_cpu) = timed(false);
    let (core_par, core_par_cpu) = timed(true);
    let out: Value = json!({
        "bytes": total,
        "chunk": CHUNK,
        "hot_MBps": hot_out,
        "files": file_out,
        "core_verify_file": {
            "one_thread_wall_ms": core_seq.as_secs_f64() * 1e3,
            "one_thread_cpu_ms": core_seq_cpu.as_secs_f64() * 1e3,
            "one_thread_MBps": mbps(total, core_seq),
            "two_threads_wall_ms": core_par.as_secs_f64() * 1e3,
            "two_threads_cpu_ms": core_par_cpu.as_secs_f64() * 1e3,
            "two_threads_MBps": mbps(total, core_par),
        },
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
