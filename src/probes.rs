//! Test-only entry points (cargo feature `probes`, never in release
//! builds): they let the PHPUnit suite prove that a Rust panic becomes a
//! `TufException` and prints nothing.

use ext_php_rs::prelude::*;

use crate::errors::entry;

#[php_class]
#[php(name = "Tuf\\Native\\Internal\\Probe")]
#[derive(Debug)]
pub struct Probe;

#[php_impl]
impl Probe {
    /// Panics inside an entry point.
    pub fn panic(message: String) -> PhpResult<()> {
        entry(|| panic!("{message}"))
    }
}
