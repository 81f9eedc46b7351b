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

use crate::common::{cpu_time, load_workload};

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

/// One measured variant: its minimum wall and CPU time over the rounds.
struct Variant<'a> {
    name: String,
    f: Box<dyn FnMut() + 'a>,
    wall: Duration,
    cpu: Duration,
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
    // Warm the page cache.
    files_pass(&files, Imp::Ring, &[], &mut vec![0u8; CHUNK]);

    let hot: Vec<u8> = std::fs::read(&files[0]).unwrap()[..CHUNK].to_vec();
    let rounds = 200;
    let hot_total = rounds * CHUNK;
    let core_pass = |parallel: bool| {
        tuf_core::hashing::set_parallel(parallel);
        for a in &workload.archives {
            tuf_io::download::verify_file(&repo.join(&a.file), &a.target_info()).unwrap();
        }
    };

    // Every variant runs once per round, rounds interleave them, so a
    // burst of load elsewhere does not hit one variant only.
    let mut variants: Vec<Variant<'_>> = Vec::new();
    fn add<'a>(variants: &mut Vec<Variant<'a>>, name: String, f: Box<dyn FnMut() + 'a>) {
        variants.push(Variant {
            name,
            f,
            wall: Duration::MAX,
            cpu: Duration::MAX,
        })
    }
    for imp in [Imp::Sha2, Imp::Ring, Imp::OpenSsl] {
        for bits in [256, 512] {
            let hot = &hot;
            add(
                &mut variants,
                format!("hot {} {bits}", imp.name()),
                Box::new(move || {
                    for _ in 0..rounds {
                        let mut h = imp.start(bits);
                        h.update(hot);
                        std::hint::black_box(h.finish());
                    }
                }),
            );
        }
        let files = &files;
        let mut buf = vec![0u8; CHUNK];
        add(
            &mut variants,
            format!("read {}", imp.name()),
            Box::new(move || files_pass(files, imp, &[], &mut buf)),
        );
        let mut buf = vec![0u8; CHUNK];
        add(
            &mut variants,
            format!("both {}", imp.name()),
            Box::new(move || files_pass(files, imp, &[256, 512], &mut buf)),
        );
        add(
            &mut variants,
            format!("two {}", imp.name()),
            Box::new(move || files_two_threads(files, imp)),
        );
    }
    let core_pass = &core_pass;
    add(
        &mut variants,
        "core one".into(),
        Box::new(move || core_pass(false)),
    );
    add(
        &mut variants,
        "core two".into(),
        Box::new(move || core_pass(true)),
    );
    for _ in 0..reps {
        for v in variants.iter_mut() {
            let (c, t) = (cpu_time(), std::time::Instant::now());
            (v.f)();
            v.wall = v.wall.min(t.elapsed());
            v.cpu = v.cpu.min(cpu_time() - c);
        }
    }
    tuf_core::hashing::set_parallel(true);
    let get = |name: &str| {
        let v = variants.iter().find(|v| v.name == name).unwrap();
        (v.wall, v.cpu)
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;

    let mut hot_out = Map::new();
    let mut file_out = Map::new();
    for imp in [Imp::Sha2, Imp::Ring, Imp::OpenSsl] {
        let n = imp.name();
        let a = mbps(hot_total, get(&format!("hot {n} 256")).0);
        let b = mbps(hot_total, get(&format!("hot {n} 512")).0);
        hot_out.insert(format!("{n}_sha256"), json!(a));
        hot_out.insert(format!("{n}_sha512"), json!(b));
        hot_out.insert(
            format!("{n}_sha256_then_sha512"),
            json!(1.0 / (1.0 / a + 1.0 / b)),
        );
        let (read_only, _) = get(&format!("read {n}"));
        let (both, both_cpu) = get(&format!("both {n}"));
        let (par, par_cpu) = get(&format!("two {n}"));
        file_out.insert(
            n.to_string(),
            json!({
                "read_only_ms": ms(read_only),
                "sha256_then_sha512_ms": ms(both),
                "sha256_then_sha512_cpu_ms": ms(both_cpu),
                "sha256_then_sha512_MBps": mbps(total, both),
                "two_threads_wall_ms": ms(par),
                "two_threads_cpu_ms": ms(par_cpu),
                "two_threads_MBps": mbps(total, par),
            }),
        );
    }
    let (one, one_cpu) = get("core one");
    let (two, two_cpu) = get("core two");
    let out: Value = json!({
        "bytes": total,
        "chunk": CHUNK,
        "rounds": reps,
        "hot_MBps": hot_out,
        "files": file_out,
        "core_verify_file": {
            "one_thread_wall_ms": ms(one),
            "one_thread_cpu_ms": ms(one_cpu),
            "one_thread_MBps": mbps(total, one),
            "two_threads_wall_ms": ms(two),
            "two_threads_cpu_ms": ms(two_cpu),
            "two_threads_MBps": mbps(total, two),
        },
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
