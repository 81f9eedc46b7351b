//! Typed TUF metadata (spec section 4) parsed strictly from received bytes.
//!
//! Parsing is two passes over the bytes: [`crate::json::canonical_signed`]
//! validates the whole document (duplicate keys, floats, depth, UTF-8,
//! trailing data) and yields the canonical form of `signed` that the
//! signatures cover; serde then fills typed structs. Unknown fields are
//! ignored by the typed view but stay covered by the signatures, because the
//! canonical bytes come from the document as received.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::crypto::{KeyError, VerifyingKey};
use crate::error::{Detail, Error, Result};
use crate::json;
use crate::pattern::{path_matches, SuccinctBins};
use crate::time::{parse_expires, UnixTime};

/// The four top-level role names; delegated roles may not reuse them.
pub const TOP_LEVEL_ROLES: [&str; 4] = ["root", "timestamp", "snapshot", "targets"];

/// Which metadata a file must hold (the `_type` expected for a slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleType {
    Root,
    Timestamp,
    Snapshot,
    Targets,
}

impl RoleType {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleType::Root => "root",
            RoleType::Timestamp => "timestamp",
            RoleType::Snapshot => "snapshot",
            RoleType::Targets => "targets",
        }
    }
}

/// A signature entry of the envelope; `sig` is still hex.
#[derive(Debug, Clone, Deserialize)]
pub struct Signature {
    pub keyid: String,
    pub sig: String,
}

/// Metadata that parsed and passed structural checks but whose signatures
/// are not verified yet: the caller decides which keys to check it with.
#[derive(Debug)]
pub struct Unverified<T> {
    pub signed: T,
    pub signatures: Vec<Signature>,
    /// Canonical JSON of `signed` as received: what the signatures cover.
    pub canonical: Vec<u8>,
}

/// Fields every role carries.
#[derive(Debug, Clone)]
pub struct Common {
    pub spec_version: String,
    pub version: u64,
    pub expires: UnixTime,
}

impl Common {
    pub fn is_expired(&self, reference_time: UnixTime) -> bool {
        // Spec 5.x: "expired" means the expiration time is at or before now.
        self.expires <= reference_time
    }

    /// An `Expired` error naming `what` (e.g. "timestamp") if expired, with
    /// the role name `role` in its detail.
    pub fn check_not_expired(
        &self,
        role: &str,
        what: &str,
        reference_time: UnixTime,
    ) -> Result<()> {
        if self.is_expired(reference_time) {
            return Err(Error::expired(format!(
                "{what} version {} expired at {}",
                self.version,
                crate::time::format_time(self.expires)
            ))
            .with_detail(Detail::Expired {
                role: role.to_string(),
                version: self.version,
                expires: self.expires,
            }));
        }
        Ok(())
    }
}

/// A key as listed in root or in delegations. Keys of unknown types or
/// with bad material are kept, so the metadata still parses, but never
/// count toward a threshold.
#[derive(Debug, Clone)]
pub struct Key {
    pub keytype: String,
    pub scheme: String,
    pub verifier: std::result::Result<VerifyingKey, KeyError>,
}

/// Keyids and threshold of one role.
#[derive(Debug, Clone)]
pub struct RoleKeys {
    pub keyids: Vec<String>,
    pub threshold: u64,
}

#[derive(Debug, Clone)]
pub struct Root {
    pub common: Common,
    pub consistent_snapshot: bool,
    pub keys: HashMap<String, Key>,
    pub roles: HashMap<String, RoleKeys>,
}

impl Root {
    /// Keys and threshold of a top-level role (present by construction).
    pub fn role(&self, name: &str) -> &RoleKeys {
        &self.roles[name]
    }
}

/// Length, hashes and version of a metadata file as listed by timestamp or
/// snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaFile {
    pub version: u64,
    pub length: Option<u64>,
    pub hashes: Option<Vec<(String, String)>>,
}

#[derive(Debug, Clone)]
pub struct Timestamp {
    pub common: Common,
    pub snapshot_meta: MetaFile,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub common: Common,
    /// Keyed by file name, e.g. `targets.json`, `bins-0.json`.
    pub meta: HashMap<String, MetaFile>,
}

