//! Which delegated roles a batch of lookups would fetch, so a client can
//! fetch them all at once (in parallel) before running the lookups. Runs
//! the spec 5.6.7 search with what is already trusted or stored, and never
//! touches the network: no trust decision is made or changed here.

use std::collections::HashSet;
use std::sync::Arc;

use super::{encode_role, Fetcher, MetadataStore, Updater};
use crate::config::download_cap;
use crate::delegation::find_target;
use crate::error::{Error, ErrorKind, Result};
use crate::trusted::{TrustedSet, VerifiedTargets};

/// A metadata file a lookup would fetch: the role, its file name relative
/// to the metadata URL (`V.<role>.json` with consistent snapshots), and
/// the byte cap the fetch would use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFile {
    pub role: String,
    pub file: String,
    pub max_bytes: u64,
}

/// Why the search of one target stopped early.
enum Stop {
    /// The role is neither trusted in memory nor valid in the store.
    Fetch(RoleFile),
    /// Anything else (a role the snapshot does not list, an oversized
    /// listing, a newer stored role): the lookup itself will report it.
    Other,
}

impl<F: Fetcher, S: MetadataStore> Updater<F, S> {
    /// The roles the lookups of `targets` would fetch next, distinct, in
    /// first-needed order. Roles found in the store on the way are verified
    /// and kept in memory as a lookup would; a target's search stops at the
    /// first role it would fetch (what lies below is unknown until then).
    /// Needs a successful refresh.
    pub fn roles_to_fetch(&mut self, targets: &[&str]) -> Result<Vec<RoleFile>> {
        let mut set = self
            .set
            .take()
            .ok_or_else(|| Error::state("refresh() must succeed before looking up targets"))?;
        let max_roles = self.config.max_roles_visited;
        let role_max = self.config.targets_max_length;
        let store = &mut self.store;
        let mut needed = Vec::new();
        let mut seen = HashSet::new();
        for target in targets {
            let mut stop = Stop::Other;
            let _ = find_target(target, max_roles, |role, parent| {
                match trusted_or_stored(&mut set, store, role, parent) {
                    Some(Ok(t)) => Ok(t),
                    Some(Err(e)) => Err(e),
                    None => {
                        if let Some(file) = role_file(&set, role, role_max) {
                            stop = Stop::Fetch(file);
                        }
                        Err(Error::state("prefetch: search stops at a role to fetch"))
                    }
                }
            });
            if let Stop::Fetch(file) = stop {
                if seen.insert(file.role.clone()) {
                    needed.push(file);
                }
            }
        }
        self.set = Some(set);
        Ok(needed)
    }
}

/// `role` verified against `parent` from memory or the store, exactly as
/// a lookup takes it; None when a lookup would fetch it.
fn trusted_or_stored<S: MetadataStore>(
    set: &mut TrustedSet,
    store: &mut S,
    role: &str,
    parent: Option<&Arc<VerifiedTargets>>,
) -> Option<Result<Arc<VerifiedTargets>>> {
    if let Some(t) = set.loaded_targets(role, parent) {
        return Some(Ok(t));
    }
    let local = store.load(role)?;
    match set.update_targets(&local, role, parent) {
        Ok(t) => Some(Ok(t)),
        // Newer than our snapshot: the lookup restarts the refresh.
        Err(e) if e.kind() == ErrorKind::RepositoryChanged => Some(Err(e)),
        Err(_) => None,
    }
}

/// The file a lookup would request for `role`, or None when it would fail
/// before any request (not in the snapshot, or listed above the cap).
fn role_file(set: &TrustedSet, role: &str, role_max: u64) -> Option<RoleFile> {
    let meta = set.snapshot_meta(role).ok()?;
    let max_bytes = download_cap(&format!("{role}.json"), meta.length, role_max).ok()?;
    let encoded = encode_role(role);
    let file = match set.root().consistent_snapshot {
        true => format!("{}.{encoded}.json", meta.version),
        false => format!("{encoded}.json"),
    };
    Some(RoleFile {
        role: role.to_string(),
        file,
        max_bytes,
    })
}
