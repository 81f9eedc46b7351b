//! Deliberate mutations of a repository written by tough's editor, each
//! run through tuf-core and tough's client. The table says what each
//! client must conclude; where the two legitimately differ the case says
//! why, and each side's actual behaviour is asserted.

use std::fmt::Write as _;

use serde_json::{json, Value};
use tuf_core::error::ErrorKind;

use crate::clients::{CoreClient, ToughClient};
use crate::json::{self, Style};
use crate::repo::{
    Fixture, Generation, Repo, RoleSpec, DELEGATED_TARGET, EXPIRED, HELLO, LOOKUPS, NOTE_NFD, VALID,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accept,
    Reject,
}

/// What tuf-core must conclude: accept, or reject with this error kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Core {
    Accept,
    Reject(ErrorKind),
}

impl Core {
    const fn verdict(self) -> Verdict {
        match self {
            Core::Accept => Verdict::Accept,
            Core::Reject(_) => Verdict::Reject,
        }
    }
}

use Core::Reject as CoreRejects;
use ErrorKind::*;

#[derive(Debug, Clone, Copy)]
enum Mutation {
    None,
    TargetTampered,
    TargetExtended,
    TargetTruncated,
    DelegatedTargetTampered,
    TimestampMetaEditedNotResigned,
    TrustedRootSignatureFlipped,
    TimestampSignatureFlipped,
    SnapshotSignatureFlipped,
    TargetsSignatureFlipped,
    DelegatedSignatureFlipped,
    TimestampSignaturesRemoved,
    TimestampSignatureDuplicated,
    TargetsSignatureDuplicated,
    TimestampSignedByWrongKey,
    TimestampRolledBack,
    SnapshotVersionRolledBack,
    TargetsVersionRolledBack,
    TimestampExpired,
    SnapshotExpired,
    TargetsExpired,
    DelegatedExpired,
    TargetsSwappedUnpinned,
    UnknownFieldsNotResigned,
    UnknownFieldsResigned,
    TimestampCompact,
    TimestampKeysReordered,
    TargetsReformatted,
    WrongType,
    FloatVersion,
    VersionZero,
    DuplicateKey,
    SpecVersionTwo,
    ExpiresWithFraction,
    TimestampMetaExtraEntry,
    SnapshotOmitsDelegatedRole,
    DelegatedTargetOutsidePaths,
    WildcardCrossesSlash,
    TimestampOversized,
    SnapshotLongerThanListed,
    NfdStringSignedByTough,
    RootRotated,
    RootRotatedSignedByNewKeyOnly,
    RootRotatedSignedByOldKeyOnly,
    RootVersionSkipped,
}

struct Case {
    mutation: Mutation,
    /// One line for the report.
    what: &'static str,
    core: Core,
    tough: Verdict,
    /// Set where the clients legitimately disagree: why.
    disagreement: Option<&'static str>,
}

const fn agree(mutation: Mutation, what: &'static str, core: Core) -> Case {
    Case {
        mutation,
        what,
        core,
        tough: core.verdict(),
        disagreement: None,
    }
}

