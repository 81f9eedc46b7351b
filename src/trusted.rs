//! `Tuf\Native\TrustedMetadata`: the core's trusted-metadata state machine
//! (`tuf_core::trusted::TrustedSet`) for PHP code that does its own I/O.

// ext-php-rs names PHP parameters after the Rust ones: camelCase, as PHP
// APIs spell them (named arguments depend on it).
#![allow(non_snake_case)]

use std::cell::{RefCell, RefMut};

use ext_php_rs::boxed::ZBox;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use tuf_core::config::{download_cap, Config};
use tuf_core::delegation::find_target;
use tuf_core::metadata::MetaFile;
use tuf_core::time::now;
use tuf_core::trusted::{TimestampUpdate, TrustedSet};
use tuf_core::Error;

use crate::args::{php_int, Bytes, Callable, Param};
use crate::callbacks::{Callback, RoleLoader, Tracker};
use crate::errors::{ensure_not_constructed, entry, Failure, Outcome};
use crate::target_info::{string_map, TargetInfo};

const FIND_TARGET: &str = "Tuf\\Native\\TrustedMetadata::findTarget";
const SNAPSHOT_META: &str = "Tuf\\Native\\TrustedMetadata::snapshotMeta";

/// Metadata verified so far, at one reference time.
#[php_class]
#[php(name = "Tuf\\Native\\TrustedMetadata")]
#[php(flags = ClassFlags::Final)]
#[derive(Debug)]
pub struct TrustedMetadata {
    set: RefCell<TrustedSet>,
    tracker: Tracker,
}

/// Inserts `key => value` into a PHP array being built.
pub fn put(
    table: &mut ZendHashTable,
    key: &str,
    value: impl ext_php_rs::convert::IntoZval,
) -> Outcome<()> {
    table
        .insert(key, value)
        .map_err(|e| Failure::Internal(format!("building an array: {e}")))
}

/// `['version' => int, 'length' => ?int, 'hashes' => ?array]`.
pub fn meta_file_array(meta: &MetaFile) -> Outcome<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::new();
    put(&mut table, "version", php_int(meta.version, "version")?)?;
    let length = meta.length.map(|l| php_int(l, "length")).transpose()?;
    put(&mut table, "length", length)?;
    let hashes = meta.hashes.as_deref().map(string_map).transpose()?;
    put(&mut table, "hashes", hashes)?;
    Ok(table)
}

/// Versions of the trusted top-level roles (null: not loaded).
pub fn versions_array(set: &TrustedSet) -> Outcome<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::new();
    let version = |v: Option<u64>| v.map(|v| php_int(v, "version")).transpose();
    put(
        &mut table,
        "root",
        version(Some(set.root().common.version))?,
    )?;
    put(
        &mut table,
        "timestamp",
        version(set.timestamp().map(|t| t.common.version))?,
    )?;
    put(
        &mut table,
        "snapshot",
        version(set.snapshot().map(|s| s.common.version))?,
    )?;
    put(
        &mut table,
        "targets",
        version(set.top_targets().map(|t| t.common.version))?,
    )?;
    Ok(table)
}

impl TrustedMetadata {
    /// The state, unless a callback of this object is calling back into it.
    fn state(&self) -> Outcome<RefMut<'_, TrustedSet>> {
        self.set.try_borrow_mut().map_err(|_| {
            Failure::Tuf(Error::state(
                "TrustedMetadata is busy: it cannot be used from its own $loadRole callback",
            ))
        })
    }
}

#[php_impl]
impl TrustedMetadata {
    /// Spec 5.2: trusts `$rootBytes` (the locally stored root), which must
    /// be signed by its own threshold of root keys. Expiry is checked later,
    /// by checkFinalRoot(). `$referenceTime` (Unix seconds, default now) is
    /// the time every expiry is checked against.
    pub fn __construct(rootBytes: Bytes<'_>, referenceTime: Option<i64>) -> PhpResult<Self> {
        entry(|| {
            ensure_not_constructed::<Self>()?;
            let set = TrustedSet::new(rootBytes.0, referenceTime.unwrap_or_else(now))?;
            Ok(TrustedMetadata {
                set: RefCell::new(set),
                tracker: Tracker::default(),
            })
        })
    }

