//! `tuf-native`: a TUF client on the command line, over tuf-core.
//!
//! It follows the client-under-test protocol of the TUF conformance suite
//! (CLIENT-CLI.md in theupdateframework/tuf-conformance): `init`,
//! `refresh` and `download`, exit status 0 on full success and exactly 1
//! on any failure. It adds `status` and `verify` for operators. Every
//! failure is reported as one line on standard error:
//! `tuf-native: <reason>`.

mod args;
mod commands;
mod status;
mod store;

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use args::Command;

/// Why a run failed.
#[derive(Debug)]
pub enum Failure {
    /// The command line was wrong.
    Usage(String),
    /// Verification, the repository, the network or the filesystem.
    Tuf(tuf_core::Error),
}

pub type CliResult<T> = Result<T, Failure>;

impl From<tuf_core::Error> for Failure {
    fn from(e: tuf_core::Error) -> Self {
        Failure::Tuf(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) => write!(f, "{m} (see tuf-native --help)"),
            Failure::Tuf(e) => write!(f, "{e}"),
        }
    }
}

fn main() -> ExitCode {
    install_panic_hook();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    // A panic would be a bug; it must still exit with status 1, as the
    // protocol has no other failure status.
    match std::panic::catch_unwind(|| run(args)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(failure)) => {
            report(&failure.to_string());
            ExitCode::FAILURE
        }
        Err(_) => ExitCode::FAILURE,
    }
}

fn run(args: Vec<OsString>) -> CliResult<()> {
    let (options, command) = args::parse(args).map_err(Failure::Usage)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match command {
        Command::Help => Ok(commands::write_line(&mut out, &args::help())?),
        Command::Version => Ok(commands::write_line(
            &mut out,
            &format!("tuf-native {}", env!("CARGO_PKG_VERSION")),
        )?),
        Command::Init { root_file } => commands::init(&options, &root_file, &mut out),
        Command::Refresh => commands::refresh(&options, &mut out),
        Command::Download => commands::download(&options, &mut out),
        Command::Status => status::status(&options, &mut out),
        Command::Verify { file, target } => commands::verify(&options, &file, &target, &mut out),
    }
}

/// Prints `tuf-native: <message>` as exactly one line on stderr.
fn report(message: &str) {
    let one_line: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    // Nothing more can be done if stderr itself is gone.
    let _ = writeln!(std::io::stderr(), "tuf-native: {one_line}");
}

/// Replaces the default multi-line panic report with the one-line form.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        report(&format!("internal error: {what}{at}"));
    }));
}