const CASES: &[Case] = &[
    agree(Mutation::None, "unmodified repository", Core::Accept),
    // Targets.
    agree(
        Mutation::TargetTampered,
        "one byte of hello.txt flipped",
        CoreRejects(InvalidHash),
    ),
    agree(
        Mutation::TargetExtended,
        "hello.txt one byte longer",
        CoreRejects(DownloadSize),
    ),
    agree(
        Mutation::TargetTruncated,
        "hello.txt one byte shorter",
        CoreRejects(InvalidHash),
    ),
    agree(
        Mutation::DelegatedTargetTampered,
        "delegated/pkg.tar flipped",
        CoreRejects(InvalidHash),
    ),
    // Signatures.
    agree(
        Mutation::TimestampMetaEditedNotResigned,
        "timestamp: snapshot version bumped, not re-signed",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::TrustedRootSignatureFlipped,
        "trusted 1.root.json: signature byte flipped",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::TimestampSignatureFlipped,
        "timestamp: signature byte flipped (ed25519)",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::SnapshotSignatureFlipped,
        "snapshot: signature byte flipped (ecdsa), re-pinned",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::TargetsSignatureFlipped,
        "targets: signature byte flipped (rsa-pss), re-pinned",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::DelegatedSignatureFlipped,
        "delegated role: signature byte flipped (ecdsa), re-pinned",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::TimestampSignaturesRemoved,
        "timestamp: signatures removed",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::TimestampSignatureDuplicated,
        "timestamp: the signature listed twice",
        CoreRejects(Format),
    ),
    agree(
        Mutation::TargetsSignatureDuplicated,
        "targets: the signature listed twice, re-pinned",
        CoreRejects(Format),
    ),
    agree(
        Mutation::TimestampSignedByWrongKey,
        "timestamp: re-signed with the snapshot key",
        CoreRejects(SignatureThreshold),
    ),
    // Rollback (the clients first trust generation 2).
    agree(
        Mutation::TimestampRolledBack,
        "timestamp: version 1 served after version 2",
        CoreRejects(Rollback),
    ),
    agree(
        Mutation::SnapshotVersionRolledBack,
        "timestamp v3 (editor) lists snapshot v1 after v2",
        CoreRejects(Rollback),
    ),
    agree(
        Mutation::TargetsVersionRolledBack,
        "snapshot v3 (editor) lists targets v1 after v2",
        CoreRejects(Rollback),
    ),
    // Freeze: re-signed by the editor with a past expiry.
    agree(
        Mutation::TimestampExpired,
        "timestamp expired (editor)",
        CoreRejects(Expired),
    ),
    agree(
        Mutation::SnapshotExpired,
        "snapshot expired (editor)",
        CoreRejects(Expired),
    ),
    agree(
        Mutation::TargetsExpired,
        "targets expired (editor)",
        CoreRejects(Expired),
    ),
    agree(
        Mutation::DelegatedExpired,
        "delegated role expired (editor)",
        CoreRejects(Expired),
    ),
    // Mix and match.
    agree(
        Mutation::TargetsSwappedUnpinned,
        "targets.json of generation 2 served, snapshot not updated",
        CoreRejects(InvalidHash),
    ),
    // Layout and content of signed data.
    agree(
        Mutation::UnknownFieldsNotResigned,
        "timestamp: unknown field added to signed, not re-signed",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::UnknownFieldsResigned,
        "timestamp: unknown fields (top level and in meta), re-signed",
        Core::Accept,
    ),
    agree(
        Mutation::TimestampCompact,
        "timestamp: whitespace removed",
        Core::Accept,
    ),
    agree(
        Mutation::TimestampKeysReordered,
        "timestamp: object keys reordered",
        Core::Accept,
    ),
    agree(
        Mutation::TargetsReformatted,
        "targets: whitespace removed (snapshot pins its hash)",
        CoreRejects(InvalidHash),
    ),
    // tough never checks `_type`; it rejects because its re-serialisation
    // writes the `_type` of the struct it parsed, so its signature check
    // fails.
    agree(
        Mutation::WrongType,
        "timestamp: _type \"snapshot\", re-signed",
        CoreRejects(Format),
    ),
    agree(
        Mutation::FloatVersion,
        "timestamp: version 1.0",
        CoreRejects(Format),
    ),
    agree(
        Mutation::VersionZero,
        "timestamp: version 0, re-signed",
        CoreRejects(Format),
    ),
    Case {
        mutation: Mutation::DuplicateKey,
        what: "timestamp: meta key \"snapshot.json\" twice (first copy forged)",
        core: CoreRejects(Format),
        tough: Verdict::Accept,
        disagreement: Some(
            "tough parses with serde_json into a HashMap, where the last of duplicate keys \
             silently wins, and verifies the signature over its re-serialisation of what it \
             kept; the core rejects duplicate keys at any depth (issue 2, strict parsing) so \
             that no two parsers can read different values from one signed file",
        ),
    },
    Case {
        mutation: Mutation::SpecVersionTwo,
        what: "timestamp: spec_version \"2.0.0\", re-signed",
        core: CoreRejects(Format),
        tough: Verdict::Accept,
        disagreement: Some(
            "tough's client never checks spec_version (only its editor does); the core \
             rejects a major version other than 1 (spec 5.2 / python-tuf)",
        ),
    },
    agree(
        Mutation::ExpiresWithFraction,
        "timestamp: expires \"...00.000Z\", re-signed",
        // tough rejects too, but only because it re-serialises the parsed
        // date without the fraction and its own signature check fails.
        CoreRejects(Format),
    ),
    agree(
        Mutation::TimestampMetaExtraEntry,
        "timestamp: meta also lists targets.json, re-signed",
        CoreRejects(Format),
    ),
    agree(
        Mutation::SnapshotOmitsDelegatedRole,
        "snapshot: delegated.json entry removed, re-signed",
        CoreRejects(NotFound),
    ),
    agree(
        Mutation::DelegatedTargetOutsidePaths,
        "delegated role lists outside.txt (beyond delegated/*), re-signed",
        // tough refuses the whole repository; the core only that target.
        CoreRejects(NotFound),
    ),
    Case {
        mutation: Mutation::WildcardCrossesSlash,
        what: "delegated role (delegated/*) lists delegated/sub/deep.tar, re-signed",
        core: CoreRejects(NotFound),
        tough: Verdict::Accept,
        disagreement: Some(
            "tough compiles path patterns with globset defaults, where `*` also matches `/` \
             (its own docs say a wildcard SHOULD NOT match a separator); the spec and \
             python-tuf match per path segment, as the core does (issue 2: `*` and `?` \
             never match `/`), so the role is not trusted for that target",
        ),
    },
    // Endless data (both clients have the core's default limits).
    agree(
        Mutation::TimestampOversized,
        "timestamp padded with whitespace past 16 KiB",
        CoreRejects(DownloadSize),
    ),
    agree(
        Mutation::SnapshotLongerThanListed,
        "snapshot: one byte more than timestamp lists",
        CoreRejects(DownloadSize),
    ),
    Case {
        mutation: Mutation::NfdStringSignedByTough,
        what: "targets custom string in NFD form, signed by the editor",
        core: CoreRejects(SignatureThreshold),
        tough: Verdict::Accept,
        disagreement: Some(
            "tough's canonical JSON (olpc-cjson) NFC-normalises strings before signing and \
             verifying, so its signature covers text that is not in the file; the core \
             implements securesystemslib's canonical JSON (what python-tuf signs), which \
             does no Unicode normalisation (issue 2)",
        ),
    },
    // Root rotation to a new root key.
    agree(
        Mutation::RootRotated,
        "2.root.json signed by old and new root keys",
        Core::Accept,
    ),
    agree(
        Mutation::RootRotatedSignedByNewKeyOnly,
        "2.root.json signed by the new root key only",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::RootRotatedSignedByOldKeyOnly,
        "2.root.json signed by the old root key only",
        CoreRejects(SignatureThreshold),
    ),
    agree(
        Mutation::RootVersionSkipped,
        "2.root.json holds version 3 (cross-signed)",
        CoreRejects(Rollback),
    ),
];

