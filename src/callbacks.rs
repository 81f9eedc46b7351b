//! PHP callables as the core's I/O: `Fetcher` and `MetadataStore` for
//! `Updater::withCallbacks()`, and the role loader of
//! `TrustedMetadata::findTarget()`.
//!
//! A callback can fail in three PHP ways: it throws, it returns a value of
//! the wrong type (we throw a `TypeError` for it), or it hits a fatal error
//! (a bailout, e.g. `memory_limit`). In each case the first failure is
//! recorded, no further callback of the same native call is invoked (the
//! engine must not run PHP code with an exception pending), and the core
//! sees an I/O error so the refresh fails and unwinds normally.
//! [`Tracker::finish`] then turns the outcome into the native exception
//! (whose `previous` is the pending PHP exception) or resumes the bailout.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;

use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendCallable, ZendStr, Zval};
use ext_php_rs::zend::{try_catch, CatchError, ExecutorGlobals};
use tuf_core::config::StorageConfig;
use tuf_core::updater::{Fetcher, MetadataStore};
use tuf_core::{Error, Result};

use crate::args::{type_name, Callable};
use crate::errors::{Failure, Outcome};

/// How a callback failed, first failure only.
#[derive(Debug, Clone)]
enum Interrupt {
    /// A PHP exception is pending; the text says which callback threw.
    Threw(String),
    /// The engine bailed out inside the callback.
    Bailout,
}

/// The failure state shared by the callbacks of one native object.
#[derive(Debug, Default)]
pub struct Tracker {
    interrupt: RefCell<Option<Interrupt>>,
}

impl Tracker {
    /// Forgets the outcome of an earlier native call.
    pub fn begin(&self) {
        self.interrupt.replace(None);
    }

    fn record(&self, interrupt: Interrupt) {
        let mut slot = self.interrupt.borrow_mut();
        if slot.is_none() {
            *slot = Some(interrupt);
        }
    }

    fn interrupted(&self) -> bool {
        self.interrupt.borrow().is_some()
    }

    /// The result of a native call that may have run callbacks. A callback
    /// failure wins over whatever the core made of it.
    pub fn finish<T>(&self, result: Result<T>) -> Outcome<T> {
        match self.interrupt.take() {
            None => result.map_err(Failure::Tuf),
            Some(Interrupt::Bailout) => Err(Failure::Bailout),
            Some(Interrupt::Threw(what)) => Err(Failure::Tuf(Error::io(what))),
        }
    }
}

/// One PHP callable with the name it is documented under.
#[derive(Debug)]
pub struct Callback {
    /// `$fetch`, `$load`, ...: for messages.
    name: &'static str,
    callable: Zval,
}

/// A PHP string zval holding `bytes` as they are.
fn binary_zval(bytes: &[u8]) -> Zval {
    let mut zval = Zval::new();
    zval.set_zend_string(ZendStr::new(bytes, false));
    zval
}

impl Callback {
    pub fn new(name: &'static str, callable: Callable) -> Self {
        Callback {
            name,
            callable: callable.0,
        }
    }

    /// Calls the callable with string arguments (and an optional int);
    /// `doing` says what for ("fetching \"timestamp.json\"").
    fn call(
        &self,
        tracker: &Tracker,
        args: &[&[u8]],
        int_arg: Option<i64>,
        doing: &str,
    ) -> Result<Zval> {
        if tracker.interrupted() {
            return Err(Error::io(format!(
                "{} was not called for {doing}: an earlier callback failed",
                self.name
            )));
        }
        let callable = ZendCallable::new(&self.callable)
            .map_err(|_| Error::io(format!("{} is not callable", self.name)))?;
        let strings: Vec<Zval> = args.iter().map(|bytes| binary_zval(bytes)).collect();
        let mut params: Vec<&dyn IntoZvalDyn> =
            strings.iter().map(|z| z as &dyn IntoZvalDyn).collect();
        let int_zval = int_arg.map(|n| {
            let mut z = Zval::new();
            z.set_long(n);
            z
        });
        if let Some(z) = &int_zval {
            params.push(z);
        }
        let called = try_catch(AssertUnwindSafe(|| callable.try_call(params)));
        match called {
            Ok(Ok(value)) if !ExecutorGlobals::has_exception() => Ok(value),
            Ok(_) if ExecutorGlobals::has_exception() => {
                let class = ExecutorGlobals::pending_exception_class()
                    .unwrap_or_else(|| "an exception".into());
                let what = format!(
                    "{} threw {class} while {doing} (see getPrevious())",
                    self.name
                );
                tracker.record(Interrupt::Threw(what.clone()));
                Err(Error::io(what))
            }
            Ok(_) => Err(Error::io(format!(
                "{} could not be called while {doing}",
                self.name
            ))),
            Err(CatchError::Bailout) => {
                tracker.record(Interrupt::Bailout);
                Err(Error::io(format!(
                    "{} hit a fatal error while {doing}",
                    self.name
                )))
            }
            Err(e) => Err(Error::io(format!(
                "{} failed while {doing}: {e}",
                self.name
            ))),
        }
    }