/// What a target path maps to in targets metadata.
#[derive(Debug, Clone)]
pub struct TargetFile {
    pub length: u64,
    pub hashes: Vec<(String, String)>,
    /// The `custom` object exactly as received, if any.
    pub custom: Option<Box<RawValue>>,
}

/// How a delegated role is matched against target paths.
#[derive(Debug, Clone)]
pub enum PathRule {
    Patterns(Vec<String>),
    HashPrefixes(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct DelegatedRole {
    pub name: String,
    pub keys: RoleKeys,
    pub terminating: bool,
    pub paths: PathRule,
}

#[derive(Debug, Clone)]
pub struct Succinct {
    pub keys: RoleKeys,
    pub bins: SuccinctBins,
}

#[derive(Debug, Clone)]
pub enum DelegatedRoles {
    Listed(Vec<DelegatedRole>),
    Succinct(Succinct),
}

#[derive(Debug, Clone)]
pub struct Delegations {
    pub keys: HashMap<String, Key>,
    pub roles: DelegatedRoles,
    /// Built once per file for fast hashed-bin look-ups.
    pub index: RoleIndex,
}

#[derive(Debug, Clone)]
pub struct Targets {
    pub common: Common,
    pub targets: TargetMap,
    pub delegations: Option<Delegations>,
}

// ---------------------------------------------------------------------------
// The targets of a role: validated in full at parse time, decoded per
// look-up. A hashed bin lists ~100 targets and a look-up wants one, so
// building a typed map of owned strings for all of them is wasted work.

/// The `targets` object of a targets role (spec 4.5): every entry was
/// checked when the role was parsed, exactly as a typed parse would, but
/// only the one a look-up asks for is decoded into a [`TargetFile`].
#[derive(Clone)]
pub struct TargetMap {
    /// The bytes the entries cover, copied once from the received file.
    json: Arc<[u8]>,
    /// Sorted by decoded path (byte order) for binary search; paths are
    /// unique because canonical parsing rejects duplicate keys.
    entries: Vec<TargetEntry>,
}

#[derive(Debug, Clone)]
struct TargetEntry {
    path: TargetPath,
    /// The entry's JSON value within `json`.
    value: Span,
}

#[derive(Debug, Clone)]
enum TargetPath {
    /// Written without escapes: the path is these bytes of `json`.
    Span(Span),
    /// Written with escapes, so kept decoded.
    Decoded(Box<str>),
}

/// A byte range of [`TargetMap::json`]; u32 because metadata files are
/// far below 4 GiB (the size limits of `config.rs`).
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl TargetMap {
    /// Indexes `raw`, whose strings borrow from `bytes`, keeping a copy of
    /// just the part of `bytes` they span.
    fn new(bytes: &[u8], raw: Vec<(Cow<'_, str>, &RawValue)>) -> Result<TargetMap> {
        // serde_json's slice reader hands out borrowed strings and raw
        // values only as slices of its input, which is `bytes`; checked
        // anyway, so that a change there is an error, not a bad slice.
        let offset = |s: &str| {
            let at = (s.as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
            let inside = at
                .checked_add(s.len())
                .is_some_and(|end| end <= bytes.len());
            inside.then_some(at)
        };
        let outside = || Error::format("targets: an entry lies outside the parsed file");
        let mut lo = usize::MAX;
        let mut hi = 0;
        for (path, value) in &raw {
            let v = offset(value.get()).ok_or_else(outside)?;
            lo = lo.min(v);
            hi = hi.max(v + value.get().len());
            if let Cow::Borrowed(p) = path {
                let at = offset(p).ok_or_else(outside)?;
                lo = lo.min(at);
                hi = hi.max(at + p.len());
            }
        }
        if raw.is_empty() {
            lo = 0;
        }
        if u32::try_from(hi).is_err() {
            return Err(Error::format("targets object too large"));
        }
        let span = |start: usize, len: usize| Span {
            start: (start - lo) as u32,
            end: (start - lo + len) as u32,
        };
        let mut entries: Vec<TargetEntry> = raw
            .into_iter()
            .map(|(path, value)| TargetEntry {
                // Both offsets were checked in the loop above.
                path: match path {
                    Cow::Borrowed(p) => TargetPath::Span(span(offset(p).unwrap_or(lo), p.len())),
                    Cow::Owned(p) => TargetPath::Decoded(p.into_boxed_str()),
                },
                value: span(offset(value.get()).unwrap_or(lo), value.get().len()),
            })
            .collect();
        let json: Arc<[u8]> = Arc::from(&bytes[lo..hi]);
        // Repositories usually write targets sorted, which this sort is
        // quick on.
        entries.sort_unstable_by(|a, b| path_of(&json, a).cmp(path_of(&json, b)));
        Ok(TargetMap { json, entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for `path` (compared exactly, as decoded), if listed.
    /// Every entry passed the same checks when the role was parsed, so the
    /// error is for a disagreement between the two passes, never a panic.
    pub fn get(&self, path: &str) -> Result<Option<TargetFile>> {
        let Ok(i) = self
            .entries
            .binary_search_by(|e| path_of(&self.json, e).cmp(path.as_bytes()))
        else {
            return Ok(None);
        };
        self.decode(&self.entries[i]).map(Some)
    }

    /// Every listed path with its entry, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, Result<TargetFile>)> + '_ {
        self.entries.iter().map(|e| {
            (
                String::from_utf8_lossy(path_of(&self.json, e)),
                self.decode(e),
            )
        })
    }

    fn decode(&self, entry: &TargetEntry) -> Result<TargetFile> {
        let raw: RawTargetFile =
            serde_json::from_slice(&self.json[entry.value.range()]).map_err(|e| {
                let path = String::from_utf8_lossy(path_of(&self.json, entry));
                Error::format(format!("target {path:?}: {e}"))
            })?;
        Ok(TargetFile {
            length: raw.length,
            hashes: raw.hashes.into_iter().collect(),
            custom: raw.custom,
        })
    }
}

/// Not the bytes: a megabyte of numbers helps no one reading a test failure.
impl fmt::Debug for TargetMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetMap")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

fn path_of<'j>(json: &'j [u8], entry: &'j TargetEntry) -> &'j [u8] {
    match &entry.path {
        TargetPath::Span(s) => &json[s.range()],
        TargetPath::Decoded(p) => p.as_bytes(),
    }
}

/// The `targets` object as the envelope's serde pass sees it: each entry's
/// path and the span of its value, every value checked on the way by
/// [`CheckedTargetFile`] without allocating.
struct RawTargetSpans<'a> {
    entries: Vec<(Cow<'a, str>, &'a RawValue)>,
    /// The first target whose `hashes` is `{}`: refused after the common
    /// fields are checked, with the message the typed parse always gave.
    empty_hashes: Option<String>,
}

// `'de: 'a` as `#[serde(borrow)]` on the field requires.
impl<'de: 'a, 'a> Deserialize<'de> for RawTargetSpans<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct SpansVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for SpansVisitor<'a> {
            type Value = RawTargetSpans<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut spans = RawTargetSpans {
                    entries: Vec::new(),
                    empty_hashes: None,
                };
                while let Some(PathKey::<'de>(path)) = map.next_key()? {
                    let value: &'de RawValue = map.next_value()?;
                    let checked: CheckedTargetFile =
                        serde_json::from_str(value.get()).map_err(|e| {
                            de::Error::custom(format!("target {path:?}: {}", without_position(&e)))
                        })?;
                    if checked.hashes.0 == 0 && spans.empty_hashes.is_none() {
                        spans.empty_hashes = Some(path.to_string());
                    }
                    spans.entries.push((path, value));
                }
                Ok(spans)
            }
        }
        d.deserialize_map(SpansVisitor(std::marker::PhantomData))
    }
}

/// A target path as a map key: borrowed unless it had escapes.
struct PathKey<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for PathKey<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = PathKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(PathKey(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<Self::Value, E> {
                Ok(PathKey(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Accepts exactly what [`RawTargetFile`] accepts, keeping nothing: the
/// strictness of the load-time check without its allocations.
#[derive(Deserialize)]
// The message the typed parse gave for an entry that is not an object.
#[serde(expecting = "struct RawTargetFile")]
struct CheckedTargetFile {
    #[allow(dead_code)]
    length: u64,
    hashes: HashCount,
    #[allow(dead_code)]
    custom: Option<IgnoredAny>,
}

/// A `hashes` object (string to string) reduced to its number of entries.
struct HashCount(usize);

impl<'de> Deserialize<'de> for HashCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct CountVisitor;
        impl<'de> Visitor<'de> for CountVisitor {
            type Value = HashCount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut n = 0;
                while map.next_entry::<AnyStr, AnyStr>()?.is_some() {
                    n += 1;
                }
                Ok(HashCount(n))
            }
        }
        d.deserialize_map(CountVisitor)
    }
}

/// Any JSON string, not kept (escaped ones decode into the parser's
/// scratch buffer, not a new String).
struct AnyStr;

impl<'de> Deserialize<'de> for AnyStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct StrVisitor;
        impl Visitor<'_> for StrVisitor {
            type Value = AnyStr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Self::Value, E> {
                Ok(AnyStr)
            }
        }
        d.deserialize_str(StrVisitor)
    }
}

