#!/usr/bin/env python3
"""Writes a TUF repository shaped like packages.drupal.org, for bench/run.

Usage:
  generate.py [--bins 2048] [--packages 16500] [--versions 10]
              [--archives 100] [--archive-mb 1.0] [--changed 4] [--if-changed]
              --out DIR

Made and signed with python-tuf (pinned in tests/fixtures/requirements.txt),
as Drupal.org's Rugged does:

- ed25519 keys derived from their names; root 2-of-3, timestamp, snapshot
  and targets 1-of-1; every bin signed by one shared bin key (1-of-1);
  consistent snapshots off; everything expires 2100-01-01.
- targets.json delegates everything to BINS hashed bins through
  `path_hash_prefixes`, the layout of python-tuf's hashed-bin example that
  Rugged follows: the path's sha256 hex digest starts with one of the bin's
  prefixes, prefixes have as many hex digits as BINS needs (3 for 2048),
  every bin holds the same number of consecutive prefixes (2 for 2048) and
  is named after its first and last prefix ("000-001" ... "ffe-fff").
- PACKAGES packages `drupal/<name>`, each with VERSIONS archives
  `drupal/<name>/<x.y.z.0>` (Composer's normalised versions) and one
  `p2/drupal/<name>.json`: PACKAGES * (VERSIONS + 1) targets (181,500 by
  default), each with length, sha256 and sha512.
- Only the first ARCHIVES packages have real files: their newest archive
  (pseudo-random bytes, ARCHIVE_MB on average: about 105 MB in all) and
  their p2 file. Every other target lists a synthetic length and hashes.
- snapshot and timestamp list versions only (python-tuf's default).

Two states are written, each a full copy of what the server serves
(unchanged files are hard links):

  DIR/root.json                  the trusted root clients start from
  DIR/state1/metadata/           1.root.json timestamp.json snapshot.json
                                 targets.json <bin>.json
  DIR/state2/metadata/           the "update": CHANGED packages got a new
                                 version (and p2 file), so a few bins, the
                                 snapshot and the timestamp are at version 2
  DIR/targets/                   the real files (same for both states)
  DIR/workload.json              what the benchmark clients do: the 200
                                 lookups, the archives to verify, and facts
                                 about the repository
  DIR/VERSION                    written last: sha256 of this file, the
                                 requirements and the arguments

Everything is deterministic: two runs with the same arguments write
identical bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519
from securesystemslib.signer import CryptoSigner, SSlibKey
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE.parent / "tests" / "fixtures" / "requirements.txt"
EXPIRES = datetime(2100, 1, 1, tzinfo=UTC)
# python-tuf's readable form (indent 1, sorted keys), as Rugged publishes.
SERIALIZER = JSONSerializer(compact=False)
SEED = "tuf-native bench: packages.drupal.org"


def key(name: str) -> CryptoSigner:
    secret = hashlib.shake_256(f"{SEED} key {name}".encode()).digest(32)
    private = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
    return CryptoSigner(private, SSlibKey.from_crypto(private.public_key()))


def sign(signed, signers) -> bytes:
    """One Metadata object, signed once per signer, serialised once."""
    md = Metadata(signed)
    for s in signers:
        md.sign(s, append=True)
    return md.to_bytes(SERIALIZER)


# --------------------------------------------------------------------------
# Hashed bins.
# --------------------------------------------------------------------------

class Bins:
    def __init__(self, count: int):
        if count < 1 or count & (count - 1):
            raise SystemExit("--bins must be a power of two")
        digits = 1
        while 16**digits < count:
            digits += 1
        self.count = count
        self.digits = digits
        self.per_bin = 16**digits // count
        self.names = [self._name(i) for i in range(count)]

    def _name(self, i: int) -> str:
        low, high = i * self.per_bin, (i + 1) * self.per_bin - 1
        if low == high:
            return f"{low:0{self.digits}x}"
        return f"{low:0{self.digits}x}-{high:0{self.digits}x}"

    def prefixes(self, i: int) -> list[str]:
        return [f"{p:0{self.digits}x}" for p in range(i * self.per_bin, (i + 1) * self.per_bin)]

    def index(self, path: str) -> int:
        prefix = int(hashlib.sha256(path.encode()).hexdigest()[: self.digits], 16)
        return prefix // self.per_bin


# --------------------------------------------------------------------------
# Packages.
# --------------------------------------------------------------------------

SYLLABLES = (
    "ad al an ar as at ba be bi bo ca ce ci co da de di do el em en er es ex fa fe "
    "fi fo ga ge gi go ha he hi ho id il im in io is ka ke ki ko la le li lo ma me "
    "mi mo na ne ni no ob od ol om on or os pa pe pi po qu ra re ri ro sa se si so "
    "ta te ti to ul um un ur us va ve vi vo xa ya ze zo"
).split()
WORDS = (
    "admin api block cache calendar captcha comment config content context ctools "
    "date devel entity facets field file form geo group image layout link mail "
    "media menu meta migrate module node pager paragraphs path pathauto redirect "
    "rules schema search seo sitemap slick social token toolbar tour ui user "
    "views webform workflow"
).split()


def package_names(count: int, rng: random.Random) -> list[str]:
    names, seen = [], set()
    while len(names) < count:
        stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        name = stem if rng.random() < 0.5 else f"{stem}_{rng.choice(WORDS)}"
        if name in seen:
            continue
        seen.add(name)
        names.append(name)
    return names


def version_list(count: int, rng: random.Random) -> list[str]:
    """`count` increasing Composer-normalised versions x.y.z.0."""
    major, minor, patch = rng.choice([1, 1, 1, 2, 2, 3, 4, 8]), rng.randint(0, 3), rng.randint(0, 5)
    out = []
    for _ in range(count):
        out.append(f"{major}.{minor}.{patch}.0")
        r = rng.random()
        if r < 0.6:
            patch += 1
        elif r < 0.9:
            minor, patch = minor + 1, 0
        else:
            major, minor, patch = major + 1, 0, 0
    return out


def synthetic(path: str, length: int, seed: str = "") -> TargetFile:
    """Target info for a file that does not exist: the hashes of a seed."""
    seed = f"{SEED} synthetic {path} {seed}".encode()
    return TargetFile(
        length,
        {"sha256": hashlib.sha256(seed).hexdigest(), "sha512": hashlib.sha512(seed).hexdigest()},
        path,
    )


def real(path: str, data: bytes) -> TargetFile:
    return TargetFile(
        len(data),
        {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()},
        path,
    )


def archive_bytes(path: str, size: int) -> bytes:
    """Deterministic pseudo-random content (like a compressed archive)."""
    return hashlib.shake_256(f"{SEED} archive {path}".encode()).digest(size)


def p2_bytes(package: str, versions: list[str]) -> bytes:
    """A Composer v2 metadata file, roughly as packages.drupal.org serves."""
    entries = []
    for v in reversed(versions):
        pretty = v.rsplit(".", 1)[0]
        entries.append({
            "name": package,
            "version": pretty,
            "version_normalized": v,
            "type": "drupal-module",
            "dist": {
                "type": "zip",
                "url": f"https://ftp.drupal.org/files/projects/{package.split('/')[1]}-{pretty}.zip",
                "reference": hashlib.sha1(f"{package} {v}".encode()).hexdigest(),
            },
            "require": {"drupal/core": "^10 || ^11"},
        })
    doc = {"packages": {package: entries}, "minified": "composer/2.0"}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b"\n"


# --------------------------------------------------------------------------
# The repository.
# --------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bins", type=int, default=2048)
    ap.add_argument("--packages", type=int, default=16500)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--archives", type=int, default=100, help="packages with real files (and lookups)")
    ap.add_argument("--archive-mb", type=float, default=1.0, help="mean size of a real archive")
    ap.add_argument("--changed", type=int, default=4, help="packages given a new version in state 2")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--if-changed", action="store_true", help="do nothing if OUT/VERSION matches")
    args = ap.parse_args()
    if args.archives > args.packages:
        raise SystemExit("--archives cannot exceed --packages")

    started = time.monotonic()
    stamp = hashlib.sha256(
        Path(__file__).read_bytes() + REQUIREMENTS.read_bytes()
        + json.dumps({k: str(v) for k, v in vars(args).items() if k not in ("out", "if_changed")}, sort_keys=True).encode()
    ).hexdigest()
    out: Path = args.out
    version = out / "VERSION"
    if args.if_changed and version.is_file() and version.read_text().strip() == stamp:
        return 0
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    rng = random.Random(f"{SEED} {args.packages} {args.versions}")
    bins = Bins(args.bins)
    signers = {
        "root": [key(f"root-{i}") for i in (1, 2, 3)],
        "timestamp": [key("timestamp")],
        "snapshot": [key("snapshot")],
        "targets": [key("targets")],
        "bins": [key("bins")],
    }

    # -- root ---------------------------------------------------------------
    root = Root(expires=EXPIRES, consistent_snapshot=False)
    for role in ("root", "timestamp", "snapshot", "targets"):
        for s in signers[role]:
            root.add_key(s.public_key, role)
    root.roles["root"].threshold = 2
    # Signed by all three root keys, as Drupal.org's roots are.
    root_bytes = sign(root, signers["root"])

    # -- targets: the delegations ---------------------------------------------
    targets = Targets(expires=EXPIRES)
    bin_key = signers["bins"][0].public_key
    roles = {}
    for i, name in enumerate(bins.names):
        roles[name] = DelegatedRole(name, [bin_key.keyid], 1, False, path_hash_prefixes=bins.prefixes(i))
    targets.delegations = Delegations(keys={bin_key.keyid: bin_key}, roles=roles)

    # -- packages and their targets, sorted into bins ------------------------
    names = package_names(args.packages, rng)
    bin_targets: list[dict[str, TargetFile]] = [{} for _ in range(args.bins)]
    real_files: dict[str, bytes] = {}
    lookups, archives = [], []
    versions_of: dict[str, list[str]] = {}

    def add(info: TargetFile) -> int:
        i = bins.index(info.path)
        bin_targets[i][info.path] = info
        return i

    mean = args.archive_mb * 1e6
    for n, name in enumerate(names):
        package = f"drupal/{name}"
        versions = version_list(args.versions, rng)
        versions_of[package] = versions
        sizes = [rng.randint(20_000, 3_000_000) for _ in versions]
        has_files = n < args.archives
        for v, size in zip(versions, sizes):
            path = f"{package}/{v}"
            if has_files and v == versions[-1]:
                size = rng.randint(int(mean * 0.3), int(mean * 1.7))
                data = archive_bytes(path, size)
                real_files[path] = data
                info = real(path, data)
                archives.append({
                    "target": path,
                    "file": f"targets/{path}",
                    "length": info.length,
                    "sha256": info.hashes["sha256"],
                    "sha512": info.hashes["sha512"],
                })
            else:
                info = synthetic(path, size)
            add(info)
        p2 = f"p2/{package}.json"
        if has_files:
            data = p2_bytes(package, versions)
            real_files[p2] = data
            add(real(p2, data))
            lookups.append([f"{package}/{versions[-1]}", p2])
        else:
            add(synthetic(p2, rng.randint(1_500, 40_000)))

    target_count = sum(len(b) for b in bin_targets)

    # -- state 1 ----------------------------------------------------------------
    def publish(state: str, meta: dict[str, bytes]) -> None:
        d = out / state / "metadata"
        d.mkdir(parents=True)
        for fname, data in meta.items():
            (d / fname).write_bytes(data)

    bin_versions = [1] * args.bins
    bin_bytes: list[bytes] = []
    for i, name in enumerate(bins.names):
        t = Targets(version=1, expires=EXPIRES, targets=bin_targets[i])
        bin_bytes.append(sign(t, signers["bins"]))
    targets_bytes = sign(targets, signers["targets"])

    def snapshot_and_timestamp(version: int) -> tuple[bytes, bytes]:
        meta = {"targets.json": MetaFile(1)}
        for i, name in enumerate(bins.names):
            meta[f"{name}.json"] = MetaFile(bin_versions[i])
        snap = sign(Snapshot(version=version, expires=EXPIRES, meta=meta), signers["snapshot"])
        ts = sign(Timestamp(version=version, expires=EXPIRES, snapshot_meta=MetaFile(version)), signers["timestamp"])
        return snap, ts

    snap1, ts1 = snapshot_and_timestamp(1)
    state1 = {"1.root.json": root_bytes, "timestamp.json": ts1, "snapshot.json": snap1, "targets.json": targets_bytes}
    for i, name in enumerate(bins.names):
        state1[f"{name}.json"] = bin_bytes[i]
    publish("state1", state1)
    (out / "root.json").write_bytes(root_bytes)

    # -- state 2: a few packages released a new version ---------------------------
    changed_packages = []
    if args.changed:
        looked_up = [f"drupal/{n}" for n in names[: args.archives]]
        others = [f"drupal/{n}" for n in names[args.archives:]]
        pick = random.Random(f"{SEED} changes")
        half = min(len(looked_up), (args.changed + 1) // 2)
        changed_packages = pick.sample(looked_up, half) + pick.sample(others, min(len(others), args.changed - half))
    changed_bins = set()
    for package in changed_packages:
        last = versions_of[package][-1].split(".")
        new = f"{last[0]}.{last[1]}.{int(last[2]) + 1}.0"
        changed_bins.add(add(synthetic(f"{package}/{new}", rng.randint(20_000, 3_000_000))))
        # Its p2 file now lists the new version: new length and hashes.
        changed_bins.add(add(synthetic(f"p2/{package}.json", rng.randint(1_500, 40_000), seed=new)))
    state2 = dict(state1)
    for i in sorted(changed_bins):
        bin_versions[i] += 1
        t = Targets(version=bin_versions[i], expires=EXPIRES, targets=bin_targets[i])
        state2[f"{bins.names[i]}.json"] = sign(t, signers["bins"])
    snap2, ts2 = snapshot_and_timestamp(2)
    state2["snapshot.json"], state2["timestamp.json"] = snap2, ts2
    d2 = out / "state2" / "metadata"
    d2.mkdir(parents=True)
    for fname, data in state2.items():
        if data is state1.get(fname):
            os.link(out / "state1" / "metadata" / fname, d2 / fname)
        else:
            (d2 / fname).write_bytes(data)

    # -- real files ------------------------------------------------------------------
    for path, data in real_files.items():
        p = out / "targets" / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    # -- sanity: python-tuf verifies what it wrote ----------------------------------
    check(out, bins, lookups)

    touched = sorted({bins.index(t) for pair in lookups for t in pair})
    workload = {
        "generator": {k: v for k, v in vars(args).items() if k not in ("out", "if_changed")},
        "bins": args.bins,
        "bin_names_touched": [bins.names[i] for i in touched],
        "targets": target_count,
        "lookups": [t for pair in lookups for t in pair],
        "archives": archives,
        "archive_bytes": sum(a["length"] for a in archives),
        "metadata_bytes": {
            "root": len(root_bytes),
            "timestamp": len(ts1),
            "snapshot": len(snap1),
            "targets": len(targets_bytes),
            "bins_total": sum(len(b) for b in bin_bytes),
            "bins_touched": sum(len(bin_bytes[i]) for i in touched),
        },
        "state2": {
            "changed_packages": changed_packages,
            "changed_bins": [bins.names[i] for i in sorted(changed_bins)],
            "changed_bins_touched": [bins.names[i] for i in sorted(changed_bins) if i in set(touched)],
        },
        "signatures": {"root": 3, "root_threshold": 2, "other": 1},
    }
    (out / "workload.json").write_text(json.dumps(workload, indent=1) + "\n")
    (out / "VERSION").write_text(stamp + "\n")
    print(
        f"generated {out}: {workload['targets']} targets in {args.bins} bins, "
        f"{len(lookups)} packages with files ({workload['archive_bytes'] / 1e6:.1f} MB), "
        f"{len(touched)} bins touched by the lookups, "
        f"{len(changed_bins)} bins changed in state2, in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


def check(out: Path, bins: Bins, lookups: list[list[str]]) -> None:
    """python-tuf verifies the chain down to the first looked-up target."""
    for state in ("state1", "state2"):
        d = out / state / "metadata"
        root = Metadata[Root].from_bytes((d / "1.root.json").read_bytes())
        root.verify_delegate("root", root)
        ts = Metadata[Timestamp].from_bytes((d / "timestamp.json").read_bytes())
        root.verify_delegate("timestamp", ts)
        snap = Metadata[Snapshot].from_bytes((d / "snapshot.json").read_bytes())
        root.verify_delegate("snapshot", snap)
        top = Metadata[Targets].from_bytes((d / "targets.json").read_bytes())
        root.verify_delegate("targets", top)
        if lookups:
            path = lookups[0][0]
            role = bins.names[bins.index(path)]
            assert [r for r, _ in top.signed.delegations.get_roles_for_target(path)] == [role]
            b = Metadata[Targets].from_bytes((d / f"{role}.json").read_bytes())
            top.verify_delegate(role, b)
            data = (out / "targets" / path).read_bytes()
            b.signed.targets[path].verify_length_and_hashes(data)


if __name__ == "__main__":
    sys.exit(main())
