//! Hostile sizes through the real `HttpFetcher` and the updater: endless
//! metadata and targets in every framing are cut at each role's cap (ours,
//! or the listed length when smaller), listed lengths above our caps are
//! refused before any request, memory stays at one cap, and gzip bodies
//! (bombs included) are never decoded. Each test asserts the error kind,
//! that the client hung up, and what the store or disk holds afterwards.
//! Hostile metadata is attacks/1 re-signed (`tuf_testkit::release`).

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use support::*;
use tuf_core::config::Config;
use tuf_core::error::ErrorKind;

#[test]
fn endless_metadata_is_cut_at_each_roles_cap() {
    for (i, (role, file)) in FETCH_ORDER.iter().enumerate() {
        let cap = fixture_cap(role);
        for framing in FRAMINGS {
            let what = format!("{role} {framing:?}");
            let server = attacks_server(&HashMap::new());
            server.route(&format!("/metadata/{file}"), Reply::endless(framing));
            let mut u = http_client(&server, http_config());
            let t = Instant::now();
            let e = assert_kind(refresh_and_lookup(&mut u, role), ErrorKind::DownloadSize);
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "{what}: {:?}",
                t.elapsed()
            );
            let expected = match framing {
                Framing::Declared => "Content-Length 1099511627776".to_string(),
                _ => format!("limit of {cap} bytes"),
            };
            assert!(e.message().contains(&expected), "{what}: {e}");
            assert_eq!(stored_roles(u.store()), stored_before(i), "{what}");
            assert_eq!(
                u.store().files["root"],
                metadata_file("attacks", "1", "1.root.json")
            );
            assert!(u.trusted().is_none() || *role == "role1", "{what}");
            assert_client_hung_up(&server, &what);
        }
    }
}

#[test]
fn endless_unlisted_snapshot_and_targets_stop_at_the_configured_caps() {
    let mut release = Release::base();
    release.list_lengths = false;
    let files = release.publish();
    let config = Config::default();
    for (role, cap) in [
        ("snapshot", config.snapshot_max_length),
        ("targets", config.targets_max_length),
        ("role1", config.targets_max_length),
    ] {
        let i = FETCH_ORDER.iter().position(|(r, _)| *r == role).unwrap();
        let server = attacks_server(&files);
        let route = format!("/metadata/{}", FETCH_ORDER[i].1);
        server.route(&route, Reply::endless(Framing::CloseDelimited));
        assert_cut_at(&server, role, cap);
    }
}

const TEN_GIB: u64 = 10 << 30;

/// Our own maximum for `role`.
fn role_max(config: &Config, role: &str) -> u64 {
    match role {
        "snapshot" => config.snapshot_max_length,
        _ => config.targets_max_length,
    }
}

/// A release listing `file` with length `length`, its body served endless.
fn endless_listed(file: &str, length: u64) -> Server {
    let mut release = Release::base();
    release.listed_lengths.push((file.to_string(), length));
    let server = attacks_server(&release.publish());
    server.route(
        &format!("/metadata/{file}"),
        Reply::endless(Framing::CloseDelimited),
    );
    server
}

#[test]
fn listed_lengths_above_our_caps_are_refused_before_any_request() {
    // The holder of the timestamp (or snapshot) key lists 10 GiB: refused
    // with both numbers, and the file is never even asked for.
    let config = Config::default();
    for (role, file) in LISTED {
        let i = FETCH_ORDER.iter().position(|(r, _)| *r == role).unwrap();
        let server = endless_listed(file, TEN_GIB);
        let mut u = http_client(&server, http_config());
        let e = assert_kind(refresh_and_lookup(&mut u, role), ErrorKind::DownloadSize);
        let max = role_max(&config, role);
        assert!(
            e.message().contains(&format!("length of {TEN_GIB} bytes"))
                && e.message().contains(&format!("limit of {max} bytes")),
            "{role}: {e}"
        );
        let asked = server.paths();
        assert!(
            !asked.contains(&format!("/metadata/{file}")),
            "{role}: {asked:?}"
        );
        assert_eq!(stored_roles(u.store()), stored_before(i), "{role}");
        assert_eq!(
            u.store().files["root"],
            metadata_file("attacks", "1", "1.root.json")
        );
        assert!(server.endless_results(0).is_empty());
    }
}

