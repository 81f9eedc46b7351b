//! `Tuf\Native\TargetInfo`: what trusted metadata says about one target.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use crate::args::php_int;
use crate::errors::{entry, Failure, Outcome};

/// A verified target: only the extension creates these.
#[php_class]
#[php(name = "Tuf\\Native\\TargetInfo")]
#[php(flags = ClassFlags::Final)]
#[derive(Debug)]
pub struct TargetInfo {
    path: String,
    length: i64,
    hashes: Vec<(String, String)>,
    custom: Option<String>,
    role: String,
}

impl TargetInfo {
    pub fn from_core(info: tuf_core::delegation::TargetInfo) -> Outcome<TargetInfo> {
        Ok(TargetInfo {
            length: php_int(info.length, "target length")?,
            path: info.path,
            hashes: info.hashes,
            custom: info.custom,
            role: info.role,
        })
    }
}

/// An array `[key => value, ...]` of strings, in the given order.
pub fn string_map(pairs: &[(String, String)]) -> Outcome<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::with_capacity(u32::try_from(pairs.len()).unwrap_or(u32::MAX));
    for (key, value) in pairs {
        table
            .insert(key.as_str(), value.as_str())
            .map_err(|e| Failure::Internal(format!("building an array: {e}")))?;
    }
    Ok(table)
}

#[php_impl]
impl TargetInfo {
    /// Not constructible from PHP: instances come from a verified lookup.
    #[php(vis = "private")]
    pub fn __construct() -> PhpResult<Self> {
        entry(|| Err(Failure::Internal("TargetInfo cannot be constructed".into())))
    }

    /// The target path as listed (the name looked up).
    pub fn get_path(&self) -> PhpResult<String> {
        entry(|| Ok(self.path.clone()))
    }

    /// The trusted length in bytes.
    pub fn get_length(&self) -> PhpResult<i64> {
        entry(|| Ok(self.length))
    }

    /// Algorithm => lowercase hex digest, as listed (unknown algorithms
    /// included; only those in `php --ri tuf_native` are checked).
    pub fn get_hashes(&self) -> PhpResult<ZBox<ZendHashTable>> {
        entry(|| string_map(&self.hashes))
    }

    /// The target's `custom` object as JSON text, exactly as signed, or
    /// null when the metadata has none.
    pub fn get_custom_json(&self) -> PhpResult<Option<String>> {
        entry(|| Ok(self.custom.clone()))
    }

    /// The targets role whose signed metadata lists the target.
    pub fn get_role(&self) -> PhpResult<String> {
        entry(|| Ok(self.role.clone()))
    }
}
