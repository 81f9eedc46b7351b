//! The default [`Fetcher`]: `http://` and `https://` through ureq (rustls,
//! certificates always verified), and `file:///absolute/path` from the local
//! filesystem.
//!
//! Every download is capped: a `Content-Length` above the cap is refused
//! before the body is read, and the body itself is counted while it is read,
//! stopping at `max_len + 1` bytes, so a lying or absent `Content-Length`
//! never makes the client buffer more than the cap. Bodies are never decoded:
//! no `Accept-Encoding` other than `identity` is sent, and if a server sends
//! `Content-Encoding` anyway, the raw bytes are what is capped and returned.
//!
//! Time is bounded four ways: a connect timeout, a per-read timeout (the
//! longest silence allowed between bytes), a low-speed rule per file (the
//! average rate over every window of `low_speed_time` must reach
//! `low_speed_limit` bytes per second), and an overall deadline per
//! call of the updater (see [`Fetcher::start_deadline`]). The deadline is
//! enforced by ureq's global timeout, set on every request to what is left
//! of the window (this also bounds the header phase and redirects), and by a
//! check between body chunks. Breaking the low-speed rule or running out of
//! the deadline is [`ErrorKind::DenialOfService`]: a server trickling bytes
//! is an attack (slow retrieval).
//!
//! [`Fetcher::fetch`] collects a body in memory that never grows past the
//! cap: its buffer is enlarged to at most the cap, never doubled past it.
//!
//! URLs are used as given: base URLs are opaque prefixes, nothing is
//! normalised or percent-decoded (for `file://` neither: the path after
//! `file://` is the file name, byte for byte).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ureq::config::RedirectAuthHeaders;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};

pub use tuf_core::config::{HttpConfig, MAX_REDIRECTS};
use tuf_core::error::{Error, Result};
use tuf_core::updater::Fetcher;

/// Size of one read from the body.
const CHUNK: usize = 64 * 1024;

/// Upper clamp for durations handed to ureq, so that `Instant + Duration`
/// inside it can never overflow (about 10 years: "no limit" in practice).
const MAX_TIMEOUT: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Lower clamp: a zero socket timeout is rejected by the OS.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// Fetches `http://`, `https://` and `file://` URLs under a byte cap and
/// time limits. One agent is kept, so connections to a host are reused
/// across the requests of a refresh.
pub struct HttpFetcher {
    config: HttpConfig,
    agent: ureq::Agent,
    system_roots: bool,
    /// Start of the current deadline window; set by `start_deadline`, or
    /// by the first fetch if `start_deadline` was never called.
    window_start: Option<Instant>,
}

impl fmt::Debug for HttpFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpFetcher")
            .field("config", &self.config)
            .field("system_roots", &self.system_roots)
            .field("window_start", &self.window_start)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
    File,
}

impl HttpFetcher {
    pub fn new(config: HttpConfig) -> HttpFetcher {
        let system_roots = system_roots_available();
        let roots = if system_roots {
            RootCerts::PlatformVerifier
        } else {
            RootCerts::WebPki
        };
        HttpFetcher::with_roots(config, roots, system_roots)
    }

