//! What tough's editor writes verifies in tuf-core, and both clients
//! report the same targets.

use serde_json::Value;
use tuf_io::download::target_url;

use crate::clients::{CoreClient, CoreRun, ToughClient, ToughRun};
use crate::repo::{
    Fixture, Generation, Repo, DELEGATED_ROLE, DELEGATED_TARGET, HELLO, LOOKUPS, NESTED,
};

/// Runs both clients (each with its own trusted state) over `repo`,
/// requiring both to accept, and checks they verified the same targets.
async fn both_accept(
    core: &mut CoreClient,
    tough: &ToughClient,
    repo: &Repo,
) -> (CoreRun, ToughRun) {
    let core_run = core
        .update(repo, LOOKUPS)
        .unwrap_or_else(|e| panic!("tuf-core rejected tough's repository: {e}"));
    let tough_run = tough
        .update(repo, LOOKUPS)
        .await
        .unwrap_or_else(|e| panic!("tough rejected its own repository: {e}"));
    assert_eq!(
        core_run.targets, tough_run.targets,
        "the clients verified different targets"
    );
    (core_run, tough_run)
}

#[tokio::test]
async fn tough_repository_verifies_in_core() {
    let fixture = Fixture::new(false).await;
    let repo = fixture.write(&Generation::new(1)).await;
    let mut core = CoreClient::new(&fixture.trusted_root);
    let tough = ToughClient::new(&fixture.trusted_root);
    let (core_run, tough_run) = both_accept(&mut core, &tough, &repo).await;

    let report = &core_run.report;
    assert_eq!(
        (
            report.root_version,
            report.timestamp_version,
            report.snapshot_version,
            report.targets_version
        ),
        (1, 1, 1, 1)
    );
    assert!(!report.timestamp_unchanged);

    let info = |name: &str| {
        core_run
            .infos
            .iter()
            .find(|i| i.path == name)
            .expect("looked up")
    };
    assert_eq!(info(HELLO).role, "targets");
    assert_eq!(info(DELEGATED_TARGET).role, DELEGATED_ROLE);

    // The custom object reaches the core's caller as received, and it is
    // what tough parsed (non-ASCII keys, control characters and all).
    let core_custom: Value = serde_json::from_str(info(HELLO).custom.as_deref().expect("custom"))
        .expect("custom is JSON");
    let name = tough::TargetName::new(HELLO).unwrap();
    let tough_custom = &tough_run
        .repository
        .targets()
        .signed
        .find_target(&name, false)
        .unwrap()
        .custom;
    assert_eq!(core_custom, serde_json::to_value(tough_custom).unwrap());
    assert!(info(NESTED).custom.is_none());
}

#[tokio::test]
async fn consistent_snapshot_repository_verifies_in_core() {
    let fixture = Fixture::new(true).await;
    let repo = fixture.write(&Generation::new(2)).await;
    // Versioned names only: nothing is served under the plain ones.
    for file in ["2.snapshot.json", "2.targets.json", "1.delegated.json"] {
        assert!(
            repo.metadata_dir().join(file).is_file(),
            "tough wrote no {file}"
        );
    }
    assert!(!repo.metadata_dir().join("snapshot.json").exists());

    let mut core = CoreClient::new(&fixture.trusted_root);
    let tough = ToughClient::new(&fixture.trusted_root);
    let (core_run, _) = both_accept(&mut core, &tough, &repo).await;
    assert_eq!(core_run.report.snapshot_version, 2);
    assert_eq!(core_run.report.targets_version, 2);

    // Where each client fetches a target from. They agree for a target at
    // the top of the tree; for a nested one tough prefixes the hash to the
    // whole path (`<hash>.nested/dir/data.bin`), the core to the file name
    // as spec 5.7.3 says (`nested/dir/<hash>.data.bin`, like python-tuf).
    // A consistent-snapshot repository laid out by tough with nested target
    // paths therefore cannot serve the core's downloader.
    for info in &core_run.infos {
        let core_path = target_url("", info, true);
        let tough_path = repo
            .target_relative(&info.path)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let hash = &core_run
            .targets
            .iter()
            .find(|t| t.name == info.path)
            .unwrap()
            .sha256;
        assert_eq!(tough_path, format!("{hash}.{}", info.path));
        match info.path.rsplit_once('/') {
            None => assert_eq!(core_path, tough_path),
            Some((dir, file)) => {
                assert_eq!(core_path, format!("{dir}/{hash}.{file}"));
                assert_ne!(core_path, tough_path);
            }
        }
    }
}

#[tokio::test]
async fn successive_generations_verify_in_both() {
    let fixture = Fixture::new(false).await;
    let first = fixture.write(&Generation::new(1)).await;
    let second = fixture.write(&Generation::new(2)).await;
    let mut core = CoreClient::new(&fixture.trusted_root);
    let tough = ToughClient::new(&fixture.trusted_root);

    both_accept(&mut core, &tough, &first).await;
    let (run, _) = both_accept(&mut core, &tough, &second).await;
    assert_eq!(run.report.timestamp_version, 2);
    assert!(!run.report.timestamp_unchanged);

    // Same repository again: the core sees an unchanged timestamp and
    // still answers from what it trusts.
    let (run, _) = both_accept(&mut core, &tough, &second).await;
    assert!(run.report.timestamp_unchanged);
    assert_eq!(run.report.targets_version, 2);
}
