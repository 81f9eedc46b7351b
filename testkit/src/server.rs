//! One scripted HTTP/1.1 server on 127.0.0.1 for every Rust suite: each
//! path gets a [`Reply`] (status, headers, and a body made of steps:
//! bytes, a trickle, an endless stream, a stall), unmatched paths get the
//! fallback (404), and every request is logged as sent. A route function
//! can compute replies (redirect chains, publishing between two requests).
//!
//! The server bounds its own work (1 GiB and 60 s per response), so a
//! client that never stops cannot make a test run forever.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const SERVER_MAX_BYTES: u64 = 1 << 30;
const SERVER_MAX_TIME: Duration = Duration::from_secs(60);
const ENDLESS_CHUNK: usize = 64 * 1024;

/// How an endless body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length` announcing 1 TiB.
    Declared,
    /// No length: the body ends when the connection closes (never).
    CloseDelimited,
    /// `Transfer-Encoding: chunked`, chunks forever.
    Chunked,
}

pub const FRAMINGS: [Framing; 3] = [Framing::Declared, Framing::CloseDelimited, Framing::Chunked];

/// One part of a response, written in order.
#[derive(Debug, Clone)]
pub enum Step {
    Bytes(Vec<u8>),
    /// These bytes one at a time, `every` apart.
    Trickle(Vec<u8>, Duration),
    /// `{` forever (chunk-framed if `chunked`), until the client leaves.
    Endless {
        chunked: bool,
    },
    /// Hold the connection open, writing nothing.
    Stall(Duration),
}

/// A scripted response: the head (none for a raw reply, whose steps write
/// everything) and the body steps.
#[derive(Debug, Clone)]
pub struct Reply {
    head: Option<(String, Vec<String>)>,
    steps: Vec<Step>,
}

impl Reply {
    /// `status` (e.g. "404 Not Found") with `body` and its Content-Length.
    pub fn status(status: &str, body: &[u8]) -> Reply {
        Reply {
            head: Some((
                status.into(),
                vec![format!("Content-Length: {}", body.len())],
            )),
            steps: vec![Step::Bytes(body.to_vec())],
        }
    }

    /// 200 with `body`.
    pub fn body(body: &[u8]) -> Reply {
        Reply::status("200 OK", body)
    }

    /// 200 with `body` sent as `Content-Encoding: gzip`.
    pub fn gzip(body: &[u8]) -> Reply {
        Reply::body(body).header("Content-Encoding: gzip")
    }

    /// `status` (a 3xx) to `location`, empty body.
    pub fn redirect(status: &str, location: &str) -> Reply {
        Reply::status(status, b"").header(&format!("Location: {location}"))
    }

    /// 200 announcing `body`'s length, then one byte per `every`.
    pub fn trickle(body: &[u8], every: Duration) -> Reply {
        Reply {
            head: Some((
                "200 OK".into(),
                vec![format!("Content-Length: {}", body.len())],
            )),
            steps: vec![Step::Trickle(body.to_vec(), every)],
        }
    }

    /// 200 and a body that never ends, framed as `framing`.
    pub fn endless(framing: Framing) -> Reply {
        let headers = match framing {
            Framing::Declared => vec!["Content-Length: 1099511627776".into()],
            Framing::CloseDelimited => vec![],
            Framing::Chunked => vec!["Transfer-Encoding: chunked".into()],
        };
        Reply {
            head: Some(("200 OK".into(), headers)),
            steps: vec![Step::Endless {
                chunked: framing == Framing::Chunked,
            }],
        }
    }

    /// Exactly these bytes, head included (malformed or partial heads).
    pub fn raw(bytes: &[u8]) -> Reply {
        Reply {
            head: None,
            steps: vec![Step::Bytes(bytes.to_vec())],
        }
    }

    /// Adds a header line (without CRLF).
    pub fn header(mut self, line: &str) -> Reply {
        if let Some((_, headers)) = &mut self.head {
            headers.push(line.into());
        }
        self
    }

    /// Then these bytes one at a time, `every` apart.
    pub fn then_trickle(mut self, bytes: &[u8], every: Duration) -> Reply {
        self.steps.push(Step::Trickle(bytes.to_vec(), every));
        self
    }

    /// Then an endless body (as raw bytes, no framing).
    pub fn then_endless(mut self) -> Reply {
        self.steps.push(Step::Endless { chunked: false });
        self
    }

    /// Then hold the connection for `time`.
    pub fn then_stall(mut self, time: Duration) -> Reply {
        self.steps.push(Step::Stall(time));
        self
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path exactly as sent.
    pub path: String,
    /// The whole request head, as sent.
    pub head: String,
}

/// What an endless or trickled body came to: bytes written, and whether
/// it ended because the client went away.
pub type Outcome = (u64, bool);

type RouteFn = dyn Fn(&Request) -> Option<Reply> + Send + Sync;

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Reply>>,
    route_fn: Mutex<Option<Arc<RouteFn>>>,
    fallback: Mutex<Option<Reply>>,
    requests: Mutex<Vec<Request>>,
    endless: Mutex<Vec<Outcome>>,
}

/// The server; stops accepting on drop.
pub struct Server {
    base: String,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// A plain-HTTP server, one request per connection.
    pub fn start() -> Server {
        Server::start_with(None, false)
    }

    /// An https server presenting `tls`'s certificate.
    pub fn start_tls(tls: Arc<rustls::ServerConfig>) -> Server {
        Server::start_with(Some(tls), false)
    }

    /// A plain-HTTP server that answers requests on one connection until
    /// the client closes it (keep-alive), as a repository does.
    pub fn start_keep_alive() -> Server {
        Server::start_with(None, true)
    }