    /// `new` with the given trust roots (tests use their own CA; there is
    /// deliberately no public way to change or disable verification).
    fn with_roots(config: HttpConfig, roots: RootCerts, system_roots: bool) -> HttpFetcher {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(roots)
            .disable_verification(false)
            .build();
        let connect = clamp(config.connect_timeout);
        let read = clamp(config.read_timeout);
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .https_only(false)
            .max_redirects(MAX_REDIRECTS)
            .max_redirects_will_error(true)
            .redirect_auth_headers(RedirectAuthHeaders::Never)
            .save_redirect_history(false)
            .user_agent(config.user_agent.as_str())
            .accept_encoding("identity")
            .tls_config(tls)
            .timeout_resolve(Some(connect))
            .timeout_connect(Some(connect))
            .timeout_per_read(Some(read))
            .timeout_per_write(Some(read))
            .build()
            .new_agent();
        HttpFetcher {
            config,
            agent,
            system_roots,
            window_start: None,
        }
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// True when https uses the platform's CA roots, false when it uses the
    /// bundled webpki (Mozilla) roots because the system has none.
    pub fn uses_system_roots(&self) -> bool {
        self.system_roots
    }

    fn window(&mut self) -> Instant {
        *self.window_start.get_or_insert_with(Instant::now)
    }

    /// What is left of the deadline window, or None when it is used up.
    fn remaining(&self, start: Instant) -> Option<Duration> {
        self.config
            .deadline
            .checked_sub(start.elapsed())
            .filter(|d| !d.is_zero())
    }

    /// The per-read timeout of a request: the read timeout, or the
    /// low-speed window if that is shorter (a silence that long already
    /// breaks the rule).
    fn per_read(&self) -> Duration {
        match self.low_speed_window() {
            Some(w) if w < self.config.read_timeout => w,
            _ => self.config.read_timeout,
        }
    }

    fn low_speed_window(&self) -> Option<Duration> {
        (self.config.low_speed_limit > 0).then_some(self.config.low_speed_time)
    }

    fn slow_error(&self, url: &str, bytes: u64, over: Duration) -> Error {
        Error::dos(format!(
            "{url}: slow retrieval: {bytes} bytes in {:.1} s, below the minimum of \
             {} bytes/s over {:?}",
            over.as_secs_f64(),
            self.config.low_speed_limit,
            self.config.low_speed_time
        ))
    }

    fn deadline_error(&self, url: &str) -> Error {
        Error::dos(format!(
            "{url}: the overall download deadline of {:?} was exceeded",
            self.config.deadline
        ))
    }

    fn get(&mut self, url: &str, max_len: u64, sink: &mut dyn Write) -> Result<u64> {
        let scheme = scheme_of(url)?;
        let start = self.window();
        if self.remaining(start).is_none() {
            return Err(self.deadline_error(url));
        }
        match scheme {
            Scheme::File => self.get_file(url, max_len, sink, start),
            Scheme::Http | Scheme::Https => {
                self.get_http(url, scheme == Scheme::Https, max_len, sink, start)
            }
        }
    }

    fn get_http(
        &mut self,
        url: &str,
        https: bool,
        max_len: u64,
        sink: &mut dyn Write,
        start: Instant,
    ) -> Result<u64> {
        let remaining = self
            .remaining(start)
            .ok_or_else(|| self.deadline_error(url))?;
        let per_read = clamp(self.per_read());
        let head_within = self.low_speed_window().map(clamp);
        let agent = &self.agent;
        let direct = is_loopback_url(url);
        let called = catch_unwind(AssertUnwindSafe(|| {
            let mut request = agent
                .get(url)
                .config()
                .timeout_global(Some(clamp(remaining)))
                .timeout_per_read(Some(per_read))
                // The response head counts as part of the transfer: one
                // trickled header line at a time is slow retrieval too.
                .timeout_recv_response(head_within)
                // Redirects from https may not leave https.
                .https_only(https);
            if direct {
                // Like Go's ProxyFromEnvironment: loopback is never proxied.
                request = request.proxy(None);
            }
            request.build().call()
        }));
        let response = match called {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(self.request_error(url, e, start)),
            Err(_) => {
                return Err(Error::io(format!(
                    "{url}: internal error in the HTTP client"
                )))
            }
        };

        let status = response.status().as_u16();
        match status {
            200 => {}
            404 | 410 => return Err(Error::not_found(format!("{url}: HTTP status {status}"))),
            _ => return Err(Error::io(format!("{url}: HTTP status {status}"))),
        }

        let body = response.into_body();
        if let Some(declared) = body.content_length() {
            if declared > max_len {
                return Err(Error::download_size(format!(
                    "{url}: Content-Length {declared} exceeds the limit of {max_len} bytes"
                )));
            }
        }
        let mut reader = body.into_reader();
        self.copy_capped(&mut reader, url, max_len, sink, start, |this, e| {
            let e = ureq::Error::from(e);
            this.request_error(url, e, start)
        })
    }

    /// Maps a ureq error, from the request or from reading the body.
    fn request_error(&self, url: &str, e: ureq::Error, start: Instant) -> Error {
        if matches!(e, ureq::Error::Timeout(ureq::Timeout::Global))
            || self.remaining(start).is_none()
        {
            return self.deadline_error(url);
        }
        match e {
            ureq::Error::TooManyRedirects => Error::io(format!(
                "{url}: more than {MAX_REDIRECTS} redirects (or a redirect loop)"
            )),
            ureq::Error::RequireHttpsOnly(to) => Error::io(format!(
                "{url}: refusing to follow a redirect from https to {to}"
            )),
            ureq::Error::Timeout(ureq::Timeout::PerRead)
                if self.per_read() < self.config.read_timeout =>
            {
                self.slow_error(url, 0, self.per_read())
            }
            ureq::Error::Timeout(ureq::Timeout::RecvResponse) => Error::dos(format!(
                "{url}: slow retrieval: no complete response head within {:?}",
                self.config.low_speed_time
            )),
            ureq::Error::Timeout(ureq::Timeout::PerRead) => Error::io(format!(
                "{url}: no data received for {:?}",
                self.config.read_timeout
            )),
            ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
                Error::io(format!(
                    "{url}: could not connect within {:?}",
                    self.config.connect_timeout
                ))
            }
            ureq::Error::Timeout(t) => Error::io(format!("{url}: {t} timeout")),
            e => Error::io(format!("{url}: {e}")),
        }
    }

    fn get_file(
        &mut self,
        url: &str,
        max_len: u64,
        sink: &mut dyn Write,
        start: Instant,
    ) -> Result<u64> {
        let path = file_path(url)?;
        let open_error = |e: io::Error| -> Error {
            match e.kind() {
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => {
                    Error::not_found(format!("{url}: no such file"))
                }
                _ => Error::io(format!("{url}: {e}")),
            }
        };
        // Checked before opening so a FIFO or device never blocks `open`.
        let meta = fs::metadata(path).map_err(open_error)?;
        check_regular(url, &meta)?;
        if meta.len() > max_len {
            return Err(Error::download_size(format!(
                "{url}: file size {} exceeds the limit of {max_len} bytes",
                meta.len()
            )));
        }
        let mut file = File::open(path).map_err(open_error)?;
        // The path may have been replaced in between.
        check_regular(url, &file.metadata().map_err(open_error)?)?;
        self.copy_capped(&mut file, url, max_len, sink, start, |_, e| {
            Error::io(format!("{url}: {e}"))
        })
    }