/// The repository states a case serves.
struct Scenario {
    /// What both clients start out trusting.
    trusted_root: Vec<u8>,
    /// Served first; both clients must accept it, and keep what they
    /// trusted for the mutated state.
    prior: Option<Repo>,
    served: Repo,
    lookups: Vec<&'static str>,
}

/// Generations 1 and 2, written once and copied by each case.
struct Base {
    fixture: Fixture,
    first: Repo,
    second: Repo,
}

impl Base {
    async fn new() -> Base {
        let fixture = Fixture::new(false).await;
        let first = fixture.write(&Generation::new(1)).await;
        let second = fixture.write(&Generation::new(2)).await;
        Base {
            fixture,
            first,
            second,
        }
    }

    fn scenario(&self, served: Repo) -> Scenario {
        Scenario {
            trusted_root: self.fixture.trusted_root.clone(),
            prior: None,
            served,
            lookups: LOOKUPS.to_vec(),
        }
    }

    /// Generation 1 with `edit` applied to metadata file `file`.
    fn edited<F: FnOnce(&mut Value)>(&self, file: &str, edit: F) -> Repo {
        let repo = self.first.copy();
        let mut doc = repo.read_json(file);
        edit(&mut doc);
        repo.write_json(file, &doc);
        repo
    }

    /// Generation 1 with `edit` applied to `file`, which is then re-signed
    /// with its proper key and re-pinned up to timestamp.
    async fn edited_resigned<F: FnOnce(&mut Value)>(&self, file: &str, edit: F) -> Repo {
        let repo = self.edited(file, edit);
        let keys = &self.fixture.keys;
        repo.resign(file, &[keys.for_file(file)]).await;
        if file != "timestamp.json" {
            repo.repin(keys, file).await;
        }
        repo
    }

    /// Generation 1 with `edit` applied to the signatures of `file`, which
    /// is then re-pinned up to timestamp.
    async fn signatures_edited<F: FnOnce(&mut Value)>(&self, file: &str, edit: F) -> Repo {
        let repo = self.edited(file, edit);
        if file != "timestamp.json" {
            repo.repin(&self.fixture.keys, file).await;
        }
        repo
    }

