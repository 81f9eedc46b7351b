//! Command-line parsing, by hand: the grammar is small and fixed by the
//! TUF conformance suite's client-under-test protocol (CLIENT-CLI.md):
//! options first, in any order, then a subcommand and its operands.
//!
//! `--name value` and `--name=value` are both accepted; `--` ends the
//! options, so an operand may start with `--`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
Usage: tuf-native [OPTIONS] COMMAND [OPERANDS]

A TUF (The Update Framework) client: verifies repository metadata and
downloads targets only when they match what trusted metadata says.

Commands:
  init ROOT_FILE     trust ROOT_FILE (checked against its own signature
                     threshold, no network) as the initial root
  refresh            update trusted metadata from --metadata-url
  download           refresh, then download each --target-name, in order,
                     into --target-dir; stops at the first failure
  status             show the cached trusted metadata (no network)
  verify FILE TARGET refresh, then check the local FILE against the trusted
                     length and hashes of TARGET

Options:
  --metadata-dir DIR       trusted metadata cache (all commands)
  --metadata-url URL       repository metadata URL, a prefix to which file
                           names are appended as they are (end it with /)
  --target-name NAME       target to download (repeatable)
  --target-base-url URL    repository targets URL prefix (end it with /)
  --target-dir DIR         where downloaded targets are stored, under their
                           target names
  --json                   status as JSON
  --max-roles N            most targets roles visited per target lookup
  --timeout SECONDS        overall network time budget for a refresh, and
                           again for each target download
  -h, --help               this text
  -V, --version            the version

Exit status: 0 on full success, 1 on any failure (with a one-line reason
on standard error).
";

/// `--help`: the usage, then every limit's default from the one list in
/// `tuf_core::config` (the same rows `php --ri tuf_native` shows).
pub fn help() -> String {
    let mut text = USAGE.trim_end().to_string();
    text.push_str("\n\nLimits (defaults; named as the extension's $options):\n");
    for limit in tuf_core::config::defaults() {
        text.push_str(&format!("  {:<24} {}\n", limit.name, limit.value));
    }
    text.trim_end().to_string()
}

/// The options, before the subcommand.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub metadata_dir: Option<PathBuf>,
    pub metadata_url: Option<String>,
    pub target_names: Vec<String>,
    pub target_base_url: Option<String>,
    pub target_dir: Option<PathBuf>,
    pub json: bool,
    pub max_roles: Option<usize>,
    pub timeout: Option<Duration>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Init { root_file: PathBuf },
    Refresh,
    Download,
    Status,
    Verify { file: PathBuf, target: String },
    Help,
    Version,
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<(Options, Command), String> {
    let mut options = Options::default();
    let mut operands: Vec<OsString> = Vec::new();
    let mut args = args.into_iter();
    let mut help = false;
    let mut version = false;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            operands.extend(args.by_ref());
            break;
        }
        match text.as_ref() {
            "-h" | "--help" => help = true,
            "-V" | "--version" => version = true,
            "--json" => options.json = true,
            t if t.starts_with("--") => {
                let (name, inline) = match t.split_once('=') {
                    Some((name, value)) => (name.to_string(), Some(OsString::from(value))),
                    None => (t.to_string(), None),
                };
                let value = match inline {
                    Some(v) => v,
                    None => args
                        .next()
                        .ok_or_else(|| format!("option {name} needs a value"))?,
                };
                set_option(&mut options, &name, value)?;
            }
            t if t.starts_with('-') && t.len() > 1 => return Err(format!("unknown option {t}")),
            _ => operands.push(arg),
        }
    }
    if help {
        return Ok((options, Command::Help));
    }
    if version {
        return Ok((options, Command::Version));
    }
    let command = command(operands)?;
    Ok((options, command))
}

/// Stores one valued option; each may be given once, except the
/// repeatable `--target-name`.
fn set_option(options: &mut Options, name: &str, value: OsString) -> Result<(), String> {
    fn once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), String> {
        if slot.is_some() {
            return Err(format!("option {name} given twice"));
        }
        *slot = Some(value);
        Ok(())
    }
    match name {
        "--metadata-dir" => once(&mut options.metadata_dir, name, PathBuf::from(value)),
        "--target-dir" => once(&mut options.target_dir, name, PathBuf::from(value)),
        "--metadata-url" => once(&mut options.metadata_url, name, utf8(name, value)?),
        "--target-base-url" => once(&mut options.target_base_url, name, utf8(name, value)?),
        "--target-name" => {
            options.target_names.push(utf8(name, value)?);
            Ok(())
        }
        "--max-roles" => {
            let n = number(name, &value)?;
            let n = usize::try_from(n).map_err(|_| format!("option {name}: {n} is too large"))?;
            once(&mut options.max_roles, name, n)
        }
        "--timeout" => once(
            &mut options.timeout,
            name,
            Duration::from_secs(number(name, &value)?),
        ),
        "--json" | "--help" | "--version" => Err(format!("option {name} takes no value")),
        _ => Err(format!("unknown option {name}")),
    }
}

