//! `Updater::roles_to_fetch`: which delegated roles a batch of lookups
//! would fetch, computed without any request, and exactly the files the
//! lookups then request (drupal, delegations and consistent fixtures).

use tuf_core::error::ErrorKind;
use tuf_core::updater::RoleFile;
use tuf_testkit::fixtures::*;

fn refreshed(repo: &str) -> TestUpdater {
    let mut u = client(repo, "1");
    u.refresh(ref_time()).unwrap();
    u.fetcher_mut().take_log();
    u
}

fn files(roles: &[RoleFile]) -> Vec<String> {
    roles.iter().map(|r| r.file.clone()).collect()
}

/// The archive targets of the drupal fixture's state 1.
fn drupal_targets() -> Vec<String> {
    let dir = state_dir("drupal", "1").join("targets/drupal");
    let mut targets = Vec::new();
    for pkg in std::fs::read_dir(dir).unwrap() {
        let pkg = pkg.unwrap();
        for version in std::fs::read_dir(pkg.path()).unwrap() {
            let name = pkg.file_name().into_string().unwrap();
            let version = version.unwrap().file_name().into_string().unwrap();
            targets.push(format!("drupal/{name}/{version}"));
        }
    }
    targets.sort();
    targets
}

#[test]
fn drupal_bins_are_the_files_the_lookups_fetch() {
    let targets = drupal_targets();
    let names: Vec<&str> = targets.iter().map(String::as_str).collect();
    let mut u = refreshed("drupal");
    let roles = u.roles_to_fetch(&names).unwrap();
    assert!(u.fetcher_mut().take_log().is_empty(), "no request");
    assert!(roles.len() > 1, "{roles:?}");
    for r in &roles {
        assert_eq!(r.file, format!("{}.json", r.role));
        let listed = u.trusted().unwrap().snapshot_meta(&r.role).unwrap().length;
        assert_eq!(
            Some(r.max_bytes),
            listed.or(Some(u.config().targets_max_length))
        );
    }
    for t in &names {
        assert!(u.get_target_info(t).unwrap().is_some(), "{t}");
    }
    // Distinct, in the order the lookups first needed them.
    assert_eq!(u.fetcher_mut().take_log(), files(&roles));
    // Now all trusted in memory: nothing left to fetch.
    assert_eq!(u.roles_to_fetch(&names).unwrap(), []);
}

#[test]
fn stored_roles_are_verified_not_fetched() {
    let targets = drupal_targets();
    let names: Vec<&str> = targets.iter().map(String::as_str).collect();
    let mut first = refreshed("drupal");
    for t in &names[..10] {
        first.get_target_info(t).unwrap();
    }
    let mut u = client("drupal", "1");
    *u.store_mut() = first.store().clone();
    u.refresh(ref_time()).unwrap();
    u.fetcher_mut().take_log();
    let roles = u.roles_to_fetch(&names).unwrap();
    assert!(u.fetcher_mut().take_log().is_empty());
    let stored: Vec<String> = roles
        .iter()
        .filter(|r| first.store().files.contains_key(&r.role))
        .map(|r| r.role.clone())
        .collect();
    assert_eq!(stored, Vec::<String>::new());
    // The first ten are now answered from memory, without a request.
    for t in &names[..10] {
        assert!(u.get_target_info(t).unwrap().is_some());
    }
    assert!(u.fetcher_mut().take_log().is_empty());
}

#[test]
fn a_junk_stored_role_is_to_fetch() {
    let mut u = refreshed("drupal");
    let target = "drupal/pkg00/1.0.0.0";
    let role = u.get_target_info(target).unwrap().unwrap().role;
    let mut v = client("drupal", "1");
    v.store_mut().files.insert(role.clone(), b"{junk".to_vec());
    v.refresh(ref_time()).unwrap();
    let roles = v.roles_to_fetch(&[target]).unwrap();
    assert_eq!(files(&roles), [format!("{role}.json")]);
}

#[test]
fn delegations_stop_at_the_first_role_a_lookup_fetches() {
    for target in [
        "top.txt",
        "a/one.txt",
        "shared/x.txt",
        "b/one.txt",
        "shared/y.txt",
        "shared/z.txt",
        "c/one.txt",
        "a/sub/file.txt",
        "outside/file.txt",
        "nowhere.txt",
    ] {
        let mut u = refreshed("delegations");
        let roles = u.roles_to_fetch(&[target]).unwrap();
        assert!(u.fetcher_mut().take_log().is_empty());
        let _ = u.get_target_info(target).unwrap();
        let lazy = u.fetcher_mut().take_log();
        assert_eq!(
            files(&roles),
            lazy.into_iter().take(1).collect::<Vec<_>>(),
            "{target}"
        );
    }
    let mut u = refreshed("delegations");
    let roles = u
        .roles_to_fetch(&["c/one.txt", "shared/z.txt", "a/one.txt"])
        .unwrap();
    assert_eq!(files(&roles), ["d.json", "a.json"]);
}

#[test]
fn consistent_snapshot_names_and_listed_length() {
    let mut u = refreshed("consistent");
    let roles = u.roles_to_fetch(&["files/one.txt", "hello.txt"]).unwrap();
    assert_eq!(
        roles,
        [RoleFile {
            role: "nested/role".into(),
            file: "1.nested%2Frole.json".into(),
            max_bytes: 686,
        }]
    );
    u.get_target_info("files/one.txt").unwrap().unwrap();
    assert_eq!(u.fetcher_mut().take_log(), ["1.nested%2Frole.json"]);
}

#[test]
fn needs_a_refresh() {
    let mut u = client("drupal", "1");
    assert_kind(u.roles_to_fetch(&["x"]), ErrorKind::State);
}
