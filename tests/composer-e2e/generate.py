#!/usr/bin/env python3
"""Writes the Composer repository that tests/composer-e2e/e2e.php serves.

Usage: generate.py [--php-tuf] OUTDIR

--php-tuf: made as php-tuf 0.1.7 can read it, as packages.drupal.org's
is (tests/fixtures/generate.py's _PHP_TUF_COMPATIBLE: ed25519 keys under
their legacy keyids, timestamp listing the snapshot's hashes), for
bench/latency, which runs php-tuf and the shim against the same
repository.

Shaped like packages.drupal.org/8 and signed with python-tuf through the
helpers of tests/fixtures/generate.py (same pins, same deterministic keys):
ed25519 keys, root 2-of-3, consistent_snapshot false, targets delegating
to 16 hashed bins padded with filler targets to about 28 KiB each, as
Drupal.org's bins are. Targets are named as php-tuf/composer-integration
asks for them: `packages.json`, `p2/<vendor>/<name>.json` and
`<vendor>/<name>/<normalised version>` for each zip archive.

Archives are served from the repository itself, through a preferred dist
mirror declared in packages.json ("/8/dist/%package%/%version%.%type%"),
so the signed listings hold no port and the repository works on any
port. The listings carry no sha1 `shasum`: only TUF stands between a
swapped archive and vendor/ (the TUF-off control proves it).

States, each OUTDIR/<state>/{metadata,targets}/ as served:
  1                 five modules, two or three releases each;
  2                 drupal/token 1.15.0 released (bin, snapshot, timestamp 2);
  and, from 2, one hostile state per attack (see build()).
OUTDIR/VERSION (sha256 of this file and of the fixture generator and its
pins) is written last, so a partial run is regenerated.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import generate as fx  # noqa: E402  (tests/fixtures/generate.py)
from tuf.api.metadata import MetaFile, TargetFile  # noqa: E402

PACKAGES: dict[str, list[str]] = {
    "drupal/token": ["1.13.0", "1.14.0"],
    "drupal/ctools": ["4.0.4", "4.1.0"],
    "drupal/pathauto": ["1.12.0", "1.13.0"],
    "drupal/admin_toolbar": ["3.4.2", "3.5.0"],
    "drupal/redirect": ["1.9.0", "1.10.0"],
}
REQUIRES = {"drupal/pathauto": {"drupal/token": "^1.13", "drupal/ctools": "^4.0"}}
BINS = [f"{i:x}00-{i:x}ff" for i in range(16)]
BIN_SIZE = 28 * 1024
MIRROR = "/8/dist/%package%/%version%.%type%"


def bin_of(path: str) -> str:
    return BINS[int(hashlib.sha256(path.encode()).hexdigest()[0], 16)]


class Composer:
    """The repository and the release steps a packaging pipeline does."""

    def __init__(self) -> None:
        keys = fx.keys_for("composer-e2e", root_keys=3)
        self.repo = fx.Repo.with_keys(keys, root_threshold=2)
        bin_key = fx.ed25519_key("composer-e2e/bins")
        for i, name in enumerate(BINS):
            prefixes = [f"{i:x}{j:02x}" for j in range(256)]
            self.repo.delegate("targets", name, [bin_key], path_hash_prefixes=prefixes)
        self.releases: dict[str, list[str]] = {}

    def add(self, path: str, data: bytes) -> str:
        role = bin_of(path)
        self.repo.add_target(role, path, data)
        return role

    def release(self, package: str, versions: list[str]) -> set[str]:
        """Adds archives and rewrites the package's p2 listing; returns the
        bins changed."""
        roles = set()
        entries = []
        for version in versions:
            normalised = f"{version}.0"
            if f"{package}/{normalised}" not in self.repo.targets[bin_of(f"{package}/{normalised}")].targets:
                roles.add(self.add(f"{package}/{normalised}", fx.zip_archive(package, version)))
            entry = {
                "name": package,
                "version": version,
                "version_normalized": normalised,
                "type": "drupal-module",
                "description": f"The {package.split('/')[1]} module.",
                "license": "GPL-2.0-or-later",
                "dist": {
                    "type": "zip",
                    # Never fetched: the preferred mirror in packages.json
                    # serves every archive (a closed loopback port, so a
                    # fallback could not leave the machine).
                    "url": f"http://127.0.0.1:9/files/projects/{package.split('/')[1]}-{version}.zip",
                    "reference": version,
                    "shasum": "",
                },
            }
            if package in REQUIRES:
                entry["require"] = REQUIRES[package]
            entries.append(entry)
        listing = {"minified": "composer/2.0", "packages": {package: entries}}
        roles.add(self.add(f"p2/{package}.json", json.dumps(listing, sort_keys=True).encode()))
        self.releases[package] = versions
        return roles

    def pad_bins(self) -> None:
        """Filler targets (listed, never served) until each bin's signed
        part is about BIN_SIZE bytes, as on packages.drupal.org."""
        n = 0
        for name in BINS:
            role = self.repo.targets[name]
            # What signing adds (the envelope, one signature) is left out.
            while len(json.dumps(role.to_dict(), indent=1)) < BIN_SIZE - 500:
                while True:
                    n += 1
                    path = f"drupal/filler{n:05}/1.0.0.0"
                    if bin_of(path) == name:
                        break
                role.targets[path] = TargetFile.from_data(path, f"filler {n}\n".encode(), fx.TARGET_HASHES)


def build(out: Path) -> list[str]:
    written: list[str] = []

    def emit(state: str, repo: fx.Repo) -> None:
        repo.write(out / state)
        written.append(state)

    c = Composer()
    for package, versions in PACKAGES.items():
        c.release(package, versions)
    c.add("packages.json", json.dumps({
        "metadata-url": "/8/p2/%package%.json",
        "available-packages": sorted(PACKAGES),
        "mirrors": [{"dist-url": MIRROR, "preferred": True}],
    }, sort_keys=True).encode())
    c.pad_bins()
    c.repo.publish_all()
    emit("1", c.repo)
    state1 = c.repo.copy()

    roles = c.release("drupal/token", [*PACKAGES["drupal/token"], "1.15.0"])
    c.repo.release(*sorted(roles))
    emit("2", c.repo)

    def next_token(mutate_files=None, sha512=None) -> fx.Repo:
        """State 2 plus drupal/token 1.16.0, released as the repository
        does (bins, snapshot, timestamp 3)."""
        attack = Composer.__new__(Composer)
        attack.repo, attack.releases = c.repo.copy(), dict(c.releases)
        roles = attack.release("drupal/token", [*attack.releases["drupal/token"], "1.16.0"])
        if sha512 is not None:
            info = attack.repo.targets[bin_of("drupal/token/1.16.0.0")].targets["drupal/token/1.16.0.0"]
            info.hashes["sha512"] = sha512
        attack.repo.release(*sorted(roles))
        if mutate_files:
            mutate_files(attack.repo)
        return attack.repo

    real = fx.zip_archive("drupal/token", "1.16.0")
    evil = fx.zip_archive("drupal/token", "1.16.0", evil=True)
    assert len(evil) < len(real)

    def swap(data: bytes):
        def mutate(repo: fx.Repo) -> None:
            repo.files["drupal/token/1.16.0.0"] = data
        return mutate

    def flip_p2(repo: fx.Repo) -> None:
        data = bytearray(repo.files["p2/drupal/token.json"])
        at = data.index(b'"drupal-module"') + 8  # the "m" of "module"
        data[at] ^= 0x20
        repo.files["p2/drupal/token.json"] = bytes(data)

    emit("archive-shorter", next_token(swap(evil)))
    # One byte more passes Composer's cap (TUF's length + 1, see
    # composer-integration's getLength()), so TUF's own check must refuse it.
    emit("archive-longer", next_token(swap(real + b"\n")))
    # The endless-data attack: Composer's own cap (max_file_size, which
    # composer-integration sets from TUF's trusted length) stops it.
    emit("archive-endless", next_token(swap(real + bytes(1 << 20))))
    emit("p2-flipped", next_token(flip_p2))
    emit("wrong-sha512", next_token(sha512=hashlib.sha512(b"not the archive").hexdigest()))

    expired = c.repo.copy()
    expired.timestamp.version, expired.timestamp.expires = 3, fx.EXPIRED
    expired.publish_timestamp()
    emit("timestamp-expired", expired)

    # Spec 5.4.3.2: a new timestamp may not list an older snapshot.
    older = c.repo.copy()
    older.metadata["snapshot.json"] = state1.metadata["snapshot.json"]
    older.timestamp.version = 3
    older.timestamp.snapshot_meta = MetaFile(1)
    older.publish_timestamp()
    emit("timestamp-old-snapshot", older)

    # Spec 5.4.3.1: state 1's timestamp and snapshot served again.
    replay = c.repo.copy()
    for name in ("timestamp.json", "snapshot.json"):
        replay.metadata[name] = state1.metadata[name]
    emit("replay", replay)
    return written


def version(php_tuf: bool) -> str:
    digest = hashlib.sha256(b"php-tuf" if php_tuf else b"")
    for path in (HERE / "generate.py", FIXTURES / "generate.py", FIXTURES / "requirements.txt"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    php_tuf = argv[:1] == ["--php-tuf"]
    argv = argv[1:] if php_tuf else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    if (out / "VERSION").is_file() and (out / "VERSION").read_text() == version(php_tuf):
        return 0
    # Read by the fixture helpers when keys and repositories are made.
    fx._PHP_TUF_COMPATIBLE = php_tuf
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = build(out)
    sizes = sorted((out / "2" / "metadata" / f"{name}.json").stat().st_size for name in BINS)
    print(f"composer-e2e repository: {len(written)} states under {out}; bins {sizes[0]}..{sizes[-1]} bytes")
    (out / "VERSION").write_text(version(php_tuf))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