#[test]
fn a_listed_length_at_our_cap_is_read_to_the_cap_and_no_further() {
    let config = Config::default();
    for (role, file) in LISTED {
        let max = role_max(&config, role);
        let server = endless_listed(file, max);
        assert_cut_at(&server, role, max);
    }
}

/// The peak resident set of a child process running `rss_child` with
/// `scenario`, in KiB: the child's own VmHWM, read just before it exits.
/// (Not getrusage: a child's ru_maxrss starts from the parent's peak,
/// inherited through fork and kept across exec.)
fn child_peak_rss_kib(scenario: &str) -> u64 {
    let scratch = Scratch::new("tuf-hostile-rss");
    let out = std::fs::File::create(scratch.0.join("out")).unwrap();
    let err = std::fs::File::create(scratch.0.join("err")).unwrap();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["rss_child", "--exact", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env("TUF_RSS_CHILD", scenario)
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    let status = child.wait_with_output().unwrap().status;
    let log = std::fs::read_to_string(scratch.0.join("out")).unwrap_or_default()
        + &std::fs::read_to_string(scratch.0.join("err")).unwrap_or_default();
    assert!(status.success(), "{scenario} child failed:\n{log}");
    assert!(
        log.contains("1 passed"),
        "{scenario} child ran no test:\n{log}"
    );
    // The harness may print "test rss_child ... " on the same line.
    log.split("child peak RSS KiB: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{scenario} child reported no peak:\n{log}"))
}

/// VmHWM of this process (the peak resident set), in KiB.
fn own_peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[test]
fn endless_bodies_under_huge_listed_lengths_cost_at_most_the_cap_in_memory() {
    // Measured in fresh processes: a control refresh, and every endless
    // body (10 GiB listed; listed at the cap; unlisted) for snapshot,
    // targets and role1. Before caps were min(listed, ours), the 10 GiB
    // snapshot alone took the CLI to a 662 MB peak.
    let control = child_peak_rss_kib("control");
    let hostile = child_peak_rss_kib("hostile");
    let config = Config::default();
    let cap_kib = config.snapshot_max_length.max(config.targets_max_length) / 1024;
    eprintln!("peak RSS: control {control} KiB, hostile {hostile} KiB, largest cap {cap_kib} KiB");
    // The largest body held is one cap; 16 MiB is room for allocator and
    // thread stacks, far below what buffering 10 GiB would reach.
    assert!(
        hostile <= control + cap_kib + 16 * 1024,
        "hostile peak {hostile} KiB, control {control} KiB"
    );
}

/// Not a test of its own: what `child_peak_rss_kib` runs in a child.
#[test]
#[ignore = "run in a child process by endless_bodies_under_huge_listed_lengths_cost_at_most_the_cap_in_memory"]
fn rss_child() {
    let scenario = std::env::var("TUF_RSS_CHILD").expect("TUF_RSS_CHILD");
    let config = Config::default();
    if scenario == "control" {
        let server = attacks_server(&HashMap::new());
        let mut u = http_client(&server, http_config());
        refresh_and_lookup(&mut u, "role1").unwrap();
        println!("child peak RSS KiB: {}", own_peak_rss_kib());
        return;
    }
    for (role, file) in LISTED {
        for listed in [Some(TEN_GIB), Some(role_max(&config, role)), None] {
            let server = match listed {
                Some(length) => endless_listed(file, length),
                None => {
                    let mut release = Release::base();
                    release.list_lengths = false;
                    let server = attacks_server(&release.publish());
                    server.route(
                        &format!("/metadata/{file}"),
                        Reply::endless(Framing::CloseDelimited),
                    );
                    server
                }
            };
            let mut u = http_client(&server, http_config());
            assert_kind(refresh_and_lookup(&mut u, role), ErrorKind::DownloadSize);
        }
    }
    println!("child peak RSS KiB: {}", own_peak_rss_kib());
}

#[test]
fn endless_target_is_cut_at_its_length_and_nothing_is_left() {
    for framing in FRAMINGS {
        let server = attacks_server(&HashMap::new());
        server.route("/targets/file1.txt", Reply::endless(framing));
        let mut u = http_client(&server, http_config());
        u.refresh(ref_time()).unwrap();
        let info = u.get_target_info("file1.txt").unwrap().unwrap();
        let e = download_leaves_nothing(&mut u, &server, &info, ErrorKind::DownloadSize);
        assert!(e.message().contains("file1.txt"), "{framing:?}: {e}");
        assert_client_hung_up(&server, &format!("target {framing:?}"));
    }
}

