//! `status`: what the metadata cache holds and what of it verifies, for an
//! operator. No network access.
//!
//! Signatures, thresholds and the version links between the roles are
//! checked as a refresh would (spec 5.2 to 5.6), but at the earliest
//! representable time, so that expiry never hides a role; each role's
//! expiry is then reported against the clock instead.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};
use tuf_core::metadata::{Common, Root, TOP_LEVEL_ROLES};
use tuf_core::time::{format_time, now, UnixTime};
use tuf_core::trusted::TrustedSet;
use tuf_core::updater::MetadataStore;
use tuf_core::{Error, Result};

use crate::args::Options;
use crate::commands::{required, write_line};
use crate::store::open_store;
use crate::CliResult;

/// What the cache says about one top-level role.
#[derive(Debug)]
enum State {
    /// Verified; `expired` is relative to the time of the report.
    Verified {
        version: u64,
        expires: UnixTime,
        expired: bool,
    },
    Missing,
    /// Present but does not verify (or what it hangs from does not).
    Unverified(String),
}

struct RoleStatus {
    name: &'static str,
    state: State,
}

struct Report {
    checked_at: UnixTime,
    root: Root,
    roles: Vec<RoleStatus>,
}

pub fn status(options: &Options, out: &mut dyn Write) -> CliResult<()> {
    let dir = required(options.metadata_dir.as_deref(), "--metadata-dir")?;
    // Opening the cache would create a missing directory: not for a report.
    if !dir.is_dir() {
        return Err(Error::state(format!(
            "{} is not a metadata directory: run init first",
            dir.display()
        ))
        .into());
    }
    // Locked so the files read belong to one refresh, not two.
    let mut store = open_store(dir)?;
    let report = inspect(&mut store, now())?;
    let text = if options.json {
        to_json(&report, dir).to_string()
    } else {
        to_text(&report, dir)
    };
    Ok(write_line(out, text.trim_end())?)
}

/// Checks the cached roles in spec order; each is checked only if the
/// role it depends on verified. A missing or untrusted root is an error.
fn inspect(store: &mut dyn MetadataStore, checked_at: UnixTime) -> Result<Report> {
    let root_bytes = store
        .load("root")
        .ok_or_else(|| Error::state("no trusted root in the metadata directory: run init first"))?;
    let mut set =
        TrustedSet::new(&root_bytes, UnixTime::MIN).map_err(|e| e.context("cached root"))?;
    let root = set.root().clone();

    let timestamp = check(store.load("timestamp"), None, checked_at, |b| {
        set.update_timestamp(b)?;
        set.timestamp()
            .map(|t| t.common.clone())
            .ok_or_else(not_loaded)
    });
    let snapshot = check(
        store.load("snapshot"),
        prerequisite("timestamp", &timestamp),
        checked_at,
        |b| {
            // As the updater does with its cached copy: the version must be
            // the one the timestamp lists; hashes were checked when received.
            set.update_snapshot(b, true)?;
            set.snapshot()
                .map(|s| s.common.clone())
                .ok_or_else(not_loaded)
        },
    );
    let targets = check(
        store.load("targets"),
        prerequisite("snapshot", &snapshot),
        checked_at,
        |b| Ok(set.update_targets(b, "targets", None)?.common.clone()),
    );

    let root_state = verified(&root.common, checked_at);
    let roles = TOP_LEVEL_ROLES
        .iter()
        .zip([root_state, timestamp, snapshot, targets])
        .map(|(&name, state)| RoleStatus { name, state })
        .collect();
    Ok(Report {
        checked_at,
        root,
        roles,
    })
}

fn not_loaded() -> Error {
    Error::state("verified metadata was not kept")
}

/// Why a role cannot be checked, if the one it depends on did not verify.
fn prerequisite(name: &str, state: &State) -> Option<String> {
    match state {
        State::Verified { .. } => None,
        _ => Some(format!("not checked: no verified {name}")),
    }
}

fn check(
    bytes: Option<Vec<u8>>,
    blocked: Option<String>,
    checked_at: UnixTime,
    verify: impl FnOnce(&[u8]) -> Result<Common>,
) -> State {
    let Some(bytes) = bytes else {
        return State::Missing;
    };
    if let Some(reason) = blocked {
        return State::Unverified(reason);
    }
    match verify(&bytes) {
        Ok(common) => verified(&common, checked_at),
        Err(e) => State::Unverified(e.to_string()),
    }
}

fn verified(common: &Common, checked_at: UnixTime) -> State {
    State::Verified {
        version: common.version,
        expires: common.expires,
        expired: common.is_expired(checked_at),
    }
}

fn state_word(state: &State) -> &'static str {
    match state {
        State::Verified { expired: false, .. } => "trusted",
        State::Verified { expired: true, .. } => "expired",
        State::Missing => "missing",
        State::Unverified(_) => "unverified",
    }
}

fn to_text(report: &Report, dir: &Path) -> String {
    let mut text = format!(
        "metadata directory: {}\nchecked at: {}\nconsistent snapshots: {}\n\n",
        dir.display(),
        format_time(report.checked_at),
        if report.root.consistent_snapshot {
            "yes"
        } else {
            "no"
        }
    );
    text.push_str(&format!(
        "{:<10} {:>8}  {:<20}  state\n",
        "role", "version", "expires"
    ));
    for role in &report.roles {
        let (version, expires, detail) = match &role.state {
            State::Verified {
                version, expires, ..
            } => (version.to_string(), format_time(*expires), String::new()),
            State::Unverified(why) => ("-".into(), "-".into(), format!(": {why}")),
            State::Missing => ("-".into(), "-".into(), String::new()),
        };
        let word = state_word(&role.state);
        text.push_str(&format!(
            "{:<10} {version:>8}  {expires:<20}  {word}{detail}\n",
            role.name
        ));
    }
    text.push_str("\nkeys (from the trusted root):\n");
    for name in TOP_LEVEL_ROLES {
        let keys = report.root.role(name);
        text.push_str(&format!(
            "{name:<10} threshold {} of {}: {}\n",
            keys.threshold,
            keys.keyids.len(),
            keys.keyids.join(", ")
        ));
    }
    text
}

fn to_json(report: &Report, dir: &Path) -> Value {
    let roles: Vec<Value> = report
        .roles
        .iter()
        .map(|role| {
            let keys = report.root.role(role.name);
            let mut entry = json!({
                "role": role.name,
                "state": state_word(&role.state),
                "threshold": keys.threshold,
                "keyids": keys.keyids,
            });
            match &role.state {
                State::Verified {
                    version,
                    expires,
                    expired,
                } => {
                    entry["version"] = json!(version);
                    entry["expires"] = json!(format_time(*expires));
                    entry["expired"] = json!(expired);
                }
                State::Unverified(why) => entry["error"] = json!(why),
                State::Missing => {}
            }
            entry
        })
        .collect();
    json!({
        "metadata_dir": dir.to_string_lossy(),
        "checked_at": format_time(report.checked_at),
        "consistent_snapshot": report.root.consistent_snapshot,
        "roles": roles,
    })
}
