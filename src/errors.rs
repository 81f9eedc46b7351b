//! Exceptions: the `Tuf\Native\Exception\*` classes, the mapping from
//! `tuf_core::ErrorKind`, and the guard every PHP entry point runs in.
//!
//! The classes are registered with the engine directly (not as
//! `#[php_class]` structs): they have no Rust state, so they keep PHP's own
//! exception object, constructor, file, line and trace, and PHP code can
//! construct, extend (the base) and catch them like any other exception.
//!
//! Throwing goes through `zend_throw_exception`, which makes an exception
//! that is already pending (thrown by a PHP callback) the `previous` of the
//! new one, and leaves `exit()` (an unwind-exit) alone.
//!
//! The base class has one member of its own: `getDetail()`, the typed
//! detail of the core error (`crate::error_detail`), kept in a private
//! property of the base class set right after the throw.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use ext_php_rs::args::ArgInfoTables;
use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::class::RegisteredClass;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::ffi::zend_read_property;
use ext_php_rs::ffi::zend_throw_exception;
use ext_php_rs::flags::{ClassFlags, DataType, MethodFlags, PropertyFlags};
use ext_php_rs::types::{ZendClassObject, ZendObject, Zval};
use ext_php_rs::zend::{bailout, ce, ClassEntry, ExecuteData, ExecutorGlobals};
use tuf_core::error::Detail;
use tuf_core::{Error, ErrorKind};

use crate::error_detail::detail_array;

/// Namespace of the exception classes.
const NAMESPACE: &str = "Tuf\\Native\\Exception\\";

/// The base class.
const BASE_CLASS: &str = "Tuf\\Native\\Exception\\TufException";

/// Every error kind of the core, in class-slot order.
const KINDS: [ErrorKind; 11] = [
    ErrorKind::Format,
    ErrorKind::SignatureThreshold,
    ErrorKind::Rollback,
    ErrorKind::RepositoryChanged,
    ErrorKind::Expired,
    ErrorKind::InvalidHash,
    ErrorKind::DownloadSize,
    ErrorKind::NotFound,
    ErrorKind::DenialOfService,
    ErrorKind::State,
    ErrorKind::Io,
];

/// The class of each kind (exhaustive: a new kind in the core does not
/// compile until it has a class here and a slot in `KINDS`).
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Format => "FormatException",
        ErrorKind::SignatureThreshold => "SignatureThresholdException",
        ErrorKind::Rollback => "RollbackException",
        ErrorKind::RepositoryChanged => "RepositoryChangedException",
        ErrorKind::Expired => "ExpiredException",
        ErrorKind::InvalidHash => "InvalidHashException",
        ErrorKind::DownloadSize => "DownloadSizeException",
        ErrorKind::NotFound => "NotFoundException",
        ErrorKind::DenialOfService => "DenialOfServiceException",
        ErrorKind::State => "StateException",
        ErrorKind::Io => "IoException",
    }
}

const SLOTS: usize = KINDS.len() + 1;
const BASE_SLOT: usize = KINDS.len();

/// Class entries as registered at MINIT (re-registered on a module restart).
static CLASSES: [AtomicPtr<ClassEntry>; SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS];

/// The private property of the base class that holds the detail array.
const DETAIL_PROPERTY: &str = "detail";

unsafe extern "C" {
    /// SPL's `RuntimeException`, exported by every PHP binary (SPL is always
    /// built in and starts before shared extensions).
    static spl_ce_RuntimeException: *mut ClassEntry;

    /// Writes a property as code of `scope` would (so a private one of
    /// `scope`); the engine adds its own reference to `value`. Exported by
    /// PHP 8.0 and later, not bound by ext-php-rs.
    fn zend_update_property(
        scope: *mut ClassEntry,
        object: *mut ZendObject,
        name: *const c_char,
        name_length: usize,
        value: *mut Zval,
    );
}

fn slot_of(kind: ErrorKind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(BASE_SLOT)
}

fn class_in(slot: usize) -> Option<&'static ClassEntry> {
    // SAFETY: set at MINIT to a class entry the engine keeps for the life
    // of the module; null before that.
    unsafe { CLASSES[slot].load(Ordering::Acquire).as_ref() }
}

// The signature is the one `ClassBuilder::registration` takes; these classes
// declare no methods, so the (empty) tables are simply dropped.
#[allow(clippy::boxed_local)]
fn remember<const SLOT: usize>(ce: &'static mut ClassEntry, _methods: ArgInfoTables) {
    CLASSES[SLOT].store(ce, Ordering::Release);
}