    /// Copies at most `max_len` bytes from `reader` into `sink`; reading a
    /// byte more is a `DownloadSize` error. Checks the deadline between reads.
    fn copy_capped<R: Read>(
        &self,
        reader: &mut R,
        url: &str,
        max_len: u64,
        sink: &mut dyn Write,
        start: Instant,
        read_error: impl Fn(&Self, io::Error) -> Error,
    ) -> Result<u64> {
        let mut buf = vec![0u8; CHUNK];
        let mut total: u64 = 0;
        let mut speed = LowSpeed::new(self.low_speed_window(), self.config.low_speed_limit);
        loop {
            if self.remaining(start).is_none() {
                return Err(self.deadline_error(url));
            }
            if let Some((bytes, over)) = speed.broken(total) {
                return Err(self.slow_error(url, bytes, over));
            }
            // total <= max_len here, so at least one byte is asked for: the
            // one that shows the body is longer than the cap.
            let allowed = max_len.saturating_add(1) - total;
            let want = usize::try_from(allowed).map_or(CHUNK, |a| a.min(CHUNK));
            let read = catch_unwind(AssertUnwindSafe(|| reader.read(&mut buf[..want])));
            let n = match read {
                Ok(Ok(n)) => n,
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Err(read_error(self, e)),
                Err(_) => return Err(Error::io(format!("{url}: internal error while reading"))),
            };
            if n == 0 {
                return Ok(total);
            }
            total += n as u64;
            if total > max_len {
                return Err(Error::download_size(format!(
                    "{url}: body exceeds the limit of {max_len} bytes"
                )));
            }
            sink.write_all(&buf[..n])
                .map_err(|e| Error::io(format!("writing {url}: {e}")))?;
        }
    }
}

impl Default for HttpFetcher {
    fn default() -> Self {
        HttpFetcher::new(HttpConfig::default())
    }
}

impl Fetcher for HttpFetcher {
    /// Starts a new overall deadline window: from now, all fetches together
    /// may take at most `config.deadline`.
    fn start_deadline(&mut self) {
        self.window_start = Some(Instant::now());
    }

    fn fetch(&mut self, url: &str, max_len: u64) -> Result<Vec<u8>> {
        let mut body = CappedBuffer {
            data: Vec::new(),
            cap: max_len,
        };
        self.get(url, max_len, &mut body)?;
        Ok(body.data)
    }

    /// On error, `sink` may already hold a prefix of the body (never more
    /// than `max_len` bytes).
    fn fetch_into(&mut self, url: &str, max_len: u64, sink: &mut dyn Write) -> Result<u64> {
        self.get(url, max_len, sink)
    }
}

/// The low-speed rule of one transfer: window after window, the bytes
/// received in the window must average at least `limit` per second.
struct LowSpeed {
    window: Option<Duration>,
    limit: u64,
    window_start: Instant,
    bytes_at_start: u64,
}

impl LowSpeed {
    fn new(window: Option<Duration>, limit: u64) -> LowSpeed {
        LowSpeed {
            window,
            limit,
            window_start: Instant::now(),
            bytes_at_start: 0,
        }
    }

    /// With `total` bytes received so far: Some((bytes, elapsed)) of the
    /// window that ended too slow, else None (and a new window starts when
    /// this one is over).
    fn broken(&mut self, total: u64) -> Option<(u64, Duration)> {
        let window = self.window?;
        let elapsed = self.window_start.elapsed();
        if elapsed < window {
            return None;
        }
        let bytes = total - self.bytes_at_start;
        if (bytes as f64) < self.limit as f64 * elapsed.as_secs_f64() {
            return Some((bytes, elapsed));
        }
        self.window_start = Instant::now();
        self.bytes_at_start = total;
        None
    }
}

/// The in-memory sink of [`Fetcher::fetch`]: grows like a `Vec` but never
/// reserves more than `cap` bytes, so an endless body costs at most the cap
/// (plus the read buffer), not the next power of two above it.
struct CappedBuffer {
    data: Vec<u8>,
    cap: u64,
}

impl Write for CappedBuffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let needed = self.data.len() + bytes.len();
        if needed as u64 > self.cap {
            // copy_capped never writes past the cap; refuse, not grow.
            return Err(io::Error::other("body exceeds its cap"));
        }
        if needed > self.data.capacity() {
            let cap = usize::try_from(self.cap).unwrap_or(usize::MAX);
            let target = needed.max(self.data.capacity().saturating_mul(2)).min(cap);
            self.data.reserve_exact(target - self.data.len());
        }
        self.data.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn clamp(d: Duration) -> Duration {
    d.clamp(MIN_TIMEOUT, MAX_TIMEOUT)
}

