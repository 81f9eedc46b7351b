//! `tuf_native`: the PHP extension over [`tuf_core`].
//!
//! Thin glue only: argument conversion, error mapping and the PHP object
//! model. Every decision about trust is made by `tuf-core`.
//!
//! Every PHP-visible entry point runs through [`errors::entry`], which
//! catches Rust panics (reported as `TufException`, never printed) and
//! turns errors into the exception classes registered in [`errors`].
//! The public API is documented in `docs/extension-api.md`; the IDE stub
//! in `stubs/tuf_native.stub.php` mirrors it and is checked by a test.

use std::ffi::CString;
use std::os::raw::c_int;

use ext_php_rs::ffi::{
    php_info_print_table_end, php_info_print_table_row, php_info_print_table_start,
};
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;

mod args;
mod callbacks;
mod error_detail;
mod errors;
mod hashes;
mod lock;
mod options;
mod prefetch;
#[cfg(feature = "probes")]
mod probes;
mod target_info;
mod trusted;
mod updater;

/// The PHP module name (`extension=tuf_native`, `php --ri tuf_native`).
pub const MODULE_NAME: &str = "tuf_native";

/// MINIT, before ext-php-rs registers the `#[php_class]` classes: the
/// silent panic hook, then the exception classes (registered by hand so
/// they keep PHP's own exception object, with file, line and trace).
extern "C" fn startup(_type: i32, _module_number: i32) -> i32 {
    let registered = std::panic::catch_unwind(|| {
        errors::install_panic_hook();
        errors::register_exception_classes()
    });
    match registered {
        Ok(Ok(())) => 0,
        _ => -1,
    }
}

/// `php --ri tuf_native` / `phpinfo()`: the version, what this build can
/// verify, and the default limits.
extern "C" fn module_info(_module: *mut ModuleEntry) {
    // Nothing may unwind into the engine; a failure only shortens the table.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: called by the engine while printing module information.
        unsafe { php_info_print_table_start() };
        for (name, value) in info_rows() {
            info_row(&name, &value);
        }
        // SAFETY: as above, closes the table opened above.
        unsafe { php_info_print_table_end() };
    });
}

fn info_row(name: &str, value: &str) {
    let clean = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
    let (name, value) = (clean(name), clean(value));
    // SAFETY: two NUL-terminated strings that outlive the call.
    unsafe { php_info_print_table_row(2 as c_int, name.as_ptr(), value.as_ptr()) };
}

fn info_rows() -> Vec<(String, String)> {
    use tuf_core::crypto::{RSA_MAX_BITS, RSA_MIN_BITS, SUPPORTED_SCHEMES};
    use tuf_core::hashing::KNOWN_ALGORITHMS;

    let schemes: Vec<String> = SUPPORTED_SCHEMES
        .iter()
        .map(|(keytype, scheme)| format!("{keytype}/{scheme}"))
        .collect();
    let mut rows: Vec<(String, String)> = vec![
        ("tuf_native support".into(), "enabled".into()),
        ("version".into(), env!("CARGO_PKG_VERSION").into()),
        ("ext-php-rs".into(), ext_php_rs::VERSION.into()),
        ("key types (keytype/scheme)".into(), schemes.join(", ")),
        (
            "RSA key sizes".into(),
            format!("{RSA_MIN_BITS} to {RSA_MAX_BITS} bits"),
        ),
        ("hash algorithms".into(), KNOWN_ALGORITHMS.join(", ")),
    ];
    // The same list `tuf-native --help` prints.
    for limit in tuf_core::config::defaults() {
        let name = if limit.option {
            format!("default {}", limit.name)
        } else {
            limit.name.to_string()
        };
        rows.push((name, limit.value));
    }
    rows
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = module
        .name(MODULE_NAME)
        .startup_function(startup)
        .info_function(module_info)
        .class::<target_info::TargetInfo>()
        .class::<hashes::Hashes>()
        .class::<trusted::TrustedMetadata>()
        .class::<updater::Updater>()
        .class::<lock::DirectoryLock>();
    #[cfg(feature = "probes")]
    let module = module.class::<probes::Probe>();
    module
}
