//! `Tuf\Native\Updater`: the core's client workflow (spec 5), either
//! standalone (native HTTP fetcher and disk cache) or over PHP callables.

// ext-php-rs names PHP parameters after the Rust ones: camelCase, as PHP
// APIs spell them (named arguments depend on it).
#![allow(non_snake_case)]

use std::cell::{RefCell, RefMut};
use std::path::Path;
use std::rc::Rc;

use ext_php_rs::binary::Binary;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use tuf_core::metadata::TOP_LEVEL_ROLES;
use tuf_core::time::now;
use tuf_core::trusted::TrustedSet;
use tuf_core::updater::{MetadataStore, RefreshReport, Updater as CoreUpdater};
use tuf_core::Error;
use tuf_io::download::download;
use tuf_io::http::HttpFetcher;
use tuf_io::store::LockedStore;

use crate::args::{php_int, ArrayArg, Bytes, Callable, Param};
use crate::callbacks::{Callback, PhpFetcher, PhpStore, StoreCallbacks, Tracker};
use crate::errors::{ensure_not_constructed, entry, Failure, Outcome};
use crate::options::Options;
use crate::prefetch::{role_files_array, target_names};
use crate::target_info::TargetInfo;
use crate::trusted::put;

const CONSTRUCT: &str = "Tuf\\Native\\Updater::__construct";
const WITH_CALLBACKS: &str = "Tuf\\Native\\Updater::withCallbacks";
const GET_TARGET_INFO: &str = "Tuf\\Native\\Updater::getTargetInfo";
const DOWNLOAD: &str = "Tuf\\Native\\Updater::download";
const ROLES_TO_FETCH: &str = "Tuf\\Native\\Updater::rolesToFetch";

/// Native HTTP(S)/file fetcher and the crash-safe disk cache.
struct Standalone {
    /// The store is locked call by call: the lock is held while a call
    /// reads or writes the cache, never while the object sits idle.
    updater: CoreUpdater<HttpFetcher, LockedStore>,
    target_base_url: Option<String>,
}

/// PHP callables do all I/O.
struct WithCallbacks {
    updater: CoreUpdater<PhpFetcher, PhpStore>,
    callbacks: Rc<StoreCallbacks>,
}

enum Backend {
    Standalone(Box<Standalone>),
    Callbacks(Box<WithCallbacks>),
}

/// A TUF client.
#[php_class]
#[php(name = "Tuf\\Native\\Updater")]
#[php(flags = ClassFlags::Final)]
pub struct Updater {
    backend: RefCell<Backend>,
}

impl std::fmt::Debug for Updater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Updater").finish_non_exhaustive()
    }
}

/// Runs `op` on either backend: standalone, with the cache lock held (the
/// core updater starts each call's network deadline, so waiting for the
/// lock does not count); with callbacks, turning their failures into the
/// call's outcome.
macro_rules! with_updater {
    ($backend:expr, |$u:ident| $op:expr) => {
        match $backend {
            Backend::Standalone(s) => {
                let _lock = s.updater.store().lock()?;
                let $u = &mut s.updater;
                let result: tuf_core::Result<_> = $op;
                Ok(result?)
            }
            Backend::Callbacks(c) => {
                c.callbacks.tracker.begin();
                let $u = &mut c.updater;
                let result: tuf_core::Result<_> = $op;
                c.callbacks.tracker.finish(result)
            }
        }
    };
}

fn report_array(report: &RefreshReport) -> Outcome<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::new();
    let versions = [
        ("root", report.root_version),
        ("timestamp", report.timestamp_version),
        ("snapshot", report.snapshot_version),
        ("targets", report.targets_version),
    ];
    for (role, version) in versions {
        put(
            &mut table,
            role,
            php_int(version, &format!("{role} version"))?,
        )?;
    }
    put(&mut table, "timestampUnchanged", report.timestamp_unchanged)?;
    Ok(table)
}

/// One role of status(): version and expiry (null when not trusted), and
/// the keys and threshold the trusted root assigns to it.
fn role_status(set: &TrustedSet, role: &str) -> Outcome<ZBox<ZendHashTable>> {
    let common = match role {
        "root" => Some(&set.root().common),
        "timestamp" => set.timestamp().map(|t| &t.common),
        "snapshot" => set.snapshot().map(|s| &s.common),
        _ => None,
    };
    let targets = (role == "targets").then(|| set.top_targets()).flatten();
    let common = common.or(targets.as_ref().map(|t| &t.common));
    let keys = set.root().role(role);
    let mut table = ZendHashTable::new();
    put(
        &mut table,
        "version",
        common.map(|c| php_int(c.version, "version")).transpose()?,
    )?;
    put(&mut table, "expires", common.map(|c| c.expires))?;
    put(&mut table, "keyids", keys.keyids.clone())?;
    put(
        &mut table,
        "threshold",
        php_int(keys.threshold, "threshold")?,
    )?;
    Ok(table)
}

