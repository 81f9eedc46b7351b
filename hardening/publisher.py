#!/usr/bin/env python3
"""A live TUF repository for the concurrency torture (issue 5, item 4).

Usage (with target/pyenv/bin/python, which has python-tuf):

    publisher.py WORKDIR --seconds 180 [--interval 0.5] [--port 0]

Serves WORKDIR/srv over HTTP on 127.0.0.1 and keeps publishing new
versions of the `drupal` fixture repository (tests/fixtures/generate.py,
imported: the same python-tuf code and the same name-derived keys) for
`--seconds`, then keeps serving, unchanged, until SIGTERM or SIGINT.

- It starts with the fixture states 1, 2 and 3 (a release, a root key
  rotation), byte for byte what target/fixtures/drupal holds, so clients
  initialised with fixture state 1's root can follow.
- Then, every `--interval` seconds, one publication: a new package version
  (its bin role, snapshot and timestamp re-signed, each one version up), or
  a timestamp re-signed alone (what Drupal.org does between releases).
- Half-way: the timestamp and snapshot keys rotate through a new root; the
  timestamp and snapshot versions restart at 1 (spec 5.3.11, fast-forward
  recovery: clients must forget the old ones).
- At three quarters: a root key rotation (root key 1 replaced by key 5;
  signed by the old and the new threshold).

Metadata lives in WORKDIR/srv/m/<n>/ (one directory per publication,
unchanged files hard-linked); WORKDIR/srv/metadata is a symbolic link to the
current one, replaced atomically (rename(2)), so every request sees one
whole publication's file, though two requests of one refresh may see two
publications (a client then fails cleanly, or succeeds). Targets go to
WORKDIR/srv/targets/ before any metadata lists them, and are never removed.

Written for the harness to read:

- WORKDIR/published.jsonl: one line per metadata file ever served, written
  before it is served: {"sha256", "name", "role", "version", "epoch"}; the
  epoch counts timestamp/snapshot key rotations before that file (a cached
  timestamp or snapshot may only go down in version when its epoch goes up).
- WORKDIR/targets.jsonl: one line per target, written once it is listed by
  served metadata: {"path", "sha256", "length"}.
- WORKDIR/port: the port, once listening.
- WORKDIR/final.json: the versions of the last publication, once done.
- Standard output: one line per phase, and a summary at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "fixtures"))

import generate as g  # noqa: E402  (python-tuf, fixture keys and Repo)


class Publisher:
    def __init__(self, work: Path, seed: int):
        self.work = work
        self.srv = work / "srv"
        self.seq = 0
        self.epoch = 0
        self.rng = random.Random(seed)
        self.previous: dict[str, bytes] = {}
        self.targets_written: set[str] = set()
        self.logged: set[str] = set()
        self.published = open(work / "published.jsonl", "a", buffering=1)
        self.targets_log = open(work / "targets.jsonl", "a", buffering=1)
        self.counts = {"releases": 0, "timestamp-only": 0, "rotations": 0}
        (self.srv / "m").mkdir(parents=True, exist_ok=True)
        (self.srv / "targets").mkdir(parents=True, exist_ok=True)

    # The served files.

    def _role_of(self, name: str) -> str:
        if name.endswith(".root.json"):
            return "root"
        return name[: -len(".json")]

    def publish(self, repo: g.Repo) -> None:
        """Serves everything `repo` serves: new targets first, then the
        metadata, logged before the link to it is swapped in."""
        new_targets = []
        for path, data in sorted(repo.files.items()):
            if path in self.targets_written:
                continue
            dest = self.srv / "targets" / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".publishing")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
            self.targets_written.add(path)
            new_targets.append((path, data))

        self.seq += 1
        mdir = self.srv / "m" / str(self.seq)
        mdir.mkdir()
        previous_dir = self.srv / "m" / str(self.seq - 1)
        for name, data in sorted(repo.metadata.items()):
            if self.previous.get(name) == data:
                os.link(previous_dir / name, mdir / name)
            else:
                (mdir / name).write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            if digest not in self.logged:
                self.logged.add(digest)
                version = json.loads(data)["signed"]["version"]
                role = self._role_of(name)
                epoch = self.epoch if role in ("timestamp", "snapshot") else 0
                self.published.write(
                    json.dumps(
                        {"sha256": digest, "name": name, "role": role, "version": version, "epoch": epoch}
                    )
                    + "\n"
                )
        self.previous = dict(repo.metadata)
        link = self.srv / "metadata"
        tmp_link = self.srv / f".metadata-{self.seq}"
        os.symlink(f"m/{self.seq}", tmp_link)
        os.replace(tmp_link, link)
        for path, data in new_targets:
            self.targets_log.write(
                json.dumps({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "length": len(data)}) + "\n"
            )

    def versions(self, repo: g.Repo) -> dict[str, int]:
        return {
            "root": repo.root.version,
            "timestamp": repo.timestamp.version,
            "snapshot": repo.snapshot.version,
            "targets": repo.targets["targets"].version,
            "epoch": self.epoch,
        }


def fixture_states() -> dict[str, g.Repo]:
    """The drupal fixture's states 1, 2 and 3, as python-tuf Repo objects."""
    states: dict[str, g.Repo] = {}
    g.drupal(lambda name, repo: states.__setitem__(name, repo.copy()))
    return states


