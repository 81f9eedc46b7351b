//! `Tuf\Native\Hashes`: a string or a file against a trusted length and
//! hashes (spec 5.7.2), for callers that fetch targets themselves.

use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use tuf_core::hashing::{verify_bytes, Expected};

use crate::args::{non_negative, type_name, ArrayArg, Bytes, Param};
use crate::errors::{entry, Failure, Outcome};

const VERIFY_STRING: &str = "Tuf\\Native\\Hashes::verifyString";
const VERIFY_FILE: &str = "Tuf\\Native\\Hashes::verifyFile";

/// Static helpers only.
#[php_class]
#[php(name = "Tuf\\Native\\Hashes")]
#[php(flags = ClassFlags::Final)]
#[derive(Debug)]
pub struct Hashes;

/// `['sha256' => 'hex', ...]` as (algorithm, digest) pairs.
fn hash_list(hashes: ArrayArg<'_>, param: Param) -> Outcome<Vec<(String, String)>> {
    hashes
        .named_entries(param, "algorithm names")?
        .into_iter()
        .map(|(algorithm, digest)| {
            let digest = digest.zend_str().ok_or_else(|| {
                param.type_error(&format!(
                    "must map algorithm names to hex digests, {} given for \"{algorithm}\"",
                    type_name(digest)
                ))
            })?;
            // Whether it is hex of the right size is the core's check.
            Ok((
                algorithm,
                String::from_utf8_lossy(digest.as_bytes()).into_owned(),
            ))
        })
        .collect()
}

#[php_impl]
impl Hashes {
    #[php(vis = "private")]
    pub fn __construct() -> PhpResult<Self> {
        entry(|| Err(Failure::Internal("Hashes has only static methods".into())))
    }

    /// Checks `$data` against `$length` and every listed hash; throws
    /// DownloadSizeException (too long), InvalidHashException (wrong
    /// digest, an algorithm this build does not check, or none listed) or
    /// FormatException (a known algorithm with a malformed digest).
    #[php(defaults(name = "\"data\""))]
    pub fn verify_string(
        data: Bytes<'_>,
        length: i64,
        hashes: ArrayArg<'_>,
        name: Bytes<'_>,
    ) -> PhpResult<()> {
        entry(|| {
            let length = non_negative(length, Param::new(VERIFY_STRING, 2, "length"))?;
            let hashes = hash_list(hashes, Param::new(VERIFY_STRING, 3, "hashes"))?;
            let name = String::from_utf8_lossy(name.0);
            let expected = Expected {
                length,
                hashes: &hashes,
            };
            Ok(verify_bytes(&name, expected, data.0)?)
        })
    }

    /// Checks the file at `$path` (read in chunks, never held in memory)
    /// like verifyString(), with the same length rule (a file of the wrong
    /// size is refused before it is read); a file that cannot be read is an
    /// IoException.
    /// `$name` names it in messages (default: the path).
    pub fn verify_file(
        path: Bytes<'_>,
        length: i64,
        hashes: ArrayArg<'_>,
        name: Option<Bytes<'_>>,
    ) -> PhpResult<()> {
        entry(|| {
            let file = path.path(Param::new(VERIFY_FILE, 1, "path"))?;
            let length = non_negative(length, Param::new(VERIFY_FILE, 2, "length"))?;
            let hashes = hash_list(hashes, Param::new(VERIFY_FILE, 3, "hashes"))?;
            let name = match name {
                Some(name) => String::from_utf8_lossy(name.0).into_owned(),
                None => file.display().to_string(),
            };
            let expected = Expected {
                length,
                hashes: &hashes,
            };
            // Named as a target, as the CLI's `verify` and downloads name it.
            let what = format!("target {name:?}");
            Ok(tuf_io::download::verify_path(&file, &what, expected)?)
        })
    }
}