fn status_array(set: Option<&TrustedSet>) -> Outcome<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::new();
    put(&mut table, "refreshed", set.is_some())?;
    put(
        &mut table,
        "referenceTime",
        set.map(TrustedSet::reference_time),
    )?;
    put(
        &mut table,
        "consistentSnapshot",
        set.map(|s| s.root().consistent_snapshot),
    )?;
    let mut roles = ZendHashTable::new();
    if let Some(set) = set {
        for role in TOP_LEVEL_ROLES {
            put(&mut roles, role, role_status(set, role)?)?;
        }
    }
    put(&mut table, "roles", roles)?;
    Ok(table)
}

/// Stores `root` unless the store already holds a root that verifies.
fn init_root<S: MetadataStore>(store: &mut S, root: &[u8]) -> tuf_core::Result<bool> {
    if let Some(stored) = store.load("root") {
        if TrustedSet::new(&stored, now()).is_ok() {
            return Ok(false);
        }
    }
    TrustedSet::new(root, now()).map_err(|e| e.context("root"))?;
    store.store("root", root)?;
    Ok(true)
}

impl Updater {
    fn backend(&self) -> Outcome<RefMut<'_, Backend>> {
        self.backend.try_borrow_mut().map_err(|_| {
            Failure::Tuf(Error::state(
                "Updater is busy: it cannot be used from its own callbacks",
            ))
        })
    }
}

#[php_impl]
impl Updater {
    /// The standalone updater: metadata from `$metadataUrl` (an `http://`,
    /// `https://` or `file://` prefix the file names are appended to) and a
    /// crash-safe cache in `$cacheDir` (created with mode 0700 if missing),
    /// locked against concurrent refreshes. Seed it with initRoot().
    #[php(defaults(options = ArrayArg::default()))]
    pub fn __construct(
        metadataUrl: Bytes<'_>,
        cacheDir: Bytes<'_>,
        options: ArrayArg<'_>,
    ) -> PhpResult<Self> {
        entry(|| {
            ensure_not_constructed::<Self>()?;
            let url = metadataUrl.text(Param::new(CONSTRUCT, 1, "metadataUrl"))?;
            if url.is_empty() {
                return Err(Param::new(CONSTRUCT, 1, "metadataUrl").value_error("cannot be empty"));
            }
            let dir = cacheDir.path(Param::new(CONSTRUCT, 2, "cacheDir"))?;
            let options = Options::parse(options, Param::new(CONSTRUCT, 3, "options"), true)?;
            let store = LockedStore::open_per_call(&dir, &options.storage)?;
            let fetcher = HttpFetcher::new(options.http);
            Ok(Updater {
                backend: RefCell::new(Backend::Standalone(Box::new(Standalone {
                    updater: CoreUpdater::new(options.config, url, fetcher, store),
                    target_base_url: options.target_base_url,
                }))),
            })
        })
    }

    /// An updater whose I/O is done by PHP: `$fetch(string $fileName, int
    /// $maxBytes): ?string` (null: not found), `$load(string $role):
    /// ?string`, `$store(string $role, string $bytes): void` and
    /// `$remove(string $role): void` (forget a stored role, absent or not;
    /// used when root rotates the timestamp or snapshot keys, spec 5.3.11).
    #[php(defaults(options = ArrayArg::default()))]
    pub fn with_callbacks(
        fetch: Callable,
        load: Callable,
        store: Callable,
        remove: Callable,
        options: ArrayArg<'_>,
    ) -> PhpResult<Self> {
        entry(|| {
            let options = Options::parse(options, Param::new(WITH_CALLBACKS, 5, "options"), false)?;
            let callbacks = Rc::new(StoreCallbacks {
                fetch: Callback::new("$fetch", fetch),
                load: Callback::new("$load", load),
                store: Callback::new("$store", store),
                remove: Callback::new("$remove", remove),
                tracker: Tracker::default(),
            });
            let updater = CoreUpdater::new(
                options.config,
                "",
                PhpFetcher(callbacks.clone()),
                PhpStore(callbacks.clone()),
            );
            Ok(Updater {
                backend: RefCell::new(Backend::Callbacks(Box::new(WithCallbacks {
                    updater,
                    callbacks,
                }))),
            })
        })
    }

    /// Bootstraps trust (spec 5.2's out-of-band root): stores `$rootBytes`,
    /// which must be a root signed by its own threshold of keys, unless the
    /// store already holds a root that verifies (never replaced: that
    /// would roll trust back). Returns whether it was stored.
    pub fn init_root(&self, rootBytes: Bytes<'_>) -> PhpResult<bool> {
        entry(|| {
            let mut backend = self.backend()?;
            with_updater!(&mut *backend, |u| init_root(u.store_mut(), rootBytes.0))
        })
    }