/// Whether the platform verifier can be built, i.e. the system has CA
/// roots (on Linux and BSDs it fails when none can be loaded). Probed once
/// per process.
fn system_roots_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        catch_unwind(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            rustls_platform_verifier::Verifier::new(provider).is_ok()
        })
        .unwrap_or(false)
    })
}

/// The URL's scheme, which must be http, https or file (any case).
fn scheme_of(url: &str) -> Result<Scheme> {
    let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let Some(scheme) = scheme else {
        return Err(Error::io(format!("{url:?}: not a URL (no scheme)")));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "http" => Ok(Scheme::Http),
        "https" => Ok(Scheme::Https),
        "file" => Ok(Scheme::File),
        _ => Err(Error::io(format!(
            "{url}: unsupported URL scheme '{scheme}'"
        ))),
    }
}

/// The path of a `file:///abs/path` (or `file://localhost/abs/path`) URL,
/// taken as is.
fn file_path(url: &str) -> Result<&str> {
    // scheme_of accepted it, so it starts with "file:" in some case.
    let rest = url.get(5..).unwrap_or("");
    let Some(rest) = rest.strip_prefix("//") else {
        return Err(Error::io(format!("{url}: expected file:///absolute/path")));
    };
    let slash = rest.find('/').unwrap_or(rest.len());
    let (host, path) = rest.split_at(slash);
    if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
        return Err(Error::io(format!(
            "{url}: file URL with a remote host '{host}'"
        )));
    }
    if path.is_empty() {
        return Err(Error::io(format!("{url}: file URL without a path")));
    }
    // file:///C:/dir/file on Windows names C:/dir/file.
    #[cfg(windows)]
    let path = {
        let b = path.as_bytes();
        if b.len() >= 3 && b[1].is_ascii_alphabetic() && b[2] == b':' {
            &path[1..]
        } else {
            path
        }
    };
    Ok(path)
}

fn check_regular(url: &str, meta: &fs::Metadata) -> Result<()> {
    if meta.is_dir() {
        return Err(Error::io(format!("{url}: is a directory")));
    }
    if !meta.is_file() {
        return Err(Error::io(format!("{url}: not a regular file")));
    }
    Ok(())
}

