//! Target lookup through delegations (spec 5.6.7): a lazy pre-order
//! depth-first search in listed order.

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::Arc;

use crate::error::{Detail, Error, Result};
use crate::metadata::{DelegatedRoles, Delegations, TargetFile, Targets};
use crate::pattern::target_path_digest;

/// A verified answer to "what is target X?".
#[derive(Debug, Clone)]
pub struct TargetInfo {
    pub path: String,
    pub length: u64,
    /// (algorithm, hex digest) pairs as listed.
    pub hashes: Vec<(String, String)>,
    /// The `custom` object as received (JSON text), if any.
    pub custom: Option<String>,
    /// The role whose metadata lists the target.
    pub role: String,
}

impl TargetInfo {
    fn new(path: &str, file: TargetFile, role: &str) -> Self {
        TargetInfo {
            path: path.to_string(),
            length: file.length,
            hashes: file.hashes,
            custom: file.custom.map(|c| c.get().to_string()),
            role: role.to_string(),
        }
    }
}

/// The delegated roles of `delegations` that may list `target`, in order,
/// each with its terminating flag.
fn roles_for_target(
    delegations: &Delegations,
    target: &str,
    digest: &[u8; 32],
    digest_hex: &str,
) -> Vec<(String, bool)> {
    match &delegations.roles {
        DelegatedRoles::Listed(roles) => delegations
            .index
            .matching(roles, target, digest_hex)
            .into_iter()
            .map(|pos| {
                let r = &roles[pos as usize];
                (r.name.clone(), r.terminating)
            })
            .collect(),
        // TAP 15: exactly one bin can hold a target, so the search ends there.
        DelegatedRoles::Succinct(s) => vec![(s.bins.bin_name(s.bins.bin_index(digest)), true)],
    }
}

/// Spec 5.6.7: searches for `target` starting at the top-level targets
/// role. `load(role, parent)` returns the role verified against `parent`
/// (None: root); in practice `V` is [`crate::trusted::VerifiedTargets`],
/// kept generic so the search does not depend on the trusted set. Visits
/// each role at most once and at most `max_roles` roles; hitting that bound
/// is a denial-of-service error rather than a silent "not found".
pub fn find_target<V, F>(target: &str, max_roles: usize, mut load: F) -> Result<Option<TargetInfo>>
where
    V: Deref<Target = Targets>,
    F: FnMut(&str, Option<&Arc<V>>) -> Result<Arc<V>>,
{
    // Computed once per lookup: path_hash_prefixes and succinct bins both
    // select roles by the target path's SHA-256.
    let digest = target_path_digest(target);
    let digest_hex = hex::encode(digest);
    let mut stack: Vec<(String, Option<Arc<V>>)> = vec![("targets".to_string(), None)];
    let mut visited: HashSet<String> = HashSet::new();
    while let Some((role, parent)) = stack.pop() {
        if visited.contains(&role) {
            continue;
        }
        if visited.len() >= max_roles {
            return Err(Error::dos(format!(
                "target {target:?}: gave up after visiting {max_roles} roles"
            ))
            .with_detail(Detail::VisitLimit {
                max_roles: max_roles as u64,
            }));
        }
        let current = load(&role, parent.as_ref())?;
        visited.insert(role.clone());
        if let Some(file) = current.targets.get(target)? {
            return Ok(Some(TargetInfo::new(target, file, &role)));
        }
        let Some(delegations) = &current.delegations else {
            continue;
        };
        let mut children = Vec::new();
        for (child, terminating) in roles_for_target(delegations, target, &digest, &digest_hex) {
            children.push(child);
            if terminating {
                // Spec 5.6.7.2.1: a terminating match ends the search after
                // this branch: no backtracking to roles not yet visited.
                stack.clear();
                break;
            }
        }
        for child in children.into_iter().rev() {
            stack.push((child, Some(current.clone())));
        }
    }
    Ok(None)
}