def bin_of(path: str) -> str:
    i = int(hashlib.sha256(path.encode()).hexdigest()[0], 16)
    return f"{i:x}00-{i:x}ff"


def release(pub: Publisher, repo: g.Repo, n: int) -> None:
    """A new package version in its hashed bin; bin, snapshot, timestamp up."""
    package = f"drupal/pkg{pub.rng.randrange(20):02}"
    path = f"{package}/2.{n}.0.0"
    role = bin_of(path)
    repo.add_target(role, path, f"{package} 2.{n}.0.0 archive (live publisher)\n".encode())
    repo.release(role)
    pub.counts["releases"] += 1


def timestamp_only(pub: Publisher, repo: g.Repo) -> None:
    repo.timestamp.version += 1
    repo.publish_timestamp()
    pub.counts["timestamp-only"] += 1


def rotate_timestamp_and_snapshot_keys(pub: Publisher, repo: g.Repo) -> None:
    """A new root with new timestamp and snapshot keys; their versions
    restart at 1."""
    pub.epoch += 1
    repo.set_keys("timestamp", [g.ed25519_key(f"drupal/timestamp-epoch-{pub.epoch}")])
    repo.set_keys("snapshot", [g.ed25519_key(f"drupal/snapshot-epoch-{pub.epoch}")])
    repo.root.version += 1
    repo.publish_root()
    repo.snapshot.version = 1
    repo.publish_snapshot()
    repo.timestamp.version = 1
    repo.publish_timestamp()
    pub.counts["rotations"] += 1


def rotate_a_root_key(pub: Publisher, repo: g.Repo) -> None:
    """Root key 1 is replaced by key 5; the new root is signed by the old
    keys and the new one, so both thresholds (2) are met."""
    old = list(repo.signers["root"])
    new_key = g.ed25519_key("drupal/root-5")
    repo.set_keys("root", [*old[1:], new_key], threshold=2)
    repo.root.version += 1
    repo.publish_root([*old, new_key])
    repo.timestamp.version += 1
    repo.publish_timestamp()
    pub.counts["rotations"] += 1


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--seconds", type=float, default=180.0, help="how long to publish")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between publications")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)

    pub = Publisher(work, args.seed)
    states = fixture_states()
    pub.publish(states["1"])

    handler = lambda *a, **kw: QuietHandler(*a, directory=str(pub.srv), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (work / "port").write_text(str(server.server_address[1]))
    print(f"publisher: serving http://127.0.0.1:{server.server_address[1]}/ from {pub.srv}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    started = time.monotonic()
    plan = [("2", None), ("3", None)]
    repo = states["3"]
    rotated_ts = rotated_root = False
    n = 0
    while not stop.is_set():
        elapsed = time.monotonic() - started
        if elapsed >= args.seconds:
            break
        if plan:
            state, _ = plan.pop(0)
            pub.publish(states[state])
            print(f"publisher: {elapsed:6.1f} s fixture state {state}", flush=True)
        elif not rotated_ts and elapsed >= args.seconds / 2:
            rotate_timestamp_and_snapshot_keys(pub, repo)
            pub.publish(repo)
            rotated_ts = True
            print(f"publisher: {elapsed:6.1f} s timestamp/snapshot keys rotated, root v{repo.root.version}", flush=True)
        elif not rotated_root and elapsed >= args.seconds * 3 / 4:
            rotate_a_root_key(pub, repo)
            pub.publish(repo)
            rotated_root = True
            print(f"publisher: {elapsed:6.1f} s root key rotated, root v{repo.root.version}", flush=True)
        else:
            n += 1
            if n % 2:
                release(pub, repo, n)
            else:
                timestamp_only(pub, repo)
            pub.publish(repo)
        stop.wait(args.interval)

    final = pub.versions(repo) | {"publications": pub.seq, **pub.counts}
    (work / "final.json").write_text(json.dumps(final))
    print("publisher: done publishing: " + json.dumps(final), flush=True)
    stop.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
