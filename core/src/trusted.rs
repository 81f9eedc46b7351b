//! The trusted-metadata state machine (spec 5.2 to 5.6), fed with bytes.
//!
//! `TrustedSet` holds what has been verified during one refresh, at one
//! fixed reference time. It does no I/O: the updater fetches bytes (from the
//! local cache or the repository) and offers them here, in spec order. Every
//! `update_*` either accepts the metadata or leaves the trusted state as it
//! was, except where noted (a verified but expired timestamp or snapshot is
//! kept as the rollback baseline, as python-tuf does).

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Detail, Error, Result};
use crate::hashing;
use crate::metadata::{
    parse_root, parse_snapshot, parse_targets, parse_timestamp, DelegatedRoles, Key, MetaFile,
    RoleKeys, Root, Snapshot, Targets, Timestamp,
};
use crate::time::UnixTime;
use crate::verify::check_threshold;

/// Outcome of offering a new timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampUpdate {
    /// A newer timestamp was accepted: snapshot and targets must be refreshed.
    Updated,
    /// Same version as the trusted one: nothing further needs fetching.
    Unchanged,
}

/// Verified metadata of one refresh.
#[derive(Debug)]
pub struct TrustedSet {
    reference_time: UnixTime,
    root: Root,
    timestamp: Option<Timestamp>,
    snapshot: Option<Snapshot>,
    /// Targets roles keyed by (id of the delegator's verified copy, role):
    /// a role reached through another delegator is verified again with that
    /// delegator's keys, never reused from a different path.
    targets: HashMap<(u64, String), Arc<VerifiedTargets>>,
    next_id: u64,
}

/// Delegator id of the top-level targets role (delegated by root).
const ROOT_ID: u64 = 0;

impl TrustedSet {
    /// Spec 5.2: loads the trusted root. It must parse and be signed by its
    /// own threshold of root keys. Expiry is checked after the root update
    /// loop (5.3.10), so an expired trusted root can still be rotated away.
    pub fn new(root_bytes: &[u8], reference_time: UnixTime) -> Result<Self> {
        let root = parse_root(root_bytes, "trusted root")?;
        let role = root.signed.role("root");
        check_threshold(
            "trusted root",
            "root",
            &root.canonical,
            &root.signatures,
            &root.signed.keys,
            role,
        )?;
        Ok(TrustedSet {
            reference_time,
            root: root.signed,
            timestamp: None,
            snapshot: None,
            targets: HashMap::new(),
            next_id: ROOT_ID,
        })
    }