    /// A wrong return type is the callback's bug: reported to PHP as a
    /// `TypeError` (the `previous` of the native exception).
    fn wrong_type(&self, tracker: &Tracker, expected: &str, got: &Zval, doing: &str) -> Error {
        let what = format!(
            "{} must return {expected}, {} returned (while {doing})",
            self.name,
            type_name(got)
        );
        crate::errors::throw_type_error(&what);
        tracker.record(Interrupt::Threw(what.clone()));
        Error::io(what)
    }

    /// Calls the callable and takes its `?string` result; a string longer
    /// than `limit` is reported by length, without copying it.
    fn call_for_bytes(
        &self,
        tracker: &Tracker,
        args: &[&[u8]],
        int_arg: Option<i64>,
        limit: u64,
        doing: &str,
    ) -> Result<Returned> {
        let value = self.call(tracker, args, int_arg, doing)?;
        let value = value.dereference();
        if value.is_null() {
            return Ok(Returned::Null);
        }
        match value.zend_str() {
            Some(s) if value.get_type() == DataType::String => {
                let bytes = s.as_bytes();
                Ok(if bytes.len() as u64 > limit {
                    Returned::TooLong(bytes.len())
                } else {
                    Returned::Bytes(bytes.to_vec())
                })
            }
            _ => Err(self.wrong_type(tracker, "?string", value, doing)),
        }
    }
}

/// What a `?string` callback returned.
enum Returned {
    Null,
    Bytes(Vec<u8>),
    /// A string of this many bytes, over the limit (not copied).
    TooLong(usize),
}

/// The callables of `Updater::withCallbacks()`.
#[derive(Debug)]
pub struct StoreCallbacks {
    pub fetch: Callback,
    pub load: Callback,
    pub store: Callback,
    pub remove: Callback,
    pub tracker: Tracker,
}

/// The core's fetcher over `$fetch`.
pub struct PhpFetcher(pub Rc<StoreCallbacks>);

/// The core's metadata store over `$load`, `$store` and `$remove`.
pub struct PhpStore(pub Rc<StoreCallbacks>);

impl Fetcher for PhpFetcher {
    /// `url` is the file name: the callback updater's base URL is empty.
    fn fetch(&mut self, url: &str, max_len: u64) -> Result<Vec<u8>> {
        let cb = &self.0;
        let doing = format!("fetching {url:?}");
        let max = i64::try_from(max_len).unwrap_or(i64::MAX);
        let args: &[&[u8]] = &[url.as_bytes()];
        match cb
            .fetch
            .call_for_bytes(&cb.tracker, args, Some(max), max_len, &doing)?
        {
            Returned::Null => Err(Error::not_found(format!(
                "{url}: not found ($fetch returned null)"
            ))),
            Returned::TooLong(len) => Err(Error::download_size(format!(
                "{url}: {len} bytes, more than the limit of {max_len} bytes"
            ))),
            Returned::Bytes(body) => Ok(body),
        }
    }
}

impl MetadataStore for PhpStore {
    fn load(&mut self, role: &str) -> Option<Vec<u8>> {
        let cb = &self.0;
        let doing = format!("loading role {role:?}");
        // A failure is recorded by the tracker and fails the native call;
        // for the core, the role is simply not stored. The cap bounds the
        // memory a tampered store can make us copy outside `memory_limit`.
        let limit = StorageConfig::default().max_stored_file;
        match cb
            .load
            .call_for_bytes(&cb.tracker, &[role.as_bytes()], None, limit, &doing)
        {
            Ok(Returned::Bytes(bytes)) => Some(bytes),
            _ => None,
        }
    }

    fn store(&mut self, role: &str, bytes: &[u8]) -> Result<()> {
        let cb = &self.0;
        let doing = format!("storing role {role:?}");
        cb.store
            .call(&cb.tracker, &[role.as_bytes(), bytes], None, &doing)?;
        Ok(())
    }

    fn remove(&mut self, role: &str) -> Result<()> {
        let cb = &self.0;
        let doing = format!("removing role {role:?}");
        cb.remove
            .call(&cb.tracker, &[role.as_bytes()], None, &doing)?;
        Ok(())
    }
}

/// `$loadRole` of `TrustedMetadata::findTarget()`.
pub struct RoleLoader<'a> {
    pub callback: Callback,
    pub tracker: &'a Tracker,
}

impl RoleLoader<'_> {
    /// The bytes of delegated `role`, at most `max_len` of them.
    pub fn load(&self, role: &str, max_len: u64) -> Result<Vec<u8>> {
        let doing = format!("loading role {role:?}");
        let args: &[&[u8]] = &[role.as_bytes()];
        match self
            .callback
            .call_for_bytes(self.tracker, args, None, max_len, &doing)?
        {
            Returned::Null => Err(Error::not_found(format!(
                "role {role:?}: not available ($loadRole returned null)"
            ))),
            Returned::TooLong(len) => Err(Error::download_size(format!(
                "role {role:?}: {len} bytes, more than the limit of {max_len} bytes"
            ))),
            Returned::Bytes(bytes) => Ok(bytes),
        }
    }
}
