//! Every hash a hostile repository lists is checked, for metadata and for
//! targets, or the file is refused (attacks/1 re-signed with extra hash
//! listings, served by the kit's server).

mod support;

use serde_json::json;
use support::*;
use tuf_core::error::ErrorKind;
use tuf_io::download::download_target;

// ---------------------------------------------------------------------------
// Every listed hash is checked, or the file is refused.

/// The bytes `file` has in a release that changes nothing.
fn base_bytes(file: &str) -> Vec<u8> {
    Release::base().publish()[file].clone()
}

#[test]
fn every_hash_listed_for_metadata_is_checked_or_the_file_is_refused() {
    use tuf_core::hashing::digest_hex;
    for (role, file) in LISTED {
        let i = FETCH_ORDER.iter().position(|(r, _)| *r == role).unwrap();
        let bytes = base_bytes(file);
        let right = |a: &str| digest_hex(a, &bytes).unwrap();
        let wrong = |a: &str| digest_hex(a, b"something else").unwrap();
        let cases: [(&str, String, Option<&str>); 6] = [
            ("sha384", right("sha384"), None),
            ("sha512", right("sha512"), None),
            ("blake2b-256", right("blake2b-256"), None),
            // A right sha256 beside a wrong digest is refused (was skipped).
            ("sha384", wrong("sha384"), Some("sha384 is")),
            ("blake2b", wrong("blake2b"), Some("blake2b is")),
            // An algorithm we cannot check fails closed, named.
            (
                "md5",
                "d41d8cd98f00b204e9800998ecf8427e".into(),
                Some("\"md5\""),
            ),
        ];
        for (algorithm, digest, error) in cases {
            let what = format!("{role} {algorithm} {error:?}");
            let mut release = Release::base();
            release
                .listed_hashes
                .push((file.to_string(), algorithm.to_string(), digest));
            let server = attacks_server(&release.publish());
            let mut u = http_client(&server, http_config());
            let result = refresh_and_lookup(&mut u, role);
            let Some(part) = error else {
                result.unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(u.store().files[role], bytes, "{what}");
                continue;
            };
            let e = assert_kind(result, ErrorKind::InvalidHash);
            assert!(e.message().contains(part), "{what}: {e}");
            assert_eq!(stored_roles(u.store()), stored_before(i), "{what}");
        }
    }
}

#[test]
fn every_hash_listed_for_a_target_is_checked_or_the_target_is_refused() {
    use tuf_core::hashing::digest_hex;
    let body = target_file("attacks", "1", "file1.txt");
    let right = |a: &str| digest_hex(a, &body).unwrap();
    let wrong = |a: &str| digest_hex(a, b"something else").unwrap();
    // (hashes listed beside sha256, what the error names if refused)
    type Case<'a> = (&'a [(&'a str, String)], Option<&'a str>);
    let cases: [Case; 5] = [
        (
            &[("sha384", right("sha384")), ("blake2b", right("blake2b"))],
            None,
        ),
        (&[("blake2b-256", right("blake2b-256"))], None),
        (&[("sha384", wrong("sha384"))], Some("sha384 is")),
        (
            &[("blake2b-256", wrong("blake2b-256"))],
            Some("blake2b-256 is"),
        ),
        (
            &[("sha3_256", "00".repeat(32))],
            Some("unsupported hash algorithm \"sha3_256\""),
        ),
    ];
    for (extra, error) in cases {
        let what = format!("{extra:?}");
        let mut release = Release::base();
        let hashes = &mut release.signed("targets")["targets"]["file1.txt"]["hashes"];
        for (algorithm, digest) in extra {
            hashes[*algorithm] = json!(digest);
        }
        let server = attacks_server(&release.publish());
        let mut u = http_client(&server, http_config());
        u.refresh(ref_time()).unwrap();
        let info = u.get_target_info("file1.txt").unwrap().unwrap();
        let dest = Scratch::new("tuf-hostile-target-hashes");
        let result = download_target(
            u.fetcher_mut(),
            &server.targets_url(),
            &info,
            false,
            &dest.0,
        );
        match error {
            None => {
                result.unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(tree::names(&dest.0), ["file1.txt"], "{what}");
                assert_eq!(std::fs::read(dest.0.join("file1.txt")).unwrap(), body);
            }
            Some(part) => {
                let e = assert_kind(result, ErrorKind::InvalidHash);
                assert!(e.message().contains(part), "{what}: {e}");
                assert!(
                    tree::names(&dest.0).is_empty(),
                    "{what}: {:?}",
                    tree::names(&dest.0)
                );
            }
        }
    }
}
