//! The subcommands that talk to a repository: init, refresh, download and
//! verify. Each writes a short report to `out` and returns an error for
//! anything short of full success.

use std::io::{Read, Write};
use std::path::Path;

use tuf_core::config::Config;
use tuf_core::time::{format_time, now};
use tuf_core::trusted::TrustedSet;
use tuf_core::updater::{MetadataStore, RefreshReport, Updater};
use tuf_core::{Error, Result};
use tuf_io::download::{self, verify_file};
use tuf_io::http::{HttpConfig, HttpFetcher};
use tuf_io::store::LockedStore;

use crate::args::Options;
use crate::store::open_store;
use crate::{CliResult, Failure};

type CliUpdater = Updater<HttpFetcher, LockedStore>;

pub fn write_line(out: &mut dyn Write, line: &str) -> Result<()> {
    writeln!(out, "{line}").map_err(|e| Error::io(format!("writing to standard output: {e}")))
}

/// A missing option is the operator's mistake, not the repository's.
pub fn required<'a, T: ?Sized>(value: Option<&'a T>, option: &str) -> CliResult<&'a T> {
    value.ok_or_else(|| Failure::Usage(format!("{option} is required for this command")))
}

/// `init ROOT_FILE`: the CLIENT-CLI protocol only asks to store the file,
/// but trusting junk would just fail later and less clearly, so the root
/// must parse and carry its own threshold of valid root signatures (spec
/// 5.2). Expiry is not checked: an expired trusted root is normal and is
/// rotated away by the next refresh (spec 5.3.10 checks the final root
/// only). No network access.
pub fn init(options: &Options, root_file: &Path, out: &mut dyn Write) -> CliResult<()> {
    let dir = required(options.metadata_dir.as_deref(), "--metadata-dir")?;
    let bytes = read_capped(root_file, Config::default().root_max_length)?;
    let set = TrustedSet::new(&bytes, now()).map_err(|e| e.context(root_file.display()))?;
    let mut store = open_store(dir)?;
    store.store("root", &bytes)?;
    let root = set.root();
    let line = format!(
        "initialised {} with root version {} (expires {})",
        dir.display(),
        root.common.version,
        format_time(root.common.expires)
    );
    Ok(write_line(out, &line)?)
}

/// Reads a local file of at most `cap` bytes.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("reading {}: {e}", path.display())))?;
    if bytes.len() as u64 > cap {
        return Err(Error::format(format!(
            "{}: larger than the root size limit of {cap} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Limits from the command line over the documented defaults.
fn config(options: &Options) -> Config {
    let mut config = Config::default();
    if let Some(n) = options.max_roles {
        config.max_roles_visited = n;
    }
    config
}

fn fetcher(options: &Options) -> HttpFetcher {
    let mut http = HttpConfig::default();
    if let Some(t) = options.timeout {
        http.deadline = t;
    }
    HttpFetcher::new(http)
}

fn updater(options: &Options, metadata_url: &str, store: LockedStore) -> CliUpdater {
    Updater::new(config(options), metadata_url, fetcher(options), store)
}

/// Spec 5.1 to 5.6 at the current time (the updater gives each call a
/// fresh network deadline).
fn refresh_now(updater: &mut CliUpdater) -> Result<RefreshReport> {
    updater.refresh(now())
}

fn report_line(r: &RefreshReport) -> String {
    let timestamp = if r.timestamp_unchanged {
        " (unchanged)"
    } else {
        ""
    };
    format!(
        "trusted: root v{}, timestamp v{}{timestamp}, snapshot v{}, targets v{}",
        r.root_version, r.timestamp_version, r.snapshot_version, r.targets_version
    )
}

pub fn refresh(options: &Options, out: &mut dyn Write) -> CliResult<()> {
    let dir = required(options.metadata_dir.as_deref(), "--metadata-dir")?;
    let url = required(options.metadata_url.as_deref(), "--metadata-url")?;
    let mut updater = updater(options, url, open_store(dir)?);
    let report = refresh_now(&mut updater)?;
    Ok(write_line(out, &report_line(&report))?)
}

/// `download`: one refresh, then each target in the order given, with the
/// same updater (so delegated roles are fetched at most once), stopping at
/// the first failure.
pub fn download(options: &Options, out: &mut dyn Write) -> CliResult<()> {
    let dir = required(options.metadata_dir.as_deref(), "--metadata-dir")?;
    let url = required(options.metadata_url.as_deref(), "--metadata-url")?;
    let base = required(options.target_base_url.as_deref(), "--target-base-url")?;
    let target_dir = required(options.target_dir.as_deref(), "--target-dir")?;
    if options.target_names.is_empty() {
        return Err(Failure::Usage(
            "download needs at least one --target-name".into(),
        ));
    }
    std::fs::create_dir_all(target_dir)
        .map_err(|e| Error::io(format!("creating {}: {e}", target_dir.display())))?;
    let mut updater = updater(options, url, open_store(dir)?);
    refresh_now(&mut updater)?;
    for name in &options.target_names {
        // Spec 5.7; each target gets the whole time budget.
        let plan = updater.target_download(name)?;
        let path = download::download(&mut updater, &plan, base, target_dir)?;
        write_line(out, &format!("{name}: {}", path.display()))?;
    }
    Ok(())
}

/// `verify FILE TARGET`. The cached metadata alone cannot be trusted
/// without a refresh: it may have expired, and a newer timestamp may have
/// revoked it (spec 5.4). So this refreshes first, exactly like
/// `download`, then checks the local file against the trusted length and
/// hashes; nothing is downloaded into place.
pub fn verify(options: &Options, file: &Path, target: &str, out: &mut dyn Write) -> CliResult<()> {
    let dir = required(options.metadata_dir.as_deref(), "--metadata-dir")?;
    let url = required(options.metadata_url.as_deref(), "--metadata-url")?;
    let mut updater = updater(options, url, open_store(dir)?);
    refresh_now(&mut updater)?;
    let info = updater.listed_target_info(target)?;
    verify_file(file, &info)?;
    let line = format!(
        "{}: matches target {target:?} ({} bytes, listed by role {:?})",
        file.display(),
        info.length,
        info.role
    );
    Ok(write_line(out, &line)?)
}
