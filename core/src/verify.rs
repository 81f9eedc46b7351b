//! Signature threshold checks (spec 5.3.4, 5.3.5, 5.4.2, 5.5.3, 5.6.3).

use std::collections::{HashMap, HashSet};

use crate::error::{Detail, Error, Result};
use crate::metadata::{Key, RoleKeys, Signature};

/// Checks that `signatures` over `canonical` include valid ones from at
/// least `role_keys.threshold` distinct authorised keys. `what` names the
/// metadata in the message, `role` is its role name (for the detail).
///
/// Only keys listed for the role count; the verifier comes from the trusted
/// key, never from the signature. A signature that is malformed or does not
/// verify simply does not count. The same public key listed under two
/// keyids counts once. Stops verifying as soon as the threshold is met.
pub fn check_threshold(
    what: &str,
    role: &str,
    canonical: &[u8],
    signatures: &[Signature],
    keys: &HashMap<String, Key>,
    role_keys: &RoleKeys,
) -> Result<()> {
    let threshold = role_keys.threshold;
    let mut counted: HashSet<[u8; 32]> = HashSet::new();
    for sig in signatures {
        if counted.len() as u64 >= threshold {
            break;
        }
        if !role_keys.keyids.contains(&sig.keyid) {
            continue;
        }
        let Some(Ok(verifier)) = keys.get(&sig.keyid).map(|k| k.verifier.as_ref()) else {
            continue;
        };
        let fingerprint = verifier.fingerprint();
        if counted.contains(&fingerprint) {
            continue;
        }
        let Ok(raw) = hex::decode(&sig.sig) else {
            continue;
        };
        if verifier.verify(canonical, &raw) {
            counted.insert(fingerprint);
        }
    }
    let valid = counted.len() as u64;
    if valid >= threshold {
        Ok(())
    } else {
        Err(Error::threshold(format!(
            "{what}: {valid} valid signature(s) from distinct authorised keys, threshold is {threshold}"
        ))
        .with_detail(Detail::ThresholdNotMet {
            role: role.to_string(),
        }))
    }
}