    pub fn reference_time(&self) -> UnixTime {
        self.reference_time
    }
    pub fn root(&self) -> &Root {
        &self.root
    }
    pub fn timestamp(&self) -> Option<&Timestamp> {
        self.timestamp.as_ref()
    }
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }
    /// The verified top-level targets role, if loaded.
    pub fn top_targets(&self) -> Option<Arc<VerifiedTargets>> {
        self.loaded_targets("targets", None)
    }
    /// A targets role already verified through `parent` (None: root) in
    /// this refresh.
    pub fn loaded_targets(
        &self,
        role: &str,
        parent: Option<&Arc<VerifiedTargets>>,
    ) -> Option<Arc<VerifiedTargets>> {
        let parent_id = parent.map_or(ROOT_ID, |p| p.id);
        self.targets.get(&(parent_id, role.to_string())).cloned()
    }

    /// Spec 5.3.3 to 5.3.8: accepts root version N+1 signed by a threshold
    /// of the trusted root's root keys and of its own root keys. Expiry of
    /// intermediate roots is ignored.
    pub fn update_root(&mut self, bytes: &[u8]) -> Result<()> {
        if self.timestamp.is_some() {
            return Err(Error::state(
                "cannot update root after timestamp was loaded",
            ));
        }
        let new = parse_root(bytes, "new root")?;
        // None at u64::MAX: no root can follow (never wrap or saturate).
        let expected = self.root.common.version.checked_add(1);
        // 5.3.4: signed by the trusted root's root role.
        check_threshold(
            &format!(
                "root version {} (by trusted root keys)",
                new.signed.common.version
            ),
            "root",
            &new.canonical,
            &new.signatures,
            &self.root.keys,
            self.root.role("root"),
        )?;
        // 5.3.4: and by its own root role.
        check_threshold(
            &format!(
                "root version {} (by its own keys)",
                new.signed.common.version
            ),
            "root",
            &new.canonical,
            &new.signatures,
            &new.signed.keys,
            new.signed.role("root"),
        )?;
        // 5.3.5: exactly N+1.
        if Some(new.signed.common.version) != expected {
            let actual = new.signed.common.version;
            return Err(match expected {
                Some(expected) => {
                    Error::rollback(format!("root: expected version {expected}, got {actual}"))
                        .with_detail(Detail::RootVersion { expected, actual })
                }
                None => Error::rollback(format!("root: no version can follow {}", u64::MAX)),
            });
        }
        self.root = new.signed;
        Ok(())
    }

    /// Forgets the timestamp, snapshot and targets of this refresh, keeping
    /// the verified root: a restart of the workflow at spec 5.4 when the
    /// repository changed during the refresh. Rollback baselines come from
    /// the store again, so they only move forward.
    pub fn restart_from_timestamp(&mut self) {
        self.timestamp = None;
        self.snapshot = None;
        self.targets.clear();
    }

    /// Spec 5.3.10: after the root chain, the final root must not be expired.
    pub fn check_final_root(&self) -> Result<()> {
        self.root
            .common
            .check_not_expired("root", "root", self.reference_time)
    }

    /// Spec 5.4: timestamp. Called first with the locally cached timestamp
    /// (if any), then with the downloaded one.
    pub fn update_timestamp(&mut self, bytes: &[u8]) -> Result<TimestampUpdate> {
        if self.snapshot.is_some() {
            return Err(Error::state(
                "cannot update timestamp after snapshot was loaded",
            ));
        }
        self.check_final_root()?;
        let new = parse_timestamp(bytes, "timestamp")?;
        // 5.4.2
        check_threshold(
            "timestamp",
            "timestamp",
            &new.canonical,
            &new.signatures,
            &self.root.keys,
            self.root.role("timestamp"),
        )?;
        // 5.4.3: no rollback of the timestamp or of the snapshot it lists.
        if let Some(old) = &self.timestamp {
            let (old_v, new_v) = (old.common.version, new.signed.common.version);
            if new_v < old_v {
                return Err(Error::rollback(format!(
                    "timestamp version {new_v} is older than trusted version {old_v}"
                ))
                .with_detail(Detail::TimestampRollback {
                    version: new_v,
                    trusted: old_v,
                }));
            }
            if new_v == old_v {
                return Ok(TimestampUpdate::Unchanged);
            }
            let (old_s, new_s) = (old.snapshot_meta.version, new.signed.snapshot_meta.version);
            if new_s < old_s {
                return Err(Error::rollback(format!(
                    "timestamp lists snapshot version {new_s}, older than trusted {old_s}"
                ))
                .with_detail(Detail::SnapshotVersionRollback {
                    version: new_s,
                    trusted: old_s,
                }));
            }
        }
        // Kept even if expired: it is authentic and newer, so it is the
        // right rollback baseline for the next refresh.
        self.timestamp = Some(new.signed);
        self.check_final_timestamp()?;
        Ok(TimestampUpdate::Updated)
    }

    /// Spec 5.4.4.
    fn check_final_timestamp(&self) -> Result<&Timestamp> {
        let ts = self
            .timestamp
            .as_ref()
            .ok_or_else(|| Error::state("timestamp is not loaded"))?;
        ts.common
            .check_not_expired("timestamp", "timestamp", self.reference_time)?;
        Ok(ts)
    }

    /// Spec 5.5: snapshot. `from_cache` is true for the locally cached copy,
    /// whose length and hashes may legitimately differ from what a newer
    /// timestamp lists; its version is still checked.
    pub fn update_snapshot(&mut self, bytes: &[u8], from_cache: bool) -> Result<()> {
        if self.top_targets().is_some() {
            return Err(Error::state(
                "cannot update snapshot after targets was loaded",
            ));
        }
        let ts = self.check_final_timestamp()?;
        let meta = ts.snapshot_meta.clone();
        // 5.5.2: length and hashes before anything else is parsed.
        if !from_cache {
            check_meta_file("snapshot.json", &meta, bytes)?;
        }
        let new = parse_snapshot(bytes, "snapshot")?;
        // 5.5.3
        check_threshold(
            "snapshot",
            "snapshot",
            &new.canonical,
            &new.signatures,
            &self.root.keys,
            self.root.role("snapshot"),
        )?;
        // 5.5.5: no role disappears and no version goes down.
        if let Some(old) = &self.snapshot {
            for (name, old_meta) in &old.meta {
                match new.signed.meta.get(name) {
                    None => {
                        return Err(Error::rollback(format!(
                            "snapshot version {} drops {name}, listed by trusted version {}",
                            new.signed.common.version, old.common.version
                        ))
                        .with_detail(Detail::MetaDropped { file: name.clone() }))
                    }
                    Some(m) if m.version < old_meta.version => {
                        return Err(Error::rollback(format!(
                            "snapshot lists {name} version {}, older than trusted {}",
                            m.version, old_meta.version
                        ))
                        .with_detail(Detail::MetaRollback {
                            file: name.clone(),
                            version: m.version,
                            trusted: old_meta.version,
                        }))
                    }
                    Some(_) => {}
                }
            }
        }
        // Stored before the final checks: a valid but mismatching or
        // expired snapshot is still the baseline for rollback checks.
        self.snapshot = Some(new.signed);
        self.check_final_snapshot()?;
        Ok(())
    }

    /// Spec 5.5.4 and 5.5.6: version equals the timestamp's, not expired.
    fn check_final_snapshot(&self) -> Result<&Snapshot> {
        let snap = self
            .snapshot
            .as_ref()
            .ok_or_else(|| Error::state("snapshot is not loaded"))?;
        let ts = self.check_final_timestamp()?;
        check_listed_version(
            "snapshot",
            snap.common.version,
            ts.snapshot_meta.version,
            "timestamp",
        )?;
        snap.common
            .check_not_expired("snapshot", "snapshot", self.reference_time)?;
        Ok(snap)
    }

    /// The snapshot entry for a targets role, e.g. `targets.json`.
    pub fn snapshot_meta(&self, role: &str) -> Result<&MetaFile> {
        let snap = self.check_final_snapshot()?;
        snap.meta.get(&format!("{role}.json")).ok_or_else(|| {
            Error::not_found(format!("snapshot does not list metadata for role {role:?}"))
        })
    }

    /// Spec 5.6: top-level targets (`parent` None: delegated by root) or a
    /// delegated role (`parent`: the verified targets role that delegates
    /// to it on the current search path). Cached copies go through the same
    /// checks as downloads.
    pub fn update_targets(
        &mut self,
        bytes: &[u8],
        role: &str,
        parent: Option<&Arc<VerifiedTargets>>,
    ) -> Result<Arc<VerifiedTargets>> {
        let what = format!("role {role:?}");
        let meta = self.snapshot_meta(role)?.clone();
        // 5.6.2
        check_meta_file(&format!("{role}.json"), &meta, bytes)?;
        let new = parse_targets(bytes, &what)?;
        // 5.6.3: keys and threshold come from the delegator on this path.
        match parent {
            None if role == "targets" => check_threshold(
                &what,
                role,
                &new.canonical,
                &new.signatures,
                &self.root.keys,
                self.root.role("targets"),
            )?,
            None => {
                return Err(Error::state(format!(
                    "root delegates only to targets, not {role:?}"
                )))
            }
            Some(p) => {
                let (keys, role_keys) = p.delegation_for(role)?;
                check_threshold(
                    &what,
                    role,
                    &new.canonical,
                    &new.signatures,
                    keys,
                    role_keys,
                )?
            }
        }
        // 5.6.4
        check_listed_version(role, new.signed.common.version, meta.version, "snapshot")?;
        // 5.6.5
        new.signed
            .common
            .check_not_expired(role, &what, self.reference_time)?;
        self.next_id += 1;
        let verified = Arc::new(VerifiedTargets {
            id: self.next_id,
            role: role.to_string(),
            targets: new.signed,
        });
        let parent_id = parent.map_or(ROOT_ID, |p| p.id);
        self.targets
            .insert((parent_id, role.to_string()), verified.clone());
        Ok(verified)
    }
}