/// Registration callbacks, one per slot (a `fn` pointer cannot capture).
const REMEMBER: [fn(&'static mut ClassEntry, ArgInfoTables); SLOTS] = [
    remember::<0>,
    remember::<1>,
    remember::<2>,
    remember::<3>,
    remember::<4>,
    remember::<5>,
    remember::<6>,
    remember::<7>,
    remember::<8>,
    remember::<9>,
    remember::<10>,
    remember::<11>,
];

fn parent_runtime_exception() -> &'static ClassEntry {
    // SAFETY: SPL registered the class before any shared extension starts.
    unsafe { spl_ce_RuntimeException.as_ref() }.unwrap_or_else(ce::exception)
}

fn parent_base() -> &'static ClassEntry {
    class_in(BASE_SLOT).unwrap_or_else(parent_runtime_exception)
}

/// `TufException::getDetail(): ?array`: the detail array the extension
/// attached when it threw, or null (no detail, or made by PHP code).
extern "C" fn get_detail(ex: &mut ExecuteData, retval: &mut Zval) {
    // No parameters: more arguments are an ArgumentCountError, thrown by
    // the parser.
    if ex.parser().parse().is_err() {
        return;
    }
    retval.set_null();
    let (Some(base), Some(this)) = (class_in(BASE_SLOT), ex.get_self()) else {
        return;
    };
    let mut scratch = Zval::new();
    // SAFETY: `this` is the live object the method runs on and `base` a
    // registered class it is an instance of; the name is valid for its
    // length. The result points into the object or to `scratch`, both alive
    // until the copy below.
    let found = unsafe {
        zend_read_property(
            ptr::from_ref(base).cast_mut(),
            this,
            DETAIL_PROPERTY.as_ptr().cast(),
            DETAIL_PROPERTY.len(),
            true,
            &raw mut scratch,
        )
        .as_ref()
    };
    if let Some(value) = found.filter(|v| v.is_array()) {
        *retval = value.shallow_clone();
    }
}

/// Registers the base class and the subclasses. Runs at MINIT.
pub fn register_exception_classes() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new(BASE_CLASS)
        .extends((parent_runtime_exception, "RuntimeException"))
        .property(ClassProperty {
            name: DETAIL_PROPERTY.to_string(),
            flags: PropertyFlags::Private,
            default: Some(Box::new(|| Ok(Zval::new()))),
            docs: &[],
            ty: None,
            nullable: true,
            readonly: false,
            default_stub: Some("null".to_string()),
        })
        .method(
            FunctionBuilder::new("getDetail", get_detail).returns(DataType::Array, false, true),
            MethodFlags::Public | MethodFlags::Final,
        )
        .registration(REMEMBER[BASE_SLOT])
        .register()?;
    for (slot, kind) in KINDS.into_iter().enumerate() {
        ClassBuilder::new(format!("{NAMESPACE}{}", class_name(kind)))
            .extends((parent_base, BASE_CLASS))
            .flags(ClassFlags::Final)
            .registration(REMEMBER[slot])
            .register()?;
    }
    Ok(())
}

/// Refuses to run a constructor again on an object that is already
/// constructed (`$object->__construct(...)`): ext-php-rs would replace the
/// Rust state, which a call further up the stack (a callback calling back
/// into its own object) may still be using.
pub fn ensure_not_constructed<T: RegisteredClass>() -> Outcome<()> {
    let globals = ExecutorGlobals::get();
    // SAFETY: during a PHP call the current frame is valid: it is the
    // internal frame of the `__construct` being run, whose `This` is the
    // object under construction.
    let frame = unsafe { globals.current_execute_data.as_ref() };
    let constructed = frame
        .and_then(|frame| frame.This.object())
        .and_then(ZendClassObject::<T>::from_zend_obj)
        .is_some();
    drop(globals);
    if constructed {
        return Err(Failure::Tuf(Error::state(format!(
            "{}::__construct() cannot be called on an object that is already constructed",
            T::CLASS_NAME
        ))));
    }
    Ok(())
}

/// Why a call into the extension failed.
#[derive(Debug)]
pub enum Failure {
    /// An error of the core (or of a callback, reported as one): thrown as
    /// the subclass for its kind.
    Tuf(Error),
    /// A wrong argument type (`\TypeError`).
    Type(String),
    /// An argument of the right type but an unacceptable value
    /// (`\ValueError`).
    Value(String),
    /// A bug: a panic or an impossible state (`TufException`).
    Internal(String),
    /// A PHP callback hit a fatal error (a bailout, e.g. `memory_limit`):
    /// the bailout is resumed once the Rust frames have been unwound.
    Bailout,
}