/// Whether an http(s) URL's host is localhost or a loopback address.
fn is_loopback_url(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, _)) => return h.parse::<Ipv6Addr>().is_ok_and(|a| a.is_loopback()),
            None => return false,
        }
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::thread;
    use tuf_core::error::ErrorKind;
    use tuf_testkit::server::{Reply, Server};

    /// A server answering every path with `reply`.
    fn serving(reply: Reply) -> Server {
        let server = Server::start();
        server.fallback(reply);
        server
    }

    fn config() -> HttpConfig {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(20),
            ..HttpConfig::default()
        }
    }

    fn fetcher() -> HttpFetcher {
        let mut f = HttpFetcher::new(config());
        f.start_deadline();
        f
    }

    fn kind<T: fmt::Debug>(r: Result<T>) -> ErrorKind {
        r.expect_err("expected an error").kind()
    }

    #[test]
    fn ok_200_body_and_request_headers() {
        let server = serving(Reply::body(b"hello world"));
        let mut f = fetcher();
        let url = server.url("/metadata/1.root.json");
        assert_eq!(f.fetch(&url, 1024).unwrap(), b"hello world");
        let mut sink = Vec::new();
        assert_eq!(f.fetch_into(&url, 11, &mut sink).unwrap(), 11);
        assert_eq!(sink, b"hello world");

        let seen = server.requests();
        assert_eq!(seen[0].path, "/metadata/1.root.json");
        let head = seen[0].head.to_ascii_lowercase();
        let ua = format!("user-agent: tuf-native/{}\r\n", env!("CARGO_PKG_VERSION"));
        assert!(
            head.starts_with("get /metadata/1.root.json http/1.1\r\n"),
            "{head}"
        );
        assert!(head.contains(&ua), "{head}");
        assert!(!head.contains("gzip") && !head.contains("br"), "{head}");
    }

    #[test]
    fn url_is_used_as_given() {
        let server = serving(Reply::body(b"x"));
        let mut f = fetcher();
        let url = server.url("/meta/a%2Fb/../c%20d.json?x=%41");
        f.fetch(&url, 10).unwrap();
        assert_eq!(server.paths()[0], "/meta/a%2Fb/../c%20d.json?x=%41");
    }

    #[test]
    fn exact_cap_and_empty_body() {
        let server = serving(Reply::body(b"12345"));
        server.route("/empty", Reply::body(b""));
        let mut f = fetcher();
        assert_eq!(f.fetch(&server.url("/five"), 5).unwrap(), b"12345");
        assert_eq!(f.fetch(&server.url("/empty"), 0).unwrap(), b"");
        let err = f.fetch(&server.url("/five"), 4).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DownloadSize);
        assert!(err.message().contains(&server.url("/five")), "{err}");
    }

    #[test]
    fn not_found_and_gone() {
        let server = serving(Reply::status("404 Not Found", b"not here!"));
        server.route("/gone", Reply::status("410 Gone", b"not here!"));
        let mut f = fetcher();
        let url = server.url("/missing.json");
        let err = f.fetch(&url, 1024).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.message().contains(&url), "{err}");
        assert_eq!(
            kind(f.fetch(&server.url("/gone"), 1024)),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind(f.fetch_into(&url, 1024, &mut io::sink())),
            ErrorKind::NotFound
        );
    }

    #[test]
    fn other_statuses_are_io_errors() {
        let server = serving(Reply::status("304 Not Modified", b""));
        for status in [
            "500 Internal Server Error",
            "403 Forbidden",
            "204 No Content",
            "206 Partial Content",
        ] {
            server.route(&format!("/{}", &status[..3]), Reply::status(status, b""));
        }
        let mut f = fetcher();
        let err = f.fetch(&server.url("/500"), 1024).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.message().contains("500"), "{err}");
        assert!(err.message().contains(&server.url("/500")), "{err}");
        for path in ["/403", "/204", "/206", "/304"] {
            assert_eq!(
                kind(f.fetch(&server.url(path), 1024)),
                ErrorKind::Io,
                "{path}"
            );
        }
    }

    #[test]
    fn content_length_over_cap_is_refused_before_the_body() {
        // The server announces 1 MB and sends nothing: a client reading the
        // body would wait for its read timeout.
        let server = serving(
            Reply::raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                .then_stall(Duration::from_secs(3)),
        );
        let mut f = fetcher();
        let t = Instant::now();
        let err = f.fetch(&server.url("/big"), 1000).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DownloadSize);
        assert!(err.message().contains("Content-Length 1000000"), "{err}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[test]
    fn close_delimited_body_over_cap_stops_early() {
        let server =
            serving(Reply::raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").then_endless());
        let mut f = fetcher();
        let t = Instant::now();
        let mut sink = Vec::new();
        let err = f
            .fetch_into(&server.url("/endless"), 1000, &mut sink)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DownloadSize);
        assert!(sink.len() <= 1000);
        drop(f);
        let (written, failed) = *server.endless_results(1).first().expect("server finished");
        assert!(failed, "server wrote all {written} bytes");
        assert!(written < 100 * 1024 * 1024);
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    }

    #[test]
    fn chunked_body() {
        let server = serving(Reply::raw(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
              5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n",
        ));
        let mut f = fetcher();
        assert_eq!(f.fetch(&server.url("/c"), 11).unwrap(), b"hello world");
        assert_eq!(
            kind(f.fetch(&server.url("/c"), 10)),
            ErrorKind::DownloadSize
        );
    }

    #[test]
    fn truncated_body_is_an_io_error() {
        let server = serving(Reply::raw(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this",
        ));
        let mut f = fetcher();
        assert_eq!(kind(f.fetch(&server.url("/t"), 1000)), ErrorKind::Io);
    }

    #[test]
    fn gzip_content_encoding_is_returned_raw() {
        // gzip of "hello\n"; a decoding client would return 6 bytes.
        const GZ: &[u8] = &[
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9,
            0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00,
        ];
        let server = serving(Reply::gzip(GZ));
        let mut chunked = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\
            Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
        chunked.extend_from_slice(format!("{:x}\r\n", GZ.len()).as_bytes());
        chunked.extend_from_slice(GZ);
        chunked.extend_from_slice(b"\r\n0\r\n\r\n");
        server.route("/chunked", Reply::raw(&chunked));
        let mut f = fetcher();
        assert_eq!(f.fetch(&server.url("/g"), 1000).unwrap(), GZ);
        assert_eq!(f.fetch(&server.url("/chunked"), 1000).unwrap(), GZ);
        // The cap applies to the raw bytes.
        assert_eq!(
            kind(f.fetch(&server.url("/g"), 10)),
            ErrorKind::DownloadSize
        );
        assert_eq!(
            kind(f.fetch(&server.url("/chunked"), 10)),
            ErrorKind::DownloadSize
        );
    }

    #[test]
    fn redirects_are_followed_up_to_five() {
        let server = serving(Reply::body(b"new body"));
        server.route("/old", Reply::redirect("302 Found", "/new"));
        server.route("/loop", Reply::redirect("301 Moved Permanently", "/loop"));
        // /hop/N redirects N more times, then serves the body.
        server.route_fn(|request| {
            let n: u32 = request.path.strip_prefix("/hop/")?.parse().unwrap_or(0);
            Some(match n {
                0 => Reply::body(b"arrived"),
                n => Reply::redirect("307 Temporary Redirect", &format!("/hop/{}", n - 1)),
            })
        });
        let mut f = fetcher();
        assert_eq!(f.fetch(&server.url("/old"), 100).unwrap(), b"new body");
        assert_eq!(server.paths(), ["/old", "/new"]);

        assert_eq!(f.fetch(&server.url("/hop/5"), 100).unwrap(), b"arrived");
        let err = f.fetch(&server.url("/hop/6"), 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.message().contains("redirect"), "{err}");

        let err = f.fetch(&server.url("/loop"), 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.message().contains(&server.url("/loop")), "{err}");
    }

    #[test]
    fn redirect_to_another_scheme_is_refused() {
        let server = serving(Reply::redirect("302 Found", "file:///etc/passwd"));
        let mut f = fetcher();
        assert_eq!(kind(f.fetch(&server.url("/x"), 1 << 20)), ErrorKind::Io);
    }

    /// Fetches `url` with a deadline of one second.
    fn one_second_deadline(url: &str) -> Result<Vec<u8>> {
        let mut f = HttpFetcher::new(HttpConfig {
            deadline: Duration::from_secs(1),
            ..config()
        });
        f.start_deadline();
        f.fetch(url, 100_000)
    }

    #[test]
    fn trickling_body_hits_the_deadline() {
        let server = serving(Reply::trickle(&[b'x'; 1000], Duration::from_millis(300)));
        let t = Instant::now();
        let err = one_second_deadline(&server.url("/slow")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DenialOfService, "{err}");
        assert!(err.message().contains(&server.url("/slow")), "{err}");
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    }

    #[test]
    fn trickling_headers_hit_the_deadline() {
        let server = serving(
            Reply::raw(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                .then_trickle(&[b'a'; 1000], Duration::from_millis(300)),
        );
        let t = Instant::now();
        let err = one_second_deadline(&server.url("/slow")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DenialOfService, "{err}");
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    }

    /// A fetcher with a 1 KiB/s floor over 500 ms windows.
    fn low_speed(limit: u64) -> HttpFetcher {
        let mut f = HttpFetcher::new(HttpConfig {
            low_speed_limit: limit,
            low_speed_time: Duration::from_millis(500),
            ..config()
        });
        f.start_deadline();
        f
    }

    /// Serves a head, then `body` one byte per `every`.
    fn trickle(head: &'static [u8], body: &'static [u8], every: Duration) -> Server {
        serving(Reply::raw(head).then_trickle(body, every))
    }

    #[test]
    fn the_low_speed_rule_stops_a_trickling_body() {
        let server = trickle(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
            &[b'x'; 100],
            Duration::from_millis(50),
        );
        let mut f = low_speed(1024);
        let url = server.url("/slow");
        let err = f.fetch(&url, 1000).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DenialOfService, "{err}");
        assert!(err.message().contains("slow retrieval"), "{err}");
        assert!(err.message().contains("1024 bytes/s"), "{err}");
        assert!(err.message().contains(&url), "{err}");
        // Streaming into a sink: the same rule.
        let mut sink = Vec::new();
        let err = f.fetch_into(&url, 1000, &mut sink).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DenialOfService, "{err}");
        assert!(sink.len() < 100);
    }

    #[test]
    fn the_low_speed_rule_stops_a_silence_and_a_trickling_head() {
        // Two bytes, then nothing: well inside the 5 s read timeout, but
        // a whole window without data.
        let hold = serving(
            Reply::raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
                .then_stall(Duration::from_secs(3)),
        );
        let err = low_speed(1024).fetch(&hold.url("/stall"), 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DenialOfService, "{err}");
        assert!(err.message().contains("slow retrieval"), "{err}");
        // The response head, one header byte at a time.
        let head = trickle(
            b"HTTP/1.1 200 OK\r\nX-Slow: ",
            &[b'a'; 100],
            Duration::from_millis(50),
        );
        let err = low_speed(1024).fetch(&head.url("/head"), 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DenialOfService, "{err}");
        assert!(err.message().contains("slow retrieval"), "{err}");
    }

    #[test]
    fn the_low_speed_rule_passes_fast_bodies_and_can_be_turned_off() {
        let server = serving(Reply::body(&[b'y'; 300_000]));
        assert_eq!(
            low_speed(1024)
                .fetch(&server.url("/f"), 300_000)
                .unwrap()
                .len(),
            300_000
        );
        // 20 bytes over a second: far below the floor, but the rule is off.
        let slow = trickle(
            b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n",
            &[b'z'; 20],
            Duration::from_millis(50),
        );
        assert_eq!(low_speed(0).fetch(&slow.url("/s"), 20).unwrap(), [b'z'; 20]);
    }

    #[test]
    fn a_collected_body_never_reserves_past_its_cap() {
        let cap = 1_000_000;
        let mut buf = CappedBuffer {
            data: Vec::new(),
            cap,
        };
        let chunk = [7u8; CHUNK];
        while buf.data.len() + CHUNK <= cap as usize {
            buf.write_all(&chunk).unwrap();
            assert!(
                buf.data.capacity() <= cap as usize,
                "{}",
                buf.data.capacity()
            );
        }
        let rest = cap as usize - buf.data.len();
        buf.write_all(&chunk[..rest]).unwrap();
        assert_eq!(buf.data.len(), cap as usize);
        assert_eq!(buf.data.capacity(), cap as usize);
        assert!(buf.write_all(b"!").is_err());
        // Through the fetcher: an endless body is cut at the cap, and the
        // body held never had more room than the cap.
        let server = serving(Reply::raw(b"HTTP/1.1 200 OK\r\n\r\n").then_endless());
        let err = fetcher().fetch(&server.url("/endless"), cap).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DownloadSize, "{err}");
    }

    #[test]
    fn a_stalled_body_hits_the_read_timeout() {
        let server = serving(
            Reply::raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
                .then_stall(Duration::from_secs(3)),
        );
        let mut f = HttpFetcher::new(HttpConfig {
            read_timeout: Duration::from_millis(300),
            ..config()
        });
        let t = Instant::now();
        let err = f.fetch(&server.url("/stall"), 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[test]
    fn the_deadline_spans_fetches_until_restarted() {
        let server = serving(Reply::body(b"ok"));
        let mut f = HttpFetcher::new(HttpConfig {
            deadline: Duration::from_millis(700),
            ..config()
        });
        f.start_deadline();
        assert_eq!(f.fetch(&server.url("/a"), 10).unwrap(), b"ok");
        thread::sleep(Duration::from_millis(800));
        assert_eq!(
            kind(f.fetch(&server.url("/a"), 10)),
            ErrorKind::DenialOfService
        );
        let path = std::env::temp_dir();
        let file_url = format!("file://{}", path.display());
        assert_eq!(kind(f.fetch(&file_url, 10)), ErrorKind::DenialOfService);
        f.start_deadline();
        assert_eq!(f.fetch(&server.url("/a"), 10).unwrap(), b"ok");
        // Without start_deadline the window starts at the first fetch.
        let mut g = HttpFetcher::new(config());
        assert_eq!(g.fetch(&server.url("/a"), 10).unwrap(), b"ok");
    }

    #[test]
    fn https_is_verified_and_never_falls_back() {
        // A plain-HTTP server where https is expected: whatever it gets, it
        // answers in HTTP and closes. The handshake must fail, with no retry
        // in plain HTTP.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}/x", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut got = Vec::new();
            if let Ok((mut s, _)) = listener.accept() {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                if let Ok(n) = s.read(&mut buf) {
                    got.extend_from_slice(&buf[..n]);
                }
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain");
            }
            let _ = tx.send(got);
        });
        let mut f = fetcher();
        let t = Instant::now();
        let err = f.fetch(&url, 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        assert!(err.message().contains(&url), "{err}");
        assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
        let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        // A TLS handshake record (0x16), not an HTTP request.
        assert_eq!(got.first(), Some(&0x16));
    }

    /// A test CA and a server certificate for `names` signed by it.
    fn test_pki(names: &[&str]) -> (RootCerts, Arc<rustls::ServerConfig>) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "tuf-native test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        let cert = rcgen::CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &ca, &ca_key)
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let roots = RootCerts::from([ureq::tls::Certificate::from_der(ca.der()).to_owned()]);
        (roots, Arc::new(server))
    }

    fn fetcher_trusting(roots: RootCerts) -> HttpFetcher {
        let mut f = HttpFetcher::with_roots(config(), roots, false);
        f.start_deadline();
        f
    }

    #[test]
    fn https_redirects_never_downgrade() {
        let (roots, tls) = test_pki(&["localhost", "127.0.0.1"]);
        let plain = serving(Reply::body(b"plain body"));
        let secure = Server::start_tls(tls);
        secure.fallback(Reply::body(b"secure body"));
        let down = Reply::redirect("302 Found", &plain.url("/target.json"));
        secure.route("/down", down);
        secure.route("/same", Reply::redirect("302 Found", "/secure"));
        let upgrade = serving(Reply::redirect(
            "301 Moved Permanently",
            &secure.url("/secure"),
        ));

        let mut f = fetcher_trusting(roots);
        assert_eq!(
            f.fetch(&secure.url("/secure"), 100).unwrap(),
            b"secure body"
        );
        let mut sink = Vec::new();
        assert_eq!(
            f.fetch_into(&secure.url("/same"), 100, &mut sink).unwrap(),
            11
        );
        assert_eq!(sink, b"secure body");
        // http -> https is followed.
        assert_eq!(f.fetch(&upgrade.url("/x"), 100).unwrap(), b"secure body");

        let err = f.fetch(&secure.url("/down"), 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        assert!(err.message().contains(&secure.url("/down")), "{err}");
        assert!(err.message().contains("redirect"), "{err}");
        assert!(plain.paths().is_empty(), "the downgraded URL was requested");
    }

    #[test]
    fn https_rejects_untrusted_and_misnamed_certificates() {
        let (roots, tls) = test_pki(&["tuf.invalid"]);
        let (other_roots, _) = test_pki(&["127.0.0.1"]);
        let server = Server::start_tls(tls);
        server.fallback(Reply::body(b"x"));
        let url = server.url("/x");
        // Right CA, wrong name.
        let err = fetcher_trusting(roots).fetch(&url, 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        // Unknown CA: with the test CA of another run, and with the default roots.
        assert_eq!(
            kind(fetcher_trusting(other_roots).fetch(&url, 100)),
            ErrorKind::Io
        );
        assert_eq!(kind(fetcher().fetch(&url, 100)), ErrorKind::Io);
        assert!(
            server.paths().is_empty(),
            "a request was sent over unverified TLS"
        );
    }

    #[test]
    fn connection_refused_is_io() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut f = fetcher();
        let url = format!("http://127.0.0.1:{port}/x");
        let err = f.fetch(&url, 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.message().contains(&url), "{err}");
    }

    fn temp_dir() -> std::path::PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tuf-http-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn file_urls() {
        let dir = temp_dir();
        let file = dir.join("1.root.json");
        fs::write(&file, b"{\"signed\":{}}").unwrap();
        let url = format!("file://{}", file.display());
        let mut f = fetcher();
        assert_eq!(f.fetch(&url, 13).unwrap(), b"{\"signed\":{}}");
        let mut sink = Vec::new();
        assert_eq!(f.fetch_into(&url, 100, &mut sink).unwrap(), 13);
        assert_eq!(sink, b"{\"signed\":{}}");
        let localhost = format!("file://localhost{}", file.display());
        assert_eq!(f.fetch(&localhost, 13).unwrap(), b"{\"signed\":{}}");

        let err = f.fetch(&url, 12).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DownloadSize);
        assert!(err.message().contains(&url), "{err}");

        let missing = format!("file://{}", dir.join("2.root.json").display());
        let err = f.fetch(&missing, 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.message().contains(&missing), "{err}");
        let under_file = format!("{url}/x");
        assert_eq!(kind(f.fetch(&under_file, 100)), ErrorKind::NotFound);

        let directory = format!("file://{}", dir.display());
        assert_eq!(kind(f.fetch(&directory, 100)), ErrorKind::Io);
        // Not decoded: "%31" is not "1".
        let encoded = format!("file://{}", dir.join("%31.root.json").display());
        assert_eq!(kind(f.fetch(&encoded, 100)), ErrorKind::NotFound);

        fs::write(dir.join("empty"), b"").unwrap();
        let empty = format!("file://{}", dir.join("empty").display());
        assert_eq!(f.fetch(&empty, 0).unwrap(), b"");

        assert_eq!(
            kind(f.fetch("file://example.com/etc/hosts", 100)),
            ErrorKind::Io
        );
        assert_eq!(kind(f.fetch("file:relative/path", 100)), ErrorKind::Io);
        assert_eq!(kind(f.fetch("file://", 100)), ErrorKind::Io);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn file_url_to_a_device_is_refused() {
        let mut f = fetcher();
        assert_eq!(kind(f.fetch("file:///dev/zero", 100)), ErrorKind::Io);
    }

    #[test]
    fn other_schemes_and_garbage_are_io_errors() {
        let mut f = fetcher();
        let err = f.fetch("ftp://127.0.0.1/x", 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.message().contains("'ftp'"), "{err}");
        for url in [
            "",
            ":",
            "not a url",
            "/abs/path",
            "http:",
            "http://",
            "http:///x",
            "http://[::1",
            "http://a b/",
            "http://127.0.0.1:99999/",
            "http://127.0.0.1:1/\0",
            "https://",
            "HTTPS:/x",
            "\u{0}:x",
            "1http://x",
            "file:",
            "file:///\0",
            "data:text/plain,hi",
        ] {
            assert_eq!(kind(f.fetch(url, 100)), ErrorKind::Io, "{url:?}");
        }
    }

    #[test]
    fn odd_config_values_do_not_panic() {
        let server = serving(Reply::body(b"ok"));
        let mut f = HttpFetcher::new(HttpConfig {
            connect_timeout: Duration::ZERO,
            read_timeout: Duration::MAX,
            deadline: Duration::MAX,
            low_speed_limit: u64::MAX,
            low_speed_time: Duration::ZERO,
            user_agent: "bad\r\nheader".into(),
        });
        f.start_deadline();
        let _ = f.fetch(&server.url("/a"), u64::MAX);
        let mut g = HttpFetcher::new(HttpConfig {
            deadline: Duration::ZERO,
            user_agent: String::new(),
            ..config()
        });
        assert_eq!(
            kind(g.fetch(&server.url("/a"), 10)),
            ErrorKind::DenialOfService
        );
    }

    #[test]
    fn loopback_detection() {
        for url in [
            "http://127.0.0.1:8080/x",
            "http://127.1.2.3/",
            "https://localhost/x",
            "http://LOCALHOST.:80",
            "http://user:pw@127.0.0.1/x",
            "http://[::1]:8080/x",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://example.com/127.0.0.1",
            "http://10.0.0.1/",
            "http://[::2]/",
            "x",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn fetcher_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<HttpFetcher>();
    }

    #[test]
    fn default_config() {
        let c = HttpConfig::default();
        assert_eq!(c.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.read_timeout, Duration::from_secs(30));
        assert_eq!(c.deadline, Duration::from_secs(300));
        assert_eq!(c.low_speed_limit, 1024);
        assert_eq!(c.low_speed_time, Duration::from_secs(10));
        assert_eq!(
            c.user_agent,
            format!("tuf-native/{}", env!("CARGO_PKG_VERSION"))
        );
    }
}
