//! Parameter types of the PHP methods and conversions of PHP values.
//!
//! Strings cross as bytes ([`Bytes`]): metadata and file contents are never
//! checked for UTF-8, and text parameters (target and role names, URLs) are
//! checked explicitly so that a bad one is a `ValueError` naming the
//! argument, not a conversion failure.

use std::path::PathBuf;

use ext_php_rs::convert::{FromZval, StubLiteral};
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};

use crate::errors::{type_error, value_error, Failure, Outcome};

/// A PHP `string` parameter, borrowed as bytes.
#[derive(Debug, Clone, Copy)]
pub struct Bytes<'a>(pub &'a [u8]);

impl<'a> FromZval<'a> for Bytes<'a> {
    const TYPE: DataType = DataType::String;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.zend_str().map(|s| Bytes(s.as_bytes()))
    }
}

impl<'a> From<&'a str> for Bytes<'a> {
    fn from(s: &'a str) -> Self {
        Bytes(s.as_bytes())
    }
}

impl StubLiteral for Bytes<'_> {
    fn stub_literal(&self) -> String {
        String::from_utf8_lossy(self.0).stub_literal()
    }
}

/// Where a parameter sits, for PHP-style messages.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub method: &'static str,
    pub position: u32,
    pub name: &'static str,
}

impl Param {
    pub const fn new(method: &'static str, position: u32, name: &'static str) -> Self {
        Param {
            method,
            position,
            name,
        }
    }
    pub fn value_error(self, what: &str) -> Failure {
        value_error(self.method, self.position, self.name, what)
    }
    pub fn type_error(self, what: &str) -> Failure {
        type_error(self.method, self.position, self.name, what)
    }
}

impl<'a> Bytes<'a> {
    /// The bytes as text (target names, role names, URLs).
    pub fn text(self, param: Param) -> Outcome<&'a str> {
        std::str::from_utf8(self.0).map_err(|_| param.value_error("must be valid UTF-8"))
    }

    /// The bytes as a filesystem path (any bytes but NUL, as PHP's own
    /// filesystem functions require).
    pub fn path(self, param: Param) -> Outcome<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        if self.0.contains(&0) {
            return Err(param.value_error("must not contain any null bytes"));
        }
        if self.0.is_empty() {
            return Err(param.value_error("cannot be empty"));
        }
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(self.0)))
    }
}

/// An `array $x = []` parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArrayArg<'a>(pub Option<&'a ZendHashTable>);

impl<'a> FromZval<'a> for ArrayArg<'a> {
    const TYPE: DataType = DataType::Array;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.array().map(|a| ArrayArg(Some(a)))
    }
}

impl StubLiteral for ArrayArg<'_> {
    fn stub_literal(&self) -> String {
        "[]".to_string()
    }
}

impl<'a> ArrayArg<'a> {
    /// The entries with string keys, in order. An integer key or a key that
    /// is not UTF-8 is a `ValueError` (`what` names the keys, e.g.
    /// "option names").
    pub fn named_entries(self, param: Param, what: &str) -> Outcome<Vec<(String, &'a Zval)>> {
        let Some(table) = self.0 else {
            return Ok(Vec::new());
        };
        let mut entries = Vec::with_capacity(table.len());
        let mut iter = table.iter();
        while let Some((key, value)) = iter.next_zval() {
            let name = key
                .zend_str()
                .and_then(|s| std::str::from_utf8(s.as_bytes()).ok())
                .ok_or_else(|| param.value_error(&format!("must be keyed by {what}")))?;
            entries.push((name.to_string(), value.dereference()));
        }
        Ok(entries)
    }
}

/// An owned PHP callable, kept beyond the call that received it.
#[derive(Debug)]
pub struct Callable(pub Zval);

impl<'a> FromZval<'a> for Callable {
    const TYPE: DataType = DataType::Callable;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.is_callable().then(|| Callable(zval.shallow_clone()))
    }
}

/// The PHP type name of a value, as PHP's own error messages spell it.
pub fn type_name(value: &Zval) -> String {
    let value = value.dereference();
    match value.get_type() {
        DataType::Null | DataType::Undef => "null".into(),
        DataType::False | DataType::True | DataType::Bool => "bool".into(),
        DataType::Long => "int".into(),
        DataType::Double => "float".into(),
        DataType::String => "string".into(),
        DataType::Array => "array".into(),
        DataType::Object(_) => value
            .object()
            .and_then(|o| o.get_class_name().ok())
            .unwrap_or_else(|| "object".into()),
        DataType::Resource => "resource".into(),
        other => other.to_string(),
    }
}

/// A non-negative PHP int as u64 (lengths).
pub fn non_negative(value: i64, param: Param) -> Outcome<u64> {
    u64::try_from(value).map_err(|_| param.value_error("must be greater than or equal to 0"))
}

/// A u64 of the core (versions, lengths) as a PHP int. Values beyond
/// PHP_INT_MAX cannot be represented; such metadata is refused.
pub fn php_int(value: u64, what: &str) -> Outcome<i64> {
    i64::try_from(value).map_err(|_| {
        Failure::Tuf(tuf_core::Error::format(format!(
            "{what} {value} is larger than PHP_INT_MAX"
        )))
    })
}