    async fn written(&self, generation: Generation) -> Repo {
        self.fixture.write(&generation).await
    }

    /// Generation 1 with a target file rewritten by `edit`.
    fn target_edited(&self, target: &str, edit: impl FnOnce(&mut Vec<u8>)) -> Repo {
        let repo = self.first.copy();
        let path = repo.target_file(target).expect("target file");
        let mut bytes = std::fs::read(&path).expect("read target");
        edit(&mut bytes);
        std::fs::write(&path, bytes).expect("write target");
        repo
    }

    /// Generation 1 plus `2.root.json`.
    async fn with_next_root(&self, version: u64, old: bool, new: bool) -> Repo {
        let repo = self.first.copy();
        let root = self.fixture.rotated_root(version, old, new).await;
        repo.write("2.root.json", &root);
        repo
    }

    async fn scenario_for(&self, mutation: Mutation) -> Scenario {
        let keys = &self.fixture.keys;
        let flip = |doc: &mut Value| json::flip_signature(doc, 0);
        let duplicate = |doc: &mut Value| {
            let sigs = doc["signatures"].as_array_mut().expect("signatures");
            sigs.push(sigs[0].clone());
        };
        let generation = Generation::new(1);
        let expired = RoleSpec {
            version: 1,
            expires: EXPIRED,
        };
        let served = match mutation {
            Mutation::None => self.first.copy(),
            Mutation::TargetTampered => self.target_edited(HELLO, |b| b[0] ^= 0x20),
            Mutation::TargetExtended => self.target_edited(HELLO, |b| b.push(b'!')),
            Mutation::TargetTruncated => self.target_edited(HELLO, |b| {
                b.pop();
            }),
            Mutation::DelegatedTargetTampered => {
                self.target_edited(DELEGATED_TARGET, |b| b[0] ^= 0x20)
            }
            Mutation::TimestampMetaEditedNotResigned => self.edited("timestamp.json", |d| {
                d["signed"]["meta"]["snapshot.json"]["version"] = json!(2);
            }),
            Mutation::TrustedRootSignatureFlipped => {
                let mut root: Value =
                    serde_json::from_slice(&self.fixture.trusted_root).expect("root JSON");
                flip(&mut root);
                let mut scenario = self.scenario(self.first.copy());
                scenario.trusted_root = json::render(&root, Style::Pretty);
                return scenario;
            }
            Mutation::TimestampSignatureFlipped => self.edited("timestamp.json", flip),
            Mutation::SnapshotSignatureFlipped => {
                self.signatures_edited("snapshot.json", flip).await
            }
            Mutation::TargetsSignatureFlipped => self.signatures_edited("targets.json", flip).await,
            Mutation::DelegatedSignatureFlipped => {
                self.signatures_edited("delegated.json", flip).await
            }
            Mutation::TimestampSignaturesRemoved => {
                self.edited("timestamp.json", |d| d["signatures"] = json!([]))
            }
            Mutation::TimestampSignatureDuplicated => self.edited("timestamp.json", duplicate),
            Mutation::TargetsSignatureDuplicated => {
                self.signatures_edited("targets.json", duplicate).await
            }
            Mutation::TimestampSignedByWrongKey => {
                let repo = self.first.copy();
                repo.resign("timestamp.json", &[&keys.snapshot]).await;
                repo
            }
            Mutation::TimestampRolledBack => {
                let repo = self.second.copy();
                repo.write("timestamp.json", &self.first.read("timestamp.json"));
                return self.after_second(repo);
            }
            Mutation::SnapshotVersionRolledBack => {
                let repo = self
                    .written(Generation {
                        timestamp: RoleSpec::new(3),
                        ..generation
                    })
                    .await;
                return self.after_second(repo);
            }
            Mutation::TargetsVersionRolledBack => {
                let repo = self
                    .written(Generation {
                        timestamp: RoleSpec::new(3),
                        snapshot: RoleSpec::new(3),
                        ..generation
                    })
                    .await;
                return self.after_second(repo);
            }
            Mutation::TimestampExpired => {
                self.written(Generation {
                    timestamp: expired,
                    ..generation
                })
                .await
            }
            Mutation::SnapshotExpired => {
                self.written(Generation {
                    snapshot: expired,
                    ..generation
                })
                .await
            }
            Mutation::TargetsExpired => {
                self.written(Generation {
                    targets: expired,
                    ..generation
                })
                .await
            }
            Mutation::DelegatedExpired => {
                self.written(Generation {
                    delegated: expired,
                    ..generation
                })
                .await
            }
            Mutation::TargetsSwappedUnpinned => {
                let repo = self.first.copy();
                repo.write("targets.json", &self.second.read("targets.json"));
                repo
            }
            Mutation::UnknownFieldsNotResigned => self.edited("timestamp.json", |d| {
                d["signed"]["x-mirror"] = json!("https://mirror.invalid/");
            }),
            Mutation::UnknownFieldsResigned => {
                self.edited_resigned("timestamp.json", |d| {
                    d["signed"]["x-mirror"] = json!("https://mirror.invalid/");
                    d["signed"]["meta"]["snapshot.json"]["x-note"] = json!({ "n": [1, 2] });
                })
                .await
            }
            Mutation::TimestampCompact => self.rendered("timestamp.json", Style::Compact),
            Mutation::TimestampKeysReordered => {
                self.rendered("timestamp.json", Style::ReversedKeys)
            }
            Mutation::TargetsReformatted => self.rendered("targets.json", Style::Compact),
            Mutation::WrongType => {
                self.edited_resigned("timestamp.json", |d| {
                    d["signed"]["_type"] = json!("snapshot");
                })
                .await
            }
            Mutation::FloatVersion => {
                // Cannot be re-signed: canonical JSON has no floats.
                self.edited("timestamp.json", |d| d["signed"]["version"] = json!(1.0))
            }
            Mutation::VersionZero => {
                self.edited_resigned("timestamp.json", |d| d["signed"]["version"] = json!(0))
                    .await
            }
            Mutation::DuplicateKey => {
                let repo = self.first.copy();
                let doc = repo.read_json("timestamp.json");
                let text = String::from_utf8(json::render(&doc, Style::Compact)).unwrap();
                let mut forged = doc["signed"]["meta"]["snapshot.json"].clone();
                forged["version"] = json!(99);
                let needle = "\"meta\":{";
                assert_eq!(text.matches(needle).count(), 1);
                let text = text.replace(needle, &format!("{needle}\"snapshot.json\":{forged},"));
                repo.write("timestamp.json", text.as_bytes());
                repo
            }
            Mutation::SpecVersionTwo => {
                self.edited_resigned("timestamp.json", |d| {
                    d["signed"]["spec_version"] = json!("2.0.0");
                })
                .await
            }
            Mutation::ExpiresWithFraction => {
                self.edited_resigned("timestamp.json", |d| {
                    d["signed"]["expires"] = json!("2100-01-01T00:00:00.000Z");
                })
                .await
            }
            Mutation::TimestampMetaExtraEntry => {
                self.edited_resigned("timestamp.json", |d| {
                    d["signed"]["meta"]["targets.json"] = json!({ "version": 1 });
                })
                .await
            }
            Mutation::SnapshotOmitsDelegatedRole => {
                self.edited_resigned("snapshot.json", |d| {
                    let meta = d["signed"]["meta"].as_object_mut().expect("meta");
                    meta.remove("delegated.json").expect("listed");
                })
                .await
            }
            Mutation::DelegatedTargetOutsidePaths => {
                let repo = self
                    .edited_resigned("delegated.json", |d| {
                        let targets = &mut d["signed"]["targets"];
                        targets["outside.txt"] = targets[DELEGATED_TARGET].clone();
                    })
                    .await;
                let mut scenario = self.scenario(repo);
                scenario.lookups.push("outside.txt");
                return scenario;
            }
            Mutation::WildcardCrossesSlash => {
                let deep = "delegated/sub/deep.tar";
                let mut repo = self
                    .edited_resigned("delegated.json", |d| {
                        let targets = &mut d["signed"]["targets"];
                        targets[deep] = targets[DELEGATED_TARGET].clone();
                    })
                    .await;
                let content = std::fs::read(repo.target_file(DELEGATED_TARGET).unwrap()).unwrap();
                repo.add_target_file(deep, &content);
                let mut scenario = self.scenario(repo);
                scenario.lookups.push(deep);
                return scenario;
            }
            Mutation::TimestampOversized => {
                let repo = self.first.copy();
                let mut bytes = repo.read("timestamp.json");
                let limit = tuf_core::config::Config::default().timestamp_max_length;
                bytes.resize(usize::try_from(limit).unwrap() + 1, b' ');
                repo.write("timestamp.json", &bytes);
                repo
            }
            Mutation::SnapshotLongerThanListed => {
                let repo = self.first.copy();
                let mut bytes = repo.read("snapshot.json");
                bytes.push(b' ');
                repo.write("snapshot.json", &bytes);
                repo
            }
            Mutation::NfdStringSignedByTough => {
                self.written(Generation {
                    note: NOTE_NFD,
                    ..generation
                })
                .await
            }
            Mutation::RootRotated => self.with_next_root(2, true, true).await,
            Mutation::RootRotatedSignedByNewKeyOnly => self.with_next_root(2, false, true).await,
            Mutation::RootRotatedSignedByOldKeyOnly => self.with_next_root(2, true, false).await,
            Mutation::RootVersionSkipped => self.with_next_root(3, true, true).await,
        };
        self.scenario(served)
    }

