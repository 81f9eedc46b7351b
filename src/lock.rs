//! `Tuf\Native\DirectoryLock`: the exclusive lock the standalone updater
//! and the CLI hold on a metadata directory (`tuf_io::lock`), for PHP
//! code that does its own I/O on such a directory (the shim's
//! `FileStorage`), so that all of them exclude each other.

#![allow(non_snake_case)]

use std::cell::RefCell;

use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use tuf_core::config::StorageConfig;
use tuf_io::lock::DirectoryLock as CoreLock;

use crate::args::{ArrayArg, Bytes, Param};
use crate::errors::{ensure_not_constructed, entry};
use crate::options::seconds;

const CONSTRUCT: &str = "Tuf\\Native\\DirectoryLock::__construct";

/// A held lock on one directory, released by release() or when the object
/// is freed (or the process ends, however it ends).
#[php_class]
#[php(name = "Tuf\\Native\\DirectoryLock")]
#[php(flags = ClassFlags::Final)]
#[derive(Debug)]
pub struct DirectoryLock {
    held: RefCell<Option<CoreLock>>,
}

#[php_impl]
impl DirectoryLock {
    /// Takes the exclusive lock on the existing directory `$directory`,
    /// waiting at most `lockTimeout` seconds (option, default 60, as the
    /// standalone updater); IoException when it times out.
    #[php(defaults(options = ArrayArg::default()))]
    pub fn __construct(directory: Bytes<'_>, options: ArrayArg<'_>) -> PhpResult<Self> {
        entry(|| {
            ensure_not_constructed::<Self>()?;
            let path = directory.path(Param::new(CONSTRUCT, 1, "directory"))?;
            let param = Param::new(CONSTRUCT, 2, "options");
            let mut storage = StorageConfig::default();
            for (name, value) in options.named_entries(param, "option names")? {
                match name.as_str() {
                    "lockTimeout" => storage.lock_timeout = seconds(value, &name, param)?,
                    _ => {
                        return Err(
                            param.value_error(&format!("contains the unknown option \"{name}\""))
                        )
                    }
                }
            }
            let lock = CoreLock::acquire(&path, &storage)?;
            Ok(DirectoryLock {
                held: RefCell::new(Some(lock)),
            })
        })
    }

    /// Releases the lock; releasing it again does nothing.
    pub fn release(&self) -> PhpResult<()> {
        entry(|| {
            if let Ok(mut held) = self.held.try_borrow_mut() {
                held.take();
            }
            Ok(())
        })
    }

    /// Whether this object still holds the lock.
    pub fn is_held(&self) -> PhpResult<bool> {
        entry(|| Ok(self.held.try_borrow().map(|h| h.is_some()).unwrap_or(true)))
    }
}