/// A serde_json message without its " at line L column C", which for an
/// entry checked on its own would count from the entry, not the file; the
/// envelope's pass then adds the real position.
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&position) {
        Some(m) => m.to_string(),
        None => message,
    }
}

// ---------------------------------------------------------------------------
// Raw serde shapes: exactly the JSON, before semantic checks.

#[derive(Deserialize)]
struct RawEnvelope<T> {
    signatures: Vec<Signature>,
    signed: T,
}

/// Fields every role carries; each raw role struct lists them inline
/// because `#[serde(flatten)]` would buffer the whole document.
struct RawCommon {
    type_: String,
    spec_version: String,
    version: u64,
    expires: String,
}

macro_rules! raw_common {
    ($r:expr) => {
        RawCommon {
            type_: $r.type_,
            spec_version: $r.spec_version,
            version: $r.version,
            expires: $r.expires,
        }
    };
}

#[derive(Deserialize)]
struct RawKey {
    keytype: String,
    scheme: String,
    keyval: HashMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct RawRoleKeys {
    keyids: Vec<String>,
    threshold: u64,
}

#[derive(Deserialize)]
struct RawRoot {
    #[serde(rename = "_type")]
    type_: String,
    spec_version: String,
    version: u64,
    expires: String,
    consistent_snapshot: bool,
    keys: HashMap<String, RawKey>,
    roles: HashMap<String, RawRoleKeys>,
}

#[derive(Deserialize)]
struct RawMetaFile {
    version: u64,
    length: Option<u64>,
    hashes: Option<BTreeMap<String, String>>,
}

/// Timestamp and snapshot have the same shape: the common fields and a
/// `meta` map of the files they list.
#[derive(Deserialize)]
struct RawMetaListing {
    #[serde(rename = "_type")]
    type_: String,
    spec_version: String,
    version: u64,
    expires: String,
    meta: HashMap<String, RawMetaFile>,
}

#[derive(Deserialize)]
struct RawTargetFile {
    length: u64,
    hashes: BTreeMap<String, String>,
    custom: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct RawDelegatedRole {
    name: String,
    keyids: Vec<String>,
    threshold: u64,
    terminating: bool,
    paths: Option<Vec<String>>,
    path_hash_prefixes: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawSuccinct {
    keyids: Vec<String>,
    threshold: u64,
    bit_length: u64,
    name_prefix: String,
}

#[derive(Deserialize)]
struct RawDelegations {
    keys: HashMap<String, RawKey>,
    roles: Option<Vec<RawDelegatedRole>>,
    succinct_roles: Option<RawSuccinct>,
}

#[derive(Deserialize)]
struct RawTargets<'a> {
    #[serde(rename = "_type")]
    type_: String,
    spec_version: String,
    version: u64,
    expires: String,
    #[serde(borrow)]
    targets: RawTargetSpans<'a>,
    delegations: Option<RawDelegations>,
}

// ---------------------------------------------------------------------------
// Parsing entry points.

/// Parses a root metadata file. `what` names the file in error messages
/// (e.g. "root version 2 (2.root.json)").
pub fn parse_root(bytes: &[u8], what: &str) -> Result<Unverified<Root>> {
    parse_with::<RawRoot, _>(bytes, what, RoleType::Root, |r| {
        Ok(Root {
            common: common(raw_common!(r), RoleType::Root)?,
            consistent_snapshot: r.consistent_snapshot,
            keys: keys(r.keys),
            roles: root_roles(r.roles)?,
        })
    })
}

pub fn parse_timestamp(bytes: &[u8], what: &str) -> Result<Unverified<Timestamp>> {
    parse_with::<RawMetaListing, _>(bytes, what, RoleType::Timestamp, |r| {
        let common = common(raw_common!(r), RoleType::Timestamp)?;
        // python-tuf and the spec: timestamp lists exactly snapshot.json.
        if r.meta.len() != 1 {
            return Err(Error::format("meta must list exactly snapshot.json"));
        }
        let Some((_, raw)) = r.meta.into_iter().find(|(k, _)| k == "snapshot.json") else {
            return Err(Error::format("meta must list exactly snapshot.json"));
        };
        Ok(Timestamp {
            common,
            snapshot_meta: meta_file(raw, "snapshot.json")?,
        })
    })
}

pub fn parse_snapshot(bytes: &[u8], what: &str) -> Result<Unverified<Snapshot>> {
    parse_with::<RawMetaListing, _>(bytes, what, RoleType::Snapshot, |r| {
        let common = common(raw_common!(r), RoleType::Snapshot)?;
        let mut meta = HashMap::with_capacity(r.meta.len());
        for (name, raw) in r.meta {
            let m = meta_file(raw, &name)?;
            meta.insert(name, m);
        }
        Ok(Snapshot { common, meta })
    })
}

pub fn parse_targets(bytes: &[u8], what: &str) -> Result<Unverified<Targets>> {
    parse_with::<RawTargets, _>(bytes, what, RoleType::Targets, |r| {
        let common = common(raw_common!(r), RoleType::Targets)?;
        if let Some(path) = &r.targets.empty_hashes {
            return Err(Error::format(format!("target {path:?} has empty hashes")));
        }
        let targets = TargetMap::new(bytes, r.targets.entries)?;
        let delegations = r.delegations.map(delegations).transpose()?;
        Ok(Targets {
            common,
            targets,
            delegations,
        })
    })
}

/// `R` may borrow from `bytes` (the targets role keeps spans of them).
fn parse_with<'a, R, T>(
    bytes: &'a [u8],
    what: &str,
    expected: RoleType,
    build: impl FnOnce(R) -> Result<T>,
) -> Result<Unverified<T>>
where
    R: Deserialize<'a>,
{
    let ctx = |e: Error| e.context(format!("{what} metadata"));
    let canonical = json::canonical_signed(bytes).map_err(|e| ctx(Error::format(e.to_string())))?;
    let raw: RawEnvelope<R> = serde_json::from_slice(bytes).map_err(|e| {
        // A file in the wrong slot usually fails on fields its role lacks;
        // name the real problem instead (only on this error path).
        let err = check_type(bytes, expected)
            .err()
            .unwrap_or_else(|| Error::format(format!("invalid structure: {e}")));
        ctx(err)
    })?;
    check_signature_keyids(&raw.signatures).map_err(ctx)?;
    let signed = build(raw.signed).map_err(ctx)?;
    Ok(Unverified {
        signed,
        signatures: raw.signatures,
        canonical,
    })
}

/// Reads only `signed._type`, so a file in the wrong slot is named as such.
fn check_type(bytes: &[u8], expected: RoleType) -> Result<()> {
    #[derive(Deserialize)]
    struct TypeOnly {
        #[serde(rename = "_type")]
        type_: Option<String>,
    }
    #[derive(Deserialize)]
    struct EnvelopeTypeOnly {
        signed: Option<TypeOnly>,
    }
    let env: EnvelopeTypeOnly = serde_json::from_slice(bytes)
        .map_err(|e| Error::format(format!("invalid structure: {e}")))?;
    match env.signed.and_then(|s| s.type_) {
        Some(t) if t == expected.as_str() => Ok(()),
        Some(t) => Err(Error::format(format!(
            "wrong _type {t:?}, expected {:?}",
            expected.as_str()
        ))),
        None => Err(Error::format("missing signed._type")),
    }
}

/// Two signatures under one keyid would let one key count twice in naive
/// counting; python-tuf rejects such metadata outright, and so do we.
fn check_signature_keyids(signatures: &[Signature]) -> Result<()> {
    let mut seen = HashSet::with_capacity(signatures.len());
    for s in signatures {
        if !seen.insert(s.keyid.as_str()) {
            return Err(Error::format(format!(
                "duplicate signature keyid {}",
                s.keyid
            )));
        }
    }
    Ok(())
}

fn common(raw: RawCommon, expected: RoleType) -> Result<Common> {
    if raw.type_ != expected.as_str() {
        return Err(Error::format(format!(
            "wrong _type {:?}, expected {:?}",
            raw.type_,
            expected.as_str()
        )));
    }
    check_spec_version(&raw.spec_version)?;
    if raw.version < 1 {
        return Err(Error::format("version must be at least 1"));
    }
    Ok(Common {
        spec_version: raw.spec_version,
        version: raw.version,
        expires: parse_expires(&raw.expires)?,
    })
}

/// Accepts `1.0` and `1.x.y` (major version 1, numeric parts), as python-tuf.
fn check_spec_version(v: &str) -> Result<()> {
    let parts: Vec<&str> = v.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !(2..=3).contains(&parts.len()) || !numeric {
        return Err(Error::format(format!("malformed spec_version {v:?}")));
    }
    if parts[0] != "1" {
        return Err(Error::format(format!(
            "unsupported spec_version {v:?}: major version must be 1"
        )));
    }
    Ok(())
}

fn keys(raw: HashMap<String, RawKey>) -> HashMap<String, Key> {
    raw.into_iter()
        .map(|(id, k)| {
            let verifier = match k.keyval.get("public").and_then(|p| p.as_str()) {
                Some(public) => VerifyingKey::from_tuf(&k.keytype, &k.scheme, public),
                None => Err(KeyError::Malformed("keyval has no public string".into())),
            };
            let key = Key {
                keytype: k.keytype,
                scheme: k.scheme,
                verifier,
            };
            (id, key)
        })
        .collect()
}

fn role_keys(raw: RawRoleKeys, role: &str) -> Result<RoleKeys> {
    if raw.threshold < 1 {
        return Err(Error::format(format!(
            "role {role:?}: threshold must be at least 1"
        )));
    }
    let mut seen = HashSet::with_capacity(raw.keyids.len());
    if let Some(dup) = raw.keyids.iter().find(|k| !seen.insert(k.as_str())) {
        return Err(Error::format(format!(
            "role {role:?}: duplicate keyid {dup}"
        )));
    }
    Ok(RoleKeys {
        keyids: raw.keyids,
        threshold: raw.threshold,
    })
}

fn root_roles(raw: HashMap<String, RawRoleKeys>) -> Result<HashMap<String, RoleKeys>> {
    for name in TOP_LEVEL_ROLES {
        if !raw.contains_key(name) {
            return Err(Error::format(format!("roles lacks {name:?}")));
        }
    }
    if let Some(extra) = raw.keys().find(|k| !TOP_LEVEL_ROLES.contains(&k.as_str())) {
        return Err(Error::format(format!(
            "roles lists {extra:?}, which is not a top-level role"
        )));
    }
    raw.into_iter()
        .map(|(name, r)| Ok((name.clone(), role_keys(r, &name)?)))
        .collect()
}

fn meta_file(raw: RawMetaFile, name: &str) -> Result<MetaFile> {
    let ctx = |m: &str| Error::format(format!("meta {name:?}: {m}"));
    if raw.version < 1 {
        return Err(ctx("version must be at least 1"));
    }
    if let Some(h) = &raw.hashes {
        if h.is_empty() {
            return Err(ctx("hashes must not be empty"));
        }
    }
    Ok(MetaFile {
        version: raw.version,
        length: raw.length,
        hashes: raw.hashes.map(|h| h.into_iter().collect()),
    })
}

fn delegations(raw: RawDelegations) -> Result<Delegations> {
    let keys = keys(raw.keys);
    let roles = match (raw.roles, raw.succinct_roles) {
        (Some(_), Some(_)) => {
            return Err(Error::format(
                "delegations has both roles and succinct_roles",
            ))
        }
        (None, None) => {
            return Err(Error::format(
                "delegations has neither roles nor succinct_roles",
            ))
        }
        (Some(roles), None) => DelegatedRoles::Listed(delegated_roles(roles)?),
        (None, Some(s)) => {
            let bins = SuccinctBins::new(s.bit_length, &s.name_prefix)?;
            let keys = role_keys(
                RawRoleKeys {
                    keyids: s.keyids,
                    threshold: s.threshold,
                },
                &s.name_prefix,
            )?;
            DelegatedRoles::Succinct(Succinct { keys, bins })
        }
    };
    let index = match &roles {
        DelegatedRoles::Listed(list) => RoleIndex::build(list),
        DelegatedRoles::Succinct(_) => RoleIndex::default(),
    };
    Ok(Delegations { keys, roles, index })
}

fn delegated_roles(raw: Vec<RawDelegatedRole>) -> Result<Vec<DelegatedRole>> {
    let mut names = HashSet::with_capacity(raw.len());
    raw.into_iter()
        .map(|r| {
            if TOP_LEVEL_ROLES.contains(&r.name.as_str()) {
                return Err(Error::format(format!(
                    "delegated role named {:?} like a top-level role",
                    r.name
                )));
            }
            if !names.insert(r.name.clone()) {
                return Err(Error::format(format!(
                    "duplicate delegated role {:?}",
                    r.name
                )));
            }
            let paths = match (r.paths, r.path_hash_prefixes) {
                (Some(p), None) => PathRule::Patterns(p),
                (None, Some(h)) => PathRule::HashPrefixes(h),
                _ => {
                    return Err(Error::format(format!(
                        "delegated role {:?} must have exactly one of paths and path_hash_prefixes",
                        r.name
                    )))
                }
            };
            let keys = role_keys(
                RawRoleKeys {
                    keyids: r.keyids,
                    threshold: r.threshold,
                },
                &r.name,
            )?;
            Ok(DelegatedRole {
                name: r.name,
                keys,
                terminating: r.terminating,
                paths,
            })
        })
        .collect()
}

/// Index over the `path_hash_prefixes` of a delegation list, built once per
/// targets file, so finding the bin for a target among thousands is a few
/// hash-map look-ups instead of a scan.
#[derive(Debug, Clone, Default)]
pub struct RoleIndex {
    /// prefix -> positions of the roles listing it.
    by_prefix: HashMap<String, Vec<u32>>,
    /// Distinct prefix lengths present (usually one).
    prefix_lengths: Vec<usize>,
    /// Positions of roles matched by glob patterns (scanned per lookup).
    pattern_roles: Vec<u32>,
}

impl RoleIndex {
    pub fn build(roles: &[DelegatedRole]) -> RoleIndex {
        let mut index = RoleIndex::default();
        for (pos, role) in roles.iter().enumerate() {
            let pos = pos as u32;
            match &role.paths {
                PathRule::Patterns(_) => index.pattern_roles.push(pos),
                PathRule::HashPrefixes(prefixes) => {
                    for p in prefixes {
                        // A hex digest has 64 characters: longer never matches.
                        if p.len() > 64 {
                            continue;
                        }
                        let entry = index.by_prefix.entry(p.clone()).or_default();
                        if entry.last() != Some(&pos) {
                            entry.push(pos);
                        }
                        if !index.prefix_lengths.contains(&p.len()) {
                            index.prefix_lengths.push(p.len());
                        }
                    }
                }
            }
        }
        index
    }

    /// Positions of the roles whose paths admit `target`, in listed order.
    pub(crate) fn matching(
        &self,
        roles: &[DelegatedRole],
        target: &str,
        digest_hex: &str,
    ) -> Vec<u32> {
        let mut hits: Vec<u32> = self
            .pattern_roles
            .iter()
            .copied()
            .filter(|&pos| match &roles[pos as usize].paths {
                PathRule::Patterns(patterns) => patterns.iter().any(|p| path_matches(p, target)),
                PathRule::HashPrefixes(_) => false,
            })
            .collect();
        for &len in &self.prefix_lengths {
            if let Some(positions) = digest_hex.get(..len).and_then(|p| self.by_prefix.get(p)) {
                hits.extend_from_slice(positions);
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }
}