// Gzip written out by hand: a stored member and a bomb of run-length
// codes, so no compression crate is needed.

/// Writes Huffman codes (most significant bit first) and plain values
/// (least significant bit first) into a DEFLATE bit stream.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn bits(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    fn code(&mut self, code: u32, len: u32) {
        self.bits(code.reverse_bits() >> (32 - len), len);
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    crc = !crc;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn gzip_member(deflate: Vec<u8>, crc: u32, size: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    out.extend_from_slice(&deflate);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out
}

/// A gzip file holding `data` uncompressed (one stored block).
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    assert!(data.len() < 65_536);
    let mut w = BitWriter::default();
    w.bits(1, 1); // final block
    w.bits(0, 2); // stored
    let mut deflate = w.finish();
    let len = data.len() as u16;
    deflate.extend_from_slice(&len.to_le_bytes());
    deflate.extend_from_slice(&(!len).to_le_bytes());
    deflate.extend_from_slice(data);
    gzip_member(deflate, crc32_update(0, data), data.len() as u64)
}

/// A gzip bomb of about `compressed` bytes: one zero byte, then copies
/// of 258 bytes at distance 1 (13 bits each with the fixed Huffman
/// codes), so about 160 times larger once decoded. Returns it and the
/// decoded size.
fn gzip_bomb(compressed: usize) -> (Vec<u8>, u64) {
    let copies = (compressed.saturating_sub(30) * 8) / 13;
    let mut w = BitWriter::default();
    w.bits(1, 1); // final block
    w.bits(1, 2); // fixed Huffman codes
    w.code(0x30, 8); // literal 0
    for _ in 0..copies {
        w.code(0xC5, 8); // length code 285: 258 bytes
        w.code(0, 5); // distance code 0: distance 1
    }
    w.code(0, 7); // end of block
    let size = 1 + 258 * copies as u64;
    let zeros = vec![0u8; 1 << 20];
    let mut crc = 0;
    let mut left = size;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        crc = crc32_update(crc, &zeros[..n]);
        left -= n as u64;
    }
    (gzip_member(w.finish(), crc, size), size)
}

#[test]
fn gzip_bodies_are_never_decoded() {
    let cap = Config::default().timestamp_max_length;
    let valid = metadata_file("attacks", "1", "timestamp.json");
    let (small_bomb, small_size) = gzip_bomb(15_000);
    let (big_bomb, big_size) = gzip_bomb(100_000);
    assert!(small_bomb.len() < cap as usize && small_size > 100 * cap);
    assert!(big_bomb.len() > cap as usize && big_size > 15_000_000);
    for (what, body, kind) in [
        // A decoding client would accept this one: the gzip of the valid
        // timestamp. Raw, it is not JSON.
        (
            "gzip of the valid timestamp",
            gzip_stored(&valid),
            ErrorKind::Format,
        ),
        // Under the cap compressed, 2.4 MB decoded: read raw, refused
        // as JSON, never inflated.
        ("bomb under the cap", small_bomb, ErrorKind::Format),
        // Over the cap compressed: refused on its Content-Length.
        ("bomb over the cap", big_bomb, ErrorKind::DownloadSize),
    ] {
        let server = attacks_server(&HashMap::new());
        server.route("/metadata/timestamp.json", Reply::gzip(&body));
        let mut u = http_client(&server, http_config());
        let e = assert_kind(u.refresh(ref_time()), kind);
        eprintln!("{what}: {e}");
        assert_eq!(stored_roles(u.store()), ["root"], "{what}");
        for head in server.heads() {
            let encodings: Vec<&str> = head
                .lines()
                .filter(|l| l.starts_with("accept-encoding:"))
                .collect();
            assert_eq!(
                encodings.iter().map(|l| l.trim_end()).collect::<Vec<_>>(),
                ["accept-encoding: identity"],
                "{what}: {head}"
            );
        }
    }
    // A target sent gzipped: the raw bytes are what is checked.
    let server = attacks_server(&HashMap::new());
    let file1 = std::fs::read(state_dir("attacks", "1").join("targets/file1.txt")).unwrap();
    server.route("/targets/file1.txt", Reply::gzip(&gzip_stored(&file1)));
    let mut u = http_client(&server, http_config());
    u.refresh(ref_time()).unwrap();
    let info = u.get_target_info("file1.txt").unwrap().unwrap();
    download_leaves_nothing(&mut u, &server, &info, ErrorKind::DownloadSize);
}