    fn start_with(tls: Option<Arc<rustls::ServerConfig>>, keep_alive: bool) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base = format!("{scheme}://{}", listener.local_addr().expect("address"));
        listener.set_nonblocking(true).expect("nonblocking");
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (shared2, stop2) = (shared.clone(), stop.clone());
        thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (shared, tls) = (shared2.clone(), tls.clone());
                        // One thread per connection: several clients may run at once.
                        thread::spawn(move || connection(stream, tls, keep_alive, &shared));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Server { base, shared, stop }
    }

    /// Answers `path` (as sent, query included) with `reply`.
    pub fn route(&self, path: &str, reply: Reply) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.into(), reply);
    }

    /// 200 with each body, under `prefix` + name.
    pub fn route_files<'a>(
        &self,
        prefix: &str,
        files: impl IntoIterator<Item = (&'a String, &'a Vec<u8>)>,
    ) {
        for (name, body) in files {
            self.route(&format!("{prefix}{name}"), Reply::body(body));
        }
    }

    /// Replies computed per request, consulted before the fixed routes
    /// (None: fall through to them).
    pub fn route_fn(&self, f: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static) {
        *self.shared.route_fn.lock().unwrap() = Some(Arc::new(f));
    }

    /// The reply for unrouted paths (default: 404 with an empty body).
    pub fn fallback(&self, reply: Reply) {
        *self.shared.fallback.lock().unwrap() = Some(reply);
    }

    /// The server's origin, e.g. `http://127.0.0.1:4242` (no slash).
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn metadata_url(&self) -> String {
        self.url("/metadata/")
    }

    pub fn targets_url(&self) -> String {
        self.url("/targets/")
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The requests since the last call.
    pub fn take_requests(&self) -> Vec<Request> {
        std::mem::take(&mut *self.shared.requests.lock().unwrap())
    }

    /// Request paths, in arrival order.
    pub fn paths(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.path).collect()
    }

    /// Request heads lower-cased (for header checks).
    pub fn heads(&self) -> Vec<String> {
        let requests = self.requests();
        requests
            .into_iter()
            .map(|r| r.head.to_ascii_lowercase())
            .collect()
    }

    /// Waits (up to 20 s) until `count` endless bodies have ended; returns
    /// every one so far.
    pub fn endless_results(&self, count: usize) -> Vec<Outcome> {
        let start = Instant::now();
        loop {
            let done = self.shared.endless.lock().unwrap().clone();
            if done.len() >= count || start.elapsed() > Duration::from_secs(20) {
                return done;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn connection(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    keep_alive: bool,
    shared: &Shared,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    match tls {
        None => {
            let mut stream = stream;
            while serve_one(&mut stream, keep_alive, shared) && keep_alive {}
        }
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(config) else {
                return;
            };
            let mut tls_stream = rustls::StreamOwned::new(conn, stream);
            serve_one(&mut tls_stream, false, shared);
            tls_stream.conn.send_close_notify();
            let _ = tls_stream.flush();
        }
    }
}

/// Reads one request and answers it; false at end of connection.
fn serve_one(stream: &mut dyn ReadWrite, keep_alive: bool, shared: &Shared) -> bool {
    let Some(request) = read_head(stream) else {
        return false;
    };
    shared.requests.lock().unwrap().push(request.clone());
    let computed = shared.route_fn.lock().unwrap().clone();
    let reply = computed
        .and_then(|f| f(&request))
        .or_else(|| shared.routes.lock().unwrap().get(&request.path).cloned())
        .or_else(|| shared.fallback.lock().unwrap().clone())
        .unwrap_or_else(|| Reply::status("404 Not Found", b""));
    respond(stream, &reply, keep_alive, shared).is_ok()
}

fn read_head(stream: &mut dyn ReadWrite) -> Option<Request> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) if head.len() < 64 * 1024 => head.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut words = head.split(' ');
    let method = words.next().unwrap_or("").to_string();
    let path = words.next().unwrap_or("").to_string();
    Some(Request { method, path, head })
}

fn respond(
    stream: &mut dyn ReadWrite,
    reply: &Reply,
    keep_alive: bool,
    shared: &Shared,
) -> std::io::Result<()> {
    if let Some((status, headers)) = &reply.head {
        let mut out = format!("HTTP/1.1 {status}\r\n");
        if !keep_alive {
            out.push_str("Connection: close\r\n");
        }
        for h in headers {
            out.push_str(h);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        stream.write_all(out.as_bytes())?;
    }
    let start = Instant::now();
    for step in &reply.steps {
        match step {
            Step::Bytes(bytes) => stream.write_all(bytes)?,
            Step::Trickle(bytes, every) => {
                for b in bytes {
                    stream.write_all(&[*b])?;
                    stream.flush()?;
                    if start.elapsed() > SERVER_MAX_TIME {
                        break;
                    }
                    thread::sleep(*every);
                }
            }
            Step::Endless { chunked } => {
                let outcome = endless(stream, *chunked, start);
                shared.endless.lock().unwrap().push(outcome);
            }
            Step::Stall(time) => thread::sleep(*time),
        }
    }
    stream.flush()
}

fn endless(stream: &mut dyn ReadWrite, chunked: bool, start: Instant) -> Outcome {
    let chunk = vec![b'{'; ENDLESS_CHUNK];
    let framed = if chunked {
        let mut c = format!("{:x}\r\n", chunk.len()).into_bytes();
        c.extend_from_slice(&chunk);
        c.extend_from_slice(b"\r\n");
        c
    } else {
        chunk
    };
    let mut written = 0u64;
    while written < SERVER_MAX_BYTES && start.elapsed() < SERVER_MAX_TIME {
        if stream.write_all(&framed).is_err() {
            return (written, true);
        }
        written += ENDLESS_CHUNK as u64;
    }
    (written, false)
}
