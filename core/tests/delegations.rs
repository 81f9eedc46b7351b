//! Delegation search (spec 5.6.7) on the `delegations` fixture: listed
//! order, terminating roles, cycles, path rules along the whole chain, a
//! role reached through two delegators, and the visit limit.

use tuf_core::config::Config;
use tuf_core::error::ErrorKind;
use tuf_testkit::fixtures::*;

fn found_in(u: &mut TestUpdater, target: &str) -> Option<String> {
    u.get_target_info(target)
        .unwrap_or_else(|e| panic!("{target}: {e}"))
        .map(|i| i.role)
}

fn refreshed() -> TestUpdater {
    let mut u = client("delegations", "1");
    u.refresh(ref_time()).unwrap();
    u
}

#[test]
fn listed_order_and_terminating() {
    let mut u = refreshed();
    assert_eq!(found_in(&mut u, "top.txt").as_deref(), Some("targets"));
    assert_eq!(found_in(&mut u, "a/one.txt").as_deref(), Some("a"));
    // Both a and b list shared/x.txt: a comes first.
    assert_eq!(found_in(&mut u, "shared/x.txt").as_deref(), Some("a"));
    assert_eq!(found_in(&mut u, "b/one.txt").as_deref(), Some("b"));
    assert_eq!(found_in(&mut u, "shared/y.txt").as_deref(), Some("b"));
    // b is terminating and matches shared/*: d is never consulted.
    assert_eq!(found_in(&mut u, "shared/z.txt"), None);
    assert_eq!(found_in(&mut u, "c/one.txt").as_deref(), Some("d"));
}

#[test]
fn fetches_only_roles_on_the_search_path() {
    let mut u = refreshed();
    u.fetcher_mut().take_log();
    assert_eq!(found_in(&mut u, "c/one.txt").as_deref(), Some("d"));
    // a and b do not match c/*; d does.
    assert_eq!(u.fetcher_mut().take_log(), ["d.json"]);
    assert_eq!(found_in(&mut u, "shared/z.txt"), None);
    assert_eq!(u.fetcher_mut().take_log(), ["a.json", "b.json"]);
}

#[test]
fn a_target_must_be_allowed_by_every_role_on_the_chain() {
    let mut u = refreshed();
    // a lists b/evil.txt, but a is not trusted for b/*.
    assert_eq!(found_in(&mut u, "b/evil.txt"), None);
    assert_eq!(
        found_in(&mut u, "a/sub/file.txt").as_deref(),
        Some("a-child")
    );
    // a-child is delegated outside/* by a, but a itself is not.
    assert_eq!(found_in(&mut u, "outside/file.txt"), None);
}

#[test]
fn cycles_end_because_each_role_is_visited_once() {
    let mut u = refreshed();
    // a -> a-child -> a (already visited): not found, no loop, no error.
    assert_eq!(found_in(&mut u, "a/sub/missing.txt"), None);
}

#[test]
fn role_reached_through_second_delegator_is_checked_with_its_keys() {
    let mut u = refreshed();
    // Through a, shared-leaf is delegated with the key that signed it.
    assert_eq!(
        found_in(&mut u, "a/leaf/x.txt").as_deref(),
        Some("shared-leaf")
    );
    // Through d it is delegated with another key: the already verified copy
    // must not be reused, and verification with d's keys fails.
    let e = assert_kind(
        u.get_target_info("c/leaf.txt"),
        ErrorKind::SignatureThreshold,
    );
    assert!(e.message().contains("shared-leaf"), "{e}");
    // And the path through a still works afterwards.
    assert_eq!(
        found_in(&mut u, "a/leaf/x.txt").as_deref(),
        Some("shared-leaf")
    );
}

#[test]
fn visit_limit_is_a_denial_of_service_error() {
    let mut u = visiting_at_most_two_roles();
    assert_eq!(found_in(&mut u, "a/one.txt").as_deref(), Some("a"));
    // targets, a, then a-child would be the third role.
    assert_kind(
        u.get_target_info("a/sub/file.txt"),
        ErrorKind::DenialOfService,
    );
}

/// The roles in the store, sorted.
fn stored_roles(u: &TestUpdater) -> Vec<String> {
    let mut roles: Vec<String> = u.store().files.keys().cloned().collect();
    roles.sort();
    roles
}

#[test]
fn the_search_stores_only_the_roles_it_verified() {
    let top = ["root", "snapshot", "targets", "timestamp"];
    // A terminating role that matches ends the search: d is never fetched,
    // verified or stored.
    let mut u = refreshed();
    assert_eq!(stored_roles(&u), top);
    assert_eq!(found_in(&mut u, "shared/z.txt"), None);
    assert_eq!(
        stored_roles(&u),
        ["a", "b", "root", "snapshot", "targets", "timestamp"]
    );
    for role in ["a", "b"] {
        assert_eq!(
            stored(&u, role).unwrap(),
            metadata_file("delegations", "1", &format!("{role}.json"))
        );
    }
    // A role reached through a delegator whose keys did not sign it is not
    // stored (nor anything below it); d itself verified and is.
    let mut u = refreshed();
    assert_kind(
        u.get_target_info("c/leaf.txt"),
        ErrorKind::SignatureThreshold,
    );
    assert_eq!(
        stored_roles(&u),
        ["d", "root", "snapshot", "targets", "timestamp"]
    );
    // The visit limit stops before the role over the limit is fetched.
    let mut u = visiting_at_most_two_roles();
    u.fetcher_mut().take_log();
    assert_kind(
        u.get_target_info("a/sub/file.txt"),
        ErrorKind::DenialOfService,
    );
    assert_eq!(u.fetcher_mut().take_log(), ["a.json"]);
    assert_eq!(
        stored_roles(&u),
        ["a", "root", "snapshot", "targets", "timestamp"]
    );
}

/// A refreshed client of the delegations fixture whose searches visit at
/// most two roles.
fn visiting_at_most_two_roles() -> TestUpdater {
    let limit = Config {
        max_roles_visited: 2,
        ..Config::default()
    };
    let mut u = client_with("delegations", "1", limit);
    u.refresh(ref_time()).unwrap();
    u
}
