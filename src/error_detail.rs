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

fn text(s: &str) -> Field {
    Field::Text(s.to_string())
}

/// The `kind` and the other entries of a detail. Exhaustive: a new variant
/// in the core does not compile until it has its PHP shape here (and in
/// docs/extension-api.md).
fn fields(detail: &Detail) -> (&'static str, Vec<(&'static str, Field)>) {
    use Field::Number;
    match detail {
        Detail::ThresholdNotMet { role } => ("threshold_not_met", vec![("role", text(role))]),
        Detail::Expired {
            role,
            version,
            expires,
        } => (
            "expired",
            vec![
                ("role", text(role)),
                ("version", Number(*version)),
                ("expires", Field::Text(format_time(*expires))),
            ],
        ),
        Detail::RootVersion { expected, actual } => (
            "root_version",
            vec![("expected", Number(*expected)), ("actual", Number(*actual))],
        ),
        Detail::TimestampRollback { version, trusted } => (
            "timestamp_rollback",
            vec![("version", Number(*version)), ("trusted", Number(*trusted))],
        ),
        Detail::SnapshotVersionRollback { version, trusted } => (
            "snapshot_version_rollback",
            vec![("version", Number(*version)), ("trusted", Number(*trusted))],
        ),
        Detail::MetaRollback {
            file,
            version,
            trusted,
        } => (
            "meta_rollback",
            vec![
                ("file", text(file)),
                ("version", Number(*version)),
                ("trusted", Number(*trusted)),
            ],
        ),
        Detail::MetaDropped { file } => ("meta_dropped", vec![("file", text(file))]),
        Detail::VersionMismatch {
            role,
            expected,
            actual,
            referrer,
        } => (
            "version_mismatch",
            vec![
                ("role", text(role)),
                ("expected", Number(*expected)),
                ("actual", Number(*actual)),
                ("referrer", text(referrer)),
            ],
        ),
        Detail::HashMismatch { file, algorithm } => (
            "hash_mismatch",
            vec![("file", text(file)), ("algorithm", text(algorithm))],
        ),
        Detail::VisitLimit { max_roles } => ("visit_limit", vec![("maxRoles", Number(*max_roles))]),
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