    /// Generation 1 with metadata file `file` re-laid out (same content).
    fn rendered(&self, file: &str, style: Style) -> Repo {
        let repo = self.first.copy();
        let doc = repo.read_json(file);
        repo.write(file, &json::render(&doc, style));
        repo
    }

    /// Serves `repo` to clients that already trust generation 2.
    fn after_second(&self, repo: Repo) -> Scenario {
        let mut scenario = self.scenario(repo);
        scenario.prior = Some(self.second.copy());
        scenario
    }
}

/// Both clients' conclusions on one scenario.
struct Outcome {
    core: Result<(), tuf_core::Error>,
    tough: Result<(), String>,
}

async fn run(scenario: &Scenario) -> Outcome {
    let mut core = CoreClient::new(&scenario.trusted_root);
    let tough = ToughClient::new(&scenario.trusted_root);
    if let Some(prior) = &scenario.prior {
        core.update(prior, LOOKUPS)
            .unwrap_or_else(|e| panic!("tuf-core rejected the prior state: {e}"));
        tough
            .update(prior, LOOKUPS)
            .await
            .unwrap_or_else(|e| panic!("tough rejected the prior state: {e}"));
    }
    Outcome {
        core: core.update(&scenario.served, &scenario.lookups).map(|_| ()),
        tough: tough
            .update(&scenario.served, &scenario.lookups)
            .await
            .map(|_| ()),
    }
}