    /// Spec 5.3: root version N+1, signed by the trusted and its own root
    /// keys. Intermediate roots may be expired.
    pub fn update_root(&self, bytes: Bytes<'_>) -> PhpResult<()> {
        entry(|| Ok(self.state()?.update_root(bytes.0)?))
    }

    /// Spec 5.3.10: the final root must not be expired.
    pub fn check_final_root(&self) -> PhpResult<()> {
        entry(|| Ok(self.state()?.check_final_root()?))
    }

    /// Spec 5.4: returns false when the version equals the trusted one
    /// (nothing newer to fetch). Call it first with the stored timestamp,
    /// if any, then with the downloaded one.
    pub fn update_timestamp(&self, bytes: Bytes<'_>) -> PhpResult<bool> {
        entry(|| Ok(self.state()?.update_timestamp(bytes.0)? == TimestampUpdate::Updated))
    }

    /// Spec 5.5. `$fromCache`: the stored copy, whose length and hashes
    /// need not match a newer timestamp (its version still must).
    #[php(defaults(fromCache = false))]
    pub fn update_snapshot(&self, bytes: Bytes<'_>, fromCache: bool) -> PhpResult<()> {
        entry(|| Ok(self.state()?.update_snapshot(bytes.0, fromCache)?))
    }

    /// Spec 5.6: the top-level targets role.
    pub fn update_targets(&self, bytes: Bytes<'_>) -> PhpResult<()> {
        entry(|| {
            self.state()?.update_targets(bytes.0, "targets", None)?;
            Ok(())
        })
    }

    /// What the trusted snapshot lists for `$role`'s metadata file.
    pub fn snapshot_meta(&self, role: Bytes<'_>) -> PhpResult<ZBox<ZendHashTable>> {
        entry(|| {
            let role = role.text(Param::new(SNAPSHOT_META, 1, "role"))?;
            let set = self.state()?;
            meta_file_array(set.snapshot_meta(role)?)
        })
    }

    /// Spec 5.6.7: searches the delegation graph from the top-level targets
    /// role (loaded by updateTargets()). Delegated roles not yet verified
    /// are asked of `$loadRole(string $role): ?string` and verified against
    /// the delegating role's keys and the snapshot. Null: no role on the
    /// search path lists the target.
    pub fn find_target(
        &self,
        target: Bytes<'_>,
        loadRole: Callable,
        maxRoles: Option<i64>,
    ) -> PhpResult<Option<TargetInfo>> {
        entry(|| {
            let target = target.text(Param::new(FIND_TARGET, 1, "target"))?;
            let defaults = Config::default();
            let max_roles = match maxRoles {
                None => defaults.max_roles_visited,
                Some(n) => usize::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| {
                    Param::new(FIND_TARGET, 3, "maxRoles").value_error("must be null or at least 1")
                })?,
            };
            let mut set = self.state()?;
            let loader = RoleLoader {
                callback: Callback::new("$loadRole", loadRole),
                tracker: &self.tracker,
            };
            self.tracker.begin();
            let found = find_target(target, max_roles, |role, parent| {
                if let Some(verified) = set.loaded_targets(role, parent) {
                    return Ok(verified);
                }
                if parent.is_none() {
                    return Err(Error::state(
                        "the top-level targets role is not loaded: call updateTargets() first",
                    ));
                }
                let cap = download_cap(
                    &format!("{role}.json"),
                    set.snapshot_meta(role)?.length,
                    defaults.targets_max_length,
                )?;
                let bytes = loader.load(role, cap)?;
                set.update_targets(&bytes, role, parent)
            });
            self.tracker
                .finish(found)?
                .map(TargetInfo::from_core)
                .transpose()
        })
    }

    /// `['root' => int, 'timestamp' => ?int, 'snapshot' => ?int,
    /// 'targets' => ?int]`: versions of the trusted top-level roles.
    pub fn versions(&self) -> PhpResult<ZBox<ZendHashTable>> {
        entry(|| versions_array(&*self.state()?))
    }

    /// Whether the trusted root asks for consistent snapshots
    /// (version-prefixed metadata and hash-prefixed target file names).
    pub fn consistent_snapshot(&self) -> PhpResult<bool> {
        entry(|| Ok(self.state()?.root().consistent_snapshot))
    }
}
