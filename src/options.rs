//! The `$options` array of `Tuf\Native\Updater`, over the documented
//! defaults of `tuf_core::config` (`Config`, `HttpConfig`, `StorageConfig`).

use std::time::Duration;

use ext_php_rs::types::Zval;
use tuf_core::config::{Config, HttpConfig, StorageConfig};

use crate::args::{type_name, ArrayArg, Param};
use crate::errors::Outcome;

/// Longest accepted timeout: a day. Longer is a configuration mistake.
const MAX_SECONDS: f64 = 86_400.0;

/// Options that only the standalone updater (native HTTP and disk cache)
/// uses; the callback updater refuses them rather than ignore them.
const STANDALONE_ONLY: [&str; 8] = [
    "connectTimeout",
    "readTimeout",
    "deadline",
    "lowSpeedLimit",
    "lowSpeedTime",
    "targetBaseUrl",
    "fileMode",
    "lockTimeout",
];

/// Everything `$options` can set.
#[derive(Debug, Clone)]
pub struct Options {
    pub config: Config,
    pub http: HttpConfig,
    pub target_base_url: Option<String>,
    pub storage: StorageConfig,
}

impl Options {
    /// Parses `$options`; `standalone` is false for `withCallbacks()`.
    pub fn parse(options: ArrayArg<'_>, param: Param, standalone: bool) -> Outcome<Options> {
        let mut parsed = Options {
            config: Config::default(),
            http: HttpConfig::default(),
            target_base_url: None,
            storage: StorageConfig::default(),
        };
        for (name, value) in options.named_entries(param, "option names")? {
            if !standalone && STANDALONE_ONLY.contains(&name.as_str()) {
                return Err(param.value_error(&format!(
                    "option \"{name}\" applies only to the standalone updater"
                )));
            }
            let c = &mut parsed.config;
            match name.as_str() {
                "maxRootRotations" => {
                    c.max_root_rotations = count(value, &name, param, u32::MAX.into())? as u32;
                }
                "maxRolesVisited" => {
                    c.max_roles_visited = count(value, &name, param, u32::MAX.into())? as usize;
                }
                "rootMaxLength" => c.root_max_length = count(value, &name, param, i64::MAX as u64)?,
                "timestampMaxLength" => {
                    c.timestamp_max_length = count(value, &name, param, i64::MAX as u64)?;
                }
                "snapshotMaxLength" => {
                    c.snapshot_max_length = count(value, &name, param, i64::MAX as u64)?;
                }
                "targetsMaxLength" => {
                    c.targets_max_length = count(value, &name, param, i64::MAX as u64)?;
                }
                "connectTimeout" => parsed.http.connect_timeout = seconds(value, &name, param)?,
                "readTimeout" => parsed.http.read_timeout = seconds(value, &name, param)?,
                "deadline" => parsed.http.deadline = seconds(value, &name, param)?,
                "lowSpeedLimit" => {
                    parsed.http.low_speed_limit = bytes_per_second(value, &name, param)?;
                }
                "lowSpeedTime" => parsed.http.low_speed_time = seconds(value, &name, param)?,
                "lockTimeout" => parsed.storage.lock_timeout = seconds(value, &name, param)?,
                "targetBaseUrl" => parsed.target_base_url = Some(text(value, &name, param)?),
                "fileMode" => parsed.storage.file_mode = file_mode(value, &name, param)?,
                _ => {
                    return Err(
                        param.value_error(&format!("contains the unknown option \"{name}\""))
                    )
                }
            }
        }
        Ok(parsed)
    }
}

/// A positive integer no larger than `max`.
fn count(value: &Zval, name: &str, param: Param, max: u64) -> Outcome<u64> {
    let n = value.long().ok_or_else(|| {
        param.type_error(&format!(
            "option \"{name}\" must be of type int, {} given",
            type_name(value)
        ))
    })?;
    match u64::try_from(n) {
        Ok(n) if n >= 1 && n <= max => Ok(n),
        _ => Err(param.value_error(&format!("option \"{name}\" must be between 1 and {max}"))),
    }
}

/// Bytes per second of the low-speed rule: 0 (off) or more.
fn bytes_per_second(value: &Zval, name: &str, param: Param) -> Outcome<u64> {
    let n = value.long().ok_or_else(|| {
        param.type_error(&format!(
            "option \"{name}\" must be of type int, {} given",
            type_name(value)
        ))
    })?;
    u64::try_from(n).map_err(|_| {
        param.value_error(&format!(
            "option \"{name}\" must be 0 (no minimum) or a number of bytes per second"
        ))
    })
}

/// Seconds as an int or a float, more than 0 and at most a day.
pub(crate) fn seconds(value: &Zval, name: &str, param: Param) -> Outcome<Duration> {
    let s = match (value.long(), value.double()) {
        (Some(n), _) => n as f64,
        (None, Some(f)) => f,
        _ => {
            return Err(param.type_error(&format!(
                "option \"{name}\" must be of type int|float, {} given",
                type_name(value)
            )))
        }
    };
    if !(s > 0.0 && s <= MAX_SECONDS) {
        return Err(param.value_error(&format!(
            "option \"{name}\" must be more than 0 and at most {MAX_SECONDS} seconds"
        )));
    }
    Ok(Duration::from_secs_f64(s))
}

fn text(value: &Zval, name: &str, param: Param) -> Outcome<String> {
    let bytes = value.zend_str().ok_or_else(|| {
        param.type_error(&format!(
            "option \"{name}\" must be of type string, {} given",
            type_name(value)
        ))
    })?;
    std::str::from_utf8(bytes.as_bytes())
        .map(str::to_string)
        .map_err(|_| param.value_error(&format!("option \"{name}\" must be valid UTF-8")))
}

/// A permission for cache files: at most 0777, and readable and writable by
/// the owner (the cache reads its files back and replaces them).
fn file_mode(value: &Zval, name: &str, param: Param) -> Outcome<u32> {
    let mode = value.long().ok_or_else(|| {
        param.type_error(&format!(
            "option \"{name}\" must be of type int, {} given",
            type_name(value)
        ))
    })?;
    match u32::try_from(mode) {
        Ok(m) if m <= 0o777 && m & 0o600 == 0o600 => Ok(m),
        _ => Err(param.value_error(&format!(
            "option \"{name}\" must be a permission between 0600 and 0777 that includes 0600"
        ))),
    }
}
