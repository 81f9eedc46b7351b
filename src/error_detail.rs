//! `TufException::getDetail()`: the typed detail of a core error
//! (`tuf_core::error::Detail`) as a PHP array, for PHP code that words its
//! own message (the php-tuf shim) instead of parsing the core's.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::ZendHashTable;
use tuf_core::error::Detail;
use tuf_core::time::format_time;

/// One value of a detail array.
enum Field {
    Text(String),
    /// A version or count: a PHP int, or its decimal string beyond
    /// PHP_INT_MAX (versions are unsigned 64-bit).
    Number(u64),
}

/// A text entry.
fn t(key: &'static str, value: &str) -> (&'static str, Field) {
    (key, Field::Text(value.to_string()))
}

/// A number entry.
fn n(key: &'static str, value: u64) -> (&'static str, Field) {
    (key, Field::Number(value))
}

/// A version that went down: the new one and the trusted one.
fn rollback(version: u64, trusted: u64) -> [(&'static str, Field); 2] {
    [n("version", version), n("trusted", trusted)]
}

/// A version other than the one required.
fn versions(expected: u64, actual: u64) -> [(&'static str, Field); 2] {
    [n("expected", expected), n("actual", actual)]
}

/// A name (role or file) followed by two numbers.
fn named(
    key: &'static str,
    name: &str,
    numbers: [(&'static str, Field); 2],
) -> Vec<(&'static str, Field)> {
    let mut entries = vec![t(key, name)];
    entries.extend(numbers);
    entries
}

/// The `kind` and the other entries of a detail. Exhaustive: a new variant
/// in the core does not compile until it has its PHP shape here (and in
/// docs/extension-api.md).
fn fields(detail: &Detail) -> (&'static str, Vec<(&'static str, Field)>) {
    match detail {
        Detail::ThresholdNotMet { role } => ("threshold_not_met", vec![t("role", role)]),
        Detail::Expired {
            role,
            version,
            expires,
        } => {
            let expires = format_time(*expires);
            let entries = vec![
                t("role", role),
                n("version", *version),
                t("expires", &expires),
            ];
            ("expired", entries)
        }
        Detail::RootVersion { expected, actual } => {
            ("root_version", versions(*expected, *actual).into())
        }
        Detail::TimestampRollback { version, trusted } => {
            ("timestamp_rollback", rollback(*version, *trusted).into())
        }
        Detail::SnapshotVersionRollback { version, trusted } => (
            "snapshot_version_rollback",
            rollback(*version, *trusted).into(),
        ),
        Detail::MetaRollback {
            file,
            version,
            trusted,
        } => (
            "meta_rollback",
            named("file", file, rollback(*version, *trusted)),
        ),
        Detail::MetaDropped { file } => ("meta_dropped", vec![t("file", file)]),
        Detail::VersionMismatch {
            role,
            expected,
            actual,
            referrer,
        } => {
            let mut entries = named("role", role, versions(*expected, *actual));
            entries.push(t("referrer", referrer));
            ("version_mismatch", entries)
        }
        Detail::HashMismatch { file, algorithm } => (
            "hash_mismatch",
            vec![t("file", file), t("algorithm", algorithm)],
        ),
        Detail::VisitLimit { max_roles } => ("visit_limit", vec![n("maxRoles", *max_roles)]),
    }
}

/// `['kind' => 'version_mismatch', 'role' => ..., ...]`; None if the engine
/// refused an entry (out of memory), and the exception then has no detail.
pub fn detail_array(detail: &Detail) -> Option<ZBox<ZendHashTable>> {
    let (kind, entries) = fields(detail);
    let mut table = ZendHashTable::new();
    table.insert("kind", kind).ok()?;
    for (key, value) in entries {
        match value {
            Field::Text(s) => table.insert(key, s),
            Field::Number(n) => match i64::try_from(n) {
                Ok(n) => table.insert(key, n),
                Err(_) => table.insert(key, n.to_string()),
            },
        }
        .ok()?;
    }
    Some(table)
}
