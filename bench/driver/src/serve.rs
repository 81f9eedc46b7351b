//! A small HTTP/1.1 file server with keep-alive, one thread per
//! connection, for serving the benchmark repository on 127.0.0.1. It is
//! the same for every client, and cheap enough not to dominate their wall
//! time (Python's http.server costs about a millisecond per request).
//!
//! Only `GET` of regular files under the root; `..` segments and
//! percent-encoded bytes other than plain ones are refused with 404.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

pub fn run(dir: &Path, port: u16) {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("binding 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    // bench/run reads the port from this line.
    println!("listening on http://127.0.0.1:{port}/");
    let _ = std::io::stdout().flush();
    let root = dir.canonicalize().expect("serve directory");
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = connection(stream, &root);
        });
    }
}

fn decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let path = decode(path.strip_prefix('/')?)?;
    let mut out = root.to_path_buf();
    for seg in path.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." || seg.contains('\0') {
            return None;
        }
        out.push(seg);
    }
    Some(out)
}

fn connection(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request)? == 0 {
            return Ok(());
        }
        let mut close = request.ends_with("HTTP/1.0\r\n");
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 {
                return Ok(());
            }
            if header == "\r\n" || header == "\n" {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            }
        }
        let mut parts = request.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let body = if method == "GET" || method == "HEAD" {
            resolve(root, target).and_then(|p| {
                let meta = std::fs::metadata(&p).ok()?;
                if meta.is_file() {
                    std::fs::read(&p).ok()
                } else {
                    None
                }
            })
        } else {
            None
        };
        let connection = if close { "close" } else { "keep-alive" };
        match body {
            Some(body) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: {connection}\r\n\r\n",
                    body.len()
                );
                out.write_all(head.as_bytes())?;
                if method == "GET" {
                    out.write_all(&body)?;
                }
            }
            None => {
                let msg = b"not found\n";
                let head = format!(
                    "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\nContent-Type: text/plain\r\nConnection: {connection}\r\n\r\n",
                    msg.len()
                );
                out.write_all(head.as_bytes())?;
                out.write_all(msg)?;
            }
        }
        out.flush()?;
        if close {
            return Ok(());
        }
    }
}
