//! `Tuf\Native\Updater::rolesToFetch()`'s argument (a list of target
//! names) and answer (the role files a batch of lookups would fetch).

use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::ZendHashTable;
use tuf_core::updater::RoleFile;

use crate::args::{php_int, type_name, ArrayArg, Param};
use crate::errors::{Failure, Outcome};
use crate::trusted::put;

/// The target names in `targets`, in order (keys are ignored). A value
/// that is not a string is a `TypeError`, one not UTF-8 a `ValueError`.
pub fn target_names(targets: ArrayArg<'_>, param: Param) -> Outcome<Vec<String>> {
    let Some(table) = targets.0 else {
        return Ok(Vec::new());
    };
    let mut names = Vec::with_capacity(table.len());
    let mut iter = table.iter();
    while let Some((_, value)) = iter.next_zval() {
        let value = value.dereference();
        let text = value.zend_str().ok_or_else(|| {
            param.type_error(&format!(
                "must be a list of target names, {} given in it",
                type_name(value)
            ))
        })?;
        let name = std::str::from_utf8(text.as_bytes())
            .map_err(|_| param.value_error("must hold valid UTF-8 target names"))?;
        names.push(name.to_string());
    }
    Ok(names)
}

/// `[['role' => string, 'file' => string, 'maxBytes' => int], ...]`.
pub fn role_files_array(roles: &[RoleFile]) -> Outcome<ZBox<ZendHashTable>> {
    let mut list = ZendHashTable::new();
    for r in roles {
        let mut entry = ZendHashTable::new();
        put(&mut entry, "role", r.role.as_str())?;
        put(&mut entry, "file", r.file.as_str())?;
        put(&mut entry, "maxBytes", php_int(r.max_bytes, "maxBytes")?)?;
        list.push(entry)
            .map_err(|e| Failure::Internal(format!("building an array: {e}")))?;
    }
    Ok(list)
}