/// A targets role verified in this refresh through one delegation path.
/// Only [`TrustedSet::update_targets`] makes these, so holding one proves
/// the role was checked against the delegator it names.
#[derive(Debug)]
pub struct VerifiedTargets {
    id: u64,
    role: String,
    targets: Targets,
}

impl VerifiedTargets {
    pub fn role(&self) -> &str {
        &self.role
    }

    /// Keys and threshold this role assigns to its delegated role `role`.
    fn delegation_for(&self, role: &str) -> Result<(&HashMap<String, Key>, &RoleKeys)> {
        let missing = || Error::state(format!("{:?} does not delegate to {role:?}", self.role));
        let delegations = self.targets.delegations.as_ref().ok_or_else(missing)?;
        let role_keys = match &delegations.roles {
            DelegatedRoles::Listed(roles) => roles.iter().find(|r| r.name == role).map(|r| &r.keys),
            DelegatedRoles::Succinct(s) => s.bins.index_of(role).map(|_| &s.keys),
        }
        .ok_or_else(missing)?;
        Ok((&delegations.keys, role_keys))
    }
}

impl std::ops::Deref for VerifiedTargets {
    type Target = Targets;
    fn deref(&self) -> &Targets {
        &self.targets
    }
}

/// Spec 5.5.4 and 5.6.4: a role must be exactly the version its referrer
/// lists. Older is a rollback. Newer is authentic metadata the repository
/// published after the referrer was fetched (without consistent snapshots
/// files are overwritten in place): not an attack, and never trusted
/// either; the updater starts over from the timestamp once.
fn check_listed_version(role: &str, version: u64, listed: u64, referrer: &str) -> Result<()> {
    let detail = || Detail::VersionMismatch {
        role: role.to_string(),
        expected: listed,
        actual: version,
        referrer: referrer.to_string(),
    };
    if version > listed {
        return Err(Error::repository_changed(format!(
            "the repository changed during the update: role {role:?} version {version} \
             is newer than version {listed} listed by {referrer}"
        ))
        .with_detail(detail()));
    }
    if version < listed {
        return Err(Error::rollback(format!(
            "role {role:?} version {version} is older than version {listed} listed by {referrer}"
        ))
        .with_detail(detail()));
    }
    Ok(())
}

/// Checks length and hashes of a metadata file where the referrer lists them.
fn check_meta_file(name: &str, meta: &MetaFile, bytes: &[u8]) -> Result<()> {
    if let Some(len) = meta.length {
        if bytes.len() as u64 != len {
            return Err(Error::invalid_hash(format!(
                "{name}: length {} does not match {len} listed by trusted metadata",
                bytes.len()
            )));
        }
    }
    if let Some(hashes) = &meta.hashes {
        let expected = hashing::Expected {
            length: bytes.len() as u64,
            hashes,
        };
        hashing::verify_bytes(name, expected, bytes)?;
    }
    Ok(())
}