    /// Spec 5.1 to 5.6 at `$referenceTime` (Unix seconds, default now):
    /// root rotation, timestamp, snapshot and top-level targets. On failure
    /// nothing stays trusted in memory; what verified before the failing
    /// step is persisted. Returns the trusted versions.
    pub fn refresh(&self, referenceTime: Option<i64>) -> PhpResult<ZBox<ZendHashTable>> {
        entry(|| {
            let time = referenceTime.unwrap_or_else(now);
            let mut backend = self.backend()?;
            let report = with_updater!(&mut *backend, |u| u.refresh(time))?;
            report_array(&report)
        })
    }

    /// Spec 5.6.7: the verified info of `$target`, fetching delegated roles
    /// as needed; null when no role on the search path lists it. Needs a
    /// successful refresh() first.
    pub fn get_target_info(&self, target: Bytes<'_>) -> PhpResult<Option<TargetInfo>> {
        entry(|| {
            let target = target.text(Param::new(GET_TARGET_INFO, 1, "target"))?;
            let mut backend = self.backend()?;
            let info = with_updater!(&mut *backend, |u| u.get_target_info(target))?;
            info.map(TargetInfo::from_core).transpose()
        })
    }

    /// The delegated roles the lookups of `$targets` (a list of target
    /// names) would fetch next, fetched nothing: `[['role' => string, 'file'
    /// => string, 'maxBytes' => int], ...]`, distinct, in first-needed
    /// order; `file` is relative to the metadata URL, as the fetch callback
    /// would be asked for it, under that cap. Roles found in the store are
    /// verified on the way, as getTargetInfo() does; a search stops at the
    /// first role it would fetch. For fetching them all at once before the
    /// lookups. Needs a successful refresh() first.
    pub fn roles_to_fetch(&self, targets: ArrayArg<'_>) -> PhpResult<ZBox<ZendHashTable>> {
        entry(|| {
            let names = target_names(targets, Param::new(ROLES_TO_FETCH, 1, "targets"))?;
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut backend = self.backend()?;
            let roles = with_updater!(&mut *backend, |u| u.roles_to_fetch(&names))?;
            role_files_array(&roles)
        })
    }

    /// Spec 5.7 (standalone updater only): downloads `$target` into the
    /// existing directory `$destinationDir` (at its target path, which can
    /// never leave it), verifying length and hashes while it streams, and
    /// returns the file's path. A verified copy already there is kept.
    pub fn download(
        &self,
        target: Bytes<'_>,
        destinationDir: Bytes<'_>,
        targetBaseUrl: Option<Bytes<'_>>,
    ) -> PhpResult<Binary<u8>> {
        entry(|| {
            let target = target.text(Param::new(DOWNLOAD, 1, "target"))?;
            let dest = destinationDir.path(Param::new(DOWNLOAD, 2, "destinationDir"))?;
            let base = targetBaseUrl
                .map(|b| b.text(Param::new(DOWNLOAD, 3, "targetBaseUrl")))
                .transpose()?;
            let mut backend = self.backend()?;
            let Backend::Standalone(s) = &mut *backend else {
                return Err(Failure::Tuf(Error::state(
                    "download() needs the standalone updater; with callbacks, fetch the target \
                     yourself and check it with Hashes::verifyString() or Hashes::verifyFile()",
                )));
            };
            let base = match (base, &s.target_base_url) {
                (Some(base), _) => base.to_string(),
                (None, Some(base)) => base.clone(),
                (None, None) => {
                    return Err(Param::new(DOWNLOAD, 3, "targetBaseUrl")
                        .value_error("must be given when the targetBaseUrl option is not set"))
                }
            };
            // The lookup may read and write the cache; the download does
            // not, so the lock is not held while it streams.
            let plan = {
                let _lock = s.updater.store().lock()?;
                s.updater.target_download(target)?
            };
            let path = download(&mut s.updater, &plan, &base, Path::new(&dest))?;
            use std::os::unix::ffi::OsStrExt;
            Ok(Binary::new(path.as_os_str().as_bytes().to_vec()))
        })
    }

    /// What the last successful refresh trusts: `['refreshed' => bool,
    /// 'referenceTime' => ?int, 'consistentSnapshot' => ?bool, 'roles' =>
    /// [role => ['version' => ?int, 'expires' => ?int, 'keyids' =>
    /// string[], 'threshold' => int]]]` (roles empty before a refresh).
    pub fn status(&self) -> PhpResult<ZBox<ZendHashTable>> {
        entry(|| {
            let backend = self.backend()?;
            let set = match &*backend {
                Backend::Standalone(s) => s.updater.trusted(),
                Backend::Callbacks(c) => c.updater.trusted(),
            };
            status_array(set)
        })
    }
}