/// URLs and target names are text (target names are JSON strings).
fn utf8(name: &str, value: OsString) -> Result<String, String> {
    value
        .into_string()
        .map_err(|v| format!("option {name}: {v:?} is not valid UTF-8"))
}

/// A positive whole number.
fn number(name: &str, value: &OsString) -> Result<u64, String> {
    value
        .to_str()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("option {name}: expected a positive whole number, got {value:?}"))
}

/// The subcommand and its operands.
fn command(operands: Vec<OsString>) -> Result<Command, String> {
    let mut operands = operands.into_iter();
    let Some(name) = operands.next() else {
        return Err("no command given".to_string());
    };
    let rest: Vec<OsString> = operands.collect();
    let name = name.to_string_lossy().into_owned();
    let arity = |n: usize| -> Result<(), String> {
        if rest.len() == n {
            Ok(())
        } else {
            Err(format!("{name} takes {n} operand(s), got {}", rest.len()))
        }
    };
    match name.as_str() {
        "init" => {
            arity(1)?;
            Ok(Command::Init {
                root_file: PathBuf::from(&rest[0]),
            })
        }
        "refresh" => arity(0).map(|_| Command::Refresh),
        "download" => arity(0).map(|_| Command::Download),
        "status" => arity(0).map(|_| Command::Status),
        "verify" => {
            arity(2)?;
            let target = utf8("verify TARGET", rest[1].clone())?;
            Ok(Command::Verify {
                file: PathBuf::from(&rest[0]),
                target,
            })
        }
        other => Err(format!("unknown command {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<(Options, Command), String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn conformance_download_line() {
        let (o, c) = parse_strs(&[
            "--metadata-url",
            "http://h/m/",
            "--metadata-dir",
            "/tmp/m",
            "--target-name",
            "a/b.txt",
            "--target-dir",
            "/tmp/t",
            "--target-base-url=http://h/t/",
            "--target-name",
            "c",
            "download",
        ])
        .unwrap();
        assert_eq!(c, Command::Download);
        assert_eq!(o.metadata_dir, Some(PathBuf::from("/tmp/m")));
        assert_eq!(o.metadata_url.as_deref(), Some("http://h/m/"));
        assert_eq!(o.target_names, ["a/b.txt", "c"]);
        assert_eq!(o.target_base_url.as_deref(), Some("http://h/t/"));
        assert_eq!(o.target_dir, Some(PathBuf::from("/tmp/t")));
    }

    #[test]
    fn commands_and_operands() {
        let (_, c) = parse_strs(&["--metadata-dir", "d", "init", "root.json"]).unwrap();
        assert_eq!(
            c,
            Command::Init {
                root_file: "root.json".into()
            }
        );
        let (o, c) = parse_strs(&["--json", "--metadata-dir", "d", "status"]).unwrap();
        assert!(o.json);
        assert_eq!(c, Command::Status);
        let (_, c) = parse_strs(&["verify", "--", "--file", "t"]).unwrap();
        assert_eq!(
            c,
            Command::Verify {
                file: "--file".into(),
                target: "t".into()
            }
        );
        let (o, _) = parse_strs(&["--max-roles", "7", "--timeout=30", "refresh"]).unwrap();
        assert_eq!(o.max_roles, Some(7));
        assert_eq!(o.timeout, Some(Duration::from_secs(30)));
        assert_eq!(parse_strs(&["refresh", "--help"]).unwrap().1, Command::Help);
    }

    #[test]
    fn mistakes_are_reported() {
        for (args, want) in [
            (&[][..], "no command"),
            (&["frobnicate"][..], "unknown command"),
            (&["--metadata-dir"][..], "needs a value"),
            (&["--colour", "x", "refresh"][..], "unknown option"),
            (&["-x", "refresh"][..], "unknown option"),
            (
                &["--metadata-dir", "a", "--metadata-dir", "b", "refresh"][..],
                "given twice",
            ),
            (&["--json=yes", "status"][..], "takes no value"),
            (&["--timeout", "0", "refresh"][..], "positive whole number"),
            (
                &["--max-roles", "many", "refresh"][..],
                "positive whole number",
            ),
            (&["init"][..], "takes 1 operand"),
            (&["refresh", "extra"][..], "takes 0 operand"),
            (&["verify", "f"][..], "takes 2 operand"),
        ] {
            let err = parse_strs(args).unwrap_err();
            assert!(err.contains(want), "{args:?}: {err}");
        }
    }
}
