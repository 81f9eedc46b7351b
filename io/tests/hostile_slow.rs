//! Slow and looping servers through the real `HttpFetcher`: a trickle of
//! one byte every two seconds ends at the deadline, a trickling timestamp
//! breaks the low-speed rule, and redirect loops end with an error; the
//! store keeps only what was verified before.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use support::*;
use tuf_core::error::ErrorKind;
use tuf_io::http::HttpConfig;

/// attacks/1 with metadata `file` sent one byte per `every`.
fn trickling(file: &str, every: Duration) -> Server {
    let server = attacks_server(&HashMap::new());
    let body = metadata_file("attacks", "1", file);
    server.route(&format!("/metadata/{file}"), Reply::trickle(&body, every));
    server
}

#[test]
fn one_byte_every_two_seconds_is_stopped_by_the_deadline() {
    // The snapshot is trickled: root and timestamp come at once, then one
    // byte every 2 s, well inside the 30 s read timeout; the 3 s deadline
    // of the refresh stops it.
    let server = trickling("snapshot.json", Duration::from_secs(2));
    let http = HttpConfig {
        read_timeout: Duration::from_secs(30),
        deadline: Duration::from_secs(3),
        ..http_config()
    };
    let mut u = http_client(&server, http);
    let t = Instant::now();
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::DenialOfService);
    let elapsed = t.elapsed();
    assert!(e.message().contains("deadline"), "{e}");
    assert!(
        elapsed >= Duration::from_millis(2_900) && elapsed < Duration::from_secs(6),
        "{elapsed:?}"
    );
    assert_eq!(stored_roles(u.store()), ["root", "timestamp"]);
    // The next refresh starts a new window: with an honest server it
    // succeeds.
    let snapshot = metadata_file("attacks", "1", "snapshot.json");
    server.route("/metadata/snapshot.json", Reply::body(&snapshot));
    u.refresh(ref_time()).unwrap();
}

#[test]
fn a_trickling_timestamp_breaks_the_low_speed_rule() {
    // One byte every 200 ms (5 bytes/s) is inside every read timeout and
    // the deadline, but below 1 KiB/s over a 1 s window: slow retrieval.
    let timestamp = metadata_file("attacks", "1", "timestamp.json");
    let server = trickling("timestamp.json", Duration::from_millis(200));
    let http = HttpConfig {
        read_timeout: Duration::from_secs(30),
        deadline: Duration::from_secs(60),
        low_speed_limit: 1024,
        low_speed_time: Duration::from_secs(1),
        ..http_config()
    };
    let mut u = http_client(&server, http.clone());
    let t = Instant::now();
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::DenialOfService);
    eprintln!("trickling timestamp failed after {:?}: {e}", t.elapsed());
    assert!(e.message().contains("slow retrieval"), "{e}");
    assert!(e.message().contains("timestamp.json"), "{e}");
    assert!(!e.message().contains("deadline"), "{e}");
    assert_eq!(stored_roles(u.store()), ["root"]);
    // A silent server (the head, then nothing) breaks it too.
    server.route(
        "/metadata/timestamp.json",
        Reply::trickle(&timestamp.clone(), Duration::from_secs(20)),
    );
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::DenialOfService);
    assert!(e.message().contains("slow retrieval"), "{e}");
    assert_eq!(stored_roles(u.store()), ["root"]);
    // The same rule lets an honest server through.
    server.route("/metadata/timestamp.json", Reply::body(&timestamp.clone()));
    u.refresh(ref_time()).unwrap();
    assert_eq!(u.store().files["timestamp"], timestamp);
}

#[test]
fn redirect_loops_end_with_an_error() {
    let server = attacks_server(&HashMap::new());
    server.route(
        "/metadata/timestamp.json",
        Reply::redirect("302 Found", "/metadata/timestamp.json"),
    );
    let mut u = http_client(&server, http_config());
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::Io);
    assert!(e.message().contains("redirect"), "{e}");
    let asked = server
        .paths()
        .iter()
        .filter(|p| *p == "/metadata/timestamp.json")
        .count();
    assert_eq!(asked, tuf_io::http::MAX_REDIRECTS as usize + 1);
    assert_eq!(stored_roles(u.store()), ["root"]);

    // A two-step loop on the targets role.
    let server = attacks_server(&HashMap::new());
    server.route("/metadata/targets.json", Reply::redirect("302 Found", "/a"));
    server.route("/a", Reply::redirect("302 Found", "/metadata/targets.json"));
    let mut u = http_client(&server, http_config());
    let e = assert_kind(u.refresh(ref_time()), ErrorKind::Io);
    assert!(e.message().contains("redirect"), "{e}");
    assert!(server.paths().len() <= 3 + 6, "{:?}", server.paths());
    assert_eq!(stored_roles(u.store()), ["root", "snapshot", "timestamp"]);
}