#[tokio::test]
async fn tough_and_core_agree_on_mutations() {
    let now = tuf_core::time::now();
    let at = |s: &str| tuf_core::time::parse_expires(s).unwrap();
    assert!(
        at(EXPIRED) < now && now < at(VALID),
        "tough reads the system clock: the expiries in this table assume it is between \
         {EXPIRED} and {VALID}"
    );

    let base = Base::new().await;
    let mut report =
        String::from("\n| mutation | tuf-core | tough | expected |\n|---|---|---|---|\n");
    let mut failures = Vec::new();
    for case in CASES {
        let scenario = base.scenario_for(case.mutation).await;
        let outcome = run(&scenario).await;

        let core_got = match &outcome.core {
            Ok(()) => Core::Accept,
            Err(e) => Core::Reject(e.kind()),
        };
        let tough_got = match &outcome.tough {
            Ok(()) => Verdict::Accept,
            Err(_) => Verdict::Reject,
        };
        let describe_core = match &outcome.core {
            Ok(()) => "accept".to_string(),
            Err(e) => format!("reject: {e}"),
        };
        let describe_tough = match &outcome.tough {
            Ok(()) => "accept".to_string(),
            Err(e) => format!("reject: {e}"),
        };
        let expected = match case.disagreement {
            None => "agree".to_string(),
            Some(_) => "DISAGREE (documented)".to_string(),
        };
        writeln!(
            report,
            "| {} | {} | {} | {} |",
            case.what,
            describe_core.replace('|', "/"),
            describe_tough.replace('|', "/"),
            expected
        )
        .unwrap();

        if core_got != case.core {
            failures.push(format!(
                "{}: tuf-core: expected {:?}, got {describe_core}",
                case.what, case.core
            ));
        }
        if tough_got != case.tough {
            failures.push(format!(
                "{}: tough: expected {:?}, got {describe_tough}",
                case.what, case.tough
            ));
        }
        let agreed = core_got.verdict() == tough_got;
        match (agreed, case.disagreement) {
            (false, None) => failures.push(format!(
                "{}: the clients disagree ({describe_core} / {describe_tough})",
                case.what
            )),
            (true, Some(why)) => failures.push(format!(
                "{}: documented as a disagreement ({why}) but both {:?}",
                case.what, tough_got
            )),
            _ => {}
        }
    }
    println!("{report}");
    assert!(
        CASES.len() >= 12,
        "the table must hold at least a dozen mutations"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}\n{report}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