pub type Outcome<T> = Result<T, Failure>;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Tuf(e)
    }
}

/// "Argument #n ($name) must ..." in PHP's own wording.
pub fn value_error(method: &str, position: u32, name: &str, what: &str) -> Failure {
    Failure::Value(format!("{method}(): Argument #{position} (${name}) {what}"))
}

pub fn type_error(method: &str, position: u32, name: &str, what: &str) -> Failure {
    Failure::Type(format!("{method}(): Argument #{position} (${name}) {what}"))
}

/// Throws `message` as an instance of `class`, chained to a pending
/// exception if there is one.
fn throw_raw(class: &ClassEntry, message: &str) {
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: a registered, concrete exception class and a NUL-terminated
    // message that outlives the call (the engine copies it).
    unsafe { zend_throw_exception(ptr::from_ref(class).cast_mut(), message.as_ptr(), 0) };
}

/// Throws a `\TypeError` now (used for a callback's wrong return type,
/// which then becomes the `previous` of the native exception).
pub fn throw_type_error(message: &str) {
    throw_raw(ce::type_error(), message);
}

/// Sets the detail property of the exception just thrown, if the engine
/// took it (it keeps a pending unwind-exit instead).
fn attach_detail(detail: &Detail) {
    let Some(base) = class_in(BASE_SLOT) else {
        return;
    };
    let globals = ExecutorGlobals::get();
    let pending = globals.exception;
    drop(globals);
    // SAFETY: the pending exception, if any, is a live object owned by the
    // engine until it is caught.
    let Some(thrown) = (unsafe { pending.as_mut() }) else {
        return;
    };
    if !thrown.instance_of(base) {
        return;
    }
    let Some(table) = detail_array(detail) else {
        return;
    };
    let mut value = Zval::new();
    value.set_hashtable(table);
    // SAFETY: a live instance of `base`, which declares the property; the
    // engine copies `value` (our reference is released when it drops).
    unsafe {
        zend_update_property(
            ptr::from_ref(base).cast_mut(),
            thrown,
            DETAIL_PROPERTY.as_ptr().cast(),
            DETAIL_PROPERTY.len(),
            &raw mut value,
        );
    }
}

/// Throws `failure` into the engine and returns the value the generated
/// method code expects. That code's own throw of the returned
/// `PhpException` is a no-op while an exception is pending, so it only
/// matters if the engine refused ours.
fn throw_failure(failure: Failure) -> PhpException {
    let mut detail = None;
    let (class, message) = match failure {
        Failure::Tuf(e) => {
            detail = e.detail().cloned();
            (class_in(slot_of(e.kind())), e.message().to_string())
        }
        Failure::Type(m) => (Some(ce::type_error()), m),
        Failure::Value(m) => (Some(ce::value_error()), m),
        Failure::Internal(m) => (class_in(BASE_SLOT), m),
        Failure::Bailout => {
            // SAFETY: every Rust value of the failed call has been dropped
            // by now; the engine unwinds to its own catch point as it would
            // have without us in between.
            unsafe { bailout() }
        }
    };
    let class = class.unwrap_or_else(ce::exception);
    throw_raw(class, &message);
    if let Some(detail) = &detail {
        attach_detail(detail);
    }
    PhpException::new(message, 0, class)
}

thread_local! {
    /// Message and location of the last panic on this thread, recorded by
    /// the hook for the exception that reports it.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the default panic hook (which writes to stderr, i.e. into a
/// PHP-FPM worker's log stream) with one that only records the message.
/// The hook belongs to this extension's copy of the Rust runtime only.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_string());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = LAST_PANIC.try_with(|last| {
            if let Ok(mut last) = last.try_borrow_mut() {
                *last = Some(format!("{message}{at}"));
            }
        });
    }));
}

fn take_panic_message() -> String {
    LAST_PANIC
        .try_with(|last| last.try_borrow_mut().ok().and_then(|mut l| l.take()))
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Runs the body of a PHP method: a panic becomes a `TufException`
/// ("internal error: ..."), a failure becomes its exception, and nothing
/// unwinds into the engine.
pub fn entry<T>(body: impl FnOnce() -> Outcome<T>) -> PhpResult<T> {
    let result = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(_) => Err(Failure::Internal(format!(
            "internal error (a bug in tuf_native, please report it): {}",
            take_panic_message()
        ))),
    };
    result.map_err(throw_failure)
}
