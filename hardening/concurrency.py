#!/usr/bin/env python3
"""Concurrency torture (issue 5, item 4): many processes, CLI and PHP,
refreshing and downloading through one metadata cache while a live
repository publishes new versions and rotates keys.

Usage (scripts/torture concurrency is the documented way in):

    concurrency.py --seconds 180 --processes 32 --cli target/release/tuf-native \\
        --ext target/release/libtuf_native.so [--work target/torture/concurrency]

- hardening/publisher.py serves the `drupal` fixture over HTTP and keeps
  publishing (a release or a re-signed timestamp every --interval seconds,
  timestamp/snapshot keys rotated half-way with their versions restarting,
  a root key rotated at three quarters).
- Half of the processes (--shim) are PHP workers through the php-tuf shim
  (hardening/php-shim-worker.php), driven as composer-integration drives
  php-tuf: a FileStorage on the shared directory, refresh(), getLength(),
  a capped download, verify(); --load-delay-ms slows their loads to widen
  the window in which the repository publishes mid-refresh. A quarter
  (--php) are long-lived PHP workers (hardening/php-worker.php) using the
  standalone Tuf\\Native\\Updater on the same cache and target directory,
  a new Updater per iteration, as PHP-FPM requests would. The rest are
  `tuf-native` runs, each slot looping: refresh, or download of one or two
  listed targets (each run a new process).
- A watcher samples every cached file every few milliseconds: each must be
  byte for byte a file the publisher served (no torn or foreign file), and
  no role's version may go down (timestamp and snapshot may only restart
  when their keys have rotated: compared as (key epoch, version)).

Prints the figures and writes them to WORK/summary.json. Exit status 0 only
if: no regression, no torn file, every CLI failure was exit status 1 with
one line, every PHP worker exited 0 printing only its result, no PHP error
other than a Tuf\\Native exception, the target directory holds only whole
published targets, a last refresh reaches the last published versions, and
a replay of a publication 3 steps older is refused as a rollback by the CLI
and the shim with the storage unchanged.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLI_LINE = re.compile(r"^tuf-native: ([a-z-]+) error: (.*)$")
KIND_OF_CLASS = {
    "FormatException": "format",
    "SignatureThresholdException": "signature-threshold",
    "RollbackException": "rollback",
    "ExpiredException": "expired",
    "InvalidHashException": "invalid-hash",
    "DownloadSizeException": "download-size",
    "NotFoundException": "not-found",
    "DenialOfServiceException": "denial-of-service",
    "StateException": "state",
    "IoException": "io",
}


def normalise(message: str) -> str:
    """Same as normalise() in php-worker.php."""
    m = re.sub(r"(https?|file)://\S+", "URL", message)
    m = re.sub(r"/\S+", "PATH", m)
    m = re.sub(r"\d+", "N", m)
    return m[:160]


class Published:
    """What the publisher has served: metadata by sha256, targets by path."""

    def __init__(self, work: Path):
        self.work = work
        self.metadata: dict[str, dict] = {}
        self.targets: dict[str, dict] = {}
        self.target_paths: list[str] = []
        self._offsets = {"published.jsonl": 0, "targets.jsonl": 0}
        self.lock = threading.Lock()

    def reload(self) -> None:
        with self.lock:
            for name in self._offsets:
                path = self.work / name
                if not path.exists():
                    continue
                with open(path, "rb") as f:
                    f.seek(self._offsets[name])
                    for line in f:
                        if not line.endswith(b"\n"):
                            break
                        self._offsets[name] += len(line)
                        entry = json.loads(line)
                        if name == "published.jsonl":
                            self.metadata[entry["sha256"]] = entry
                        else:
                            self.targets[entry["path"]] = entry
                            self.target_paths.append(entry["path"])

    def lookup(self, digest: str) -> dict | None:
        entry = self.metadata.get(digest)
        if entry is None:
            self.reload()
            entry = self.metadata.get(digest)
        return entry


class Watcher(threading.Thread):
    """Samples the cache: whole published files only, no version going down."""

    def __init__(self, cache: Path, published: Published, period: float):
        super().__init__(daemon=True)
        self.cache, self.published, self.period = cache, published, period
        self.stop = threading.Event()
        self.samples = 0
        self.files_read = 0
        self.regressions: list[str] = []
        self.torn: list[str] = []
        self.temps_seen = 0
        self.last: dict[str, tuple[int, int]] = {}
        self.highest: dict[str, tuple[int, int]] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            time.sleep(self.period)
        self.sample()

    def sample(self) -> None:
        self.samples += 1
        try:
            names = os.listdir(self.cache)
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith(".tmp-"):
                self.temps_seen += 1
                continue
            try:
                with open(self.cache / name, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                continue  # removed between listing and opening (spec 5.3.11)
            self.files_read += 1
            entry = self.published.lookup(hashlib.sha256(data).hexdigest())
            if entry is None:
                self.torn.append(f"{name}: {len(data)} bytes, not a served file")
                continue
            now = (entry["epoch"], entry["version"])
            before = self.last.get(name)
            if before is not None and now < before:
                self.regressions.append(f"{name}: (epoch, version) {before} -> {now}")
            self.last[name] = now
            self.highest[name] = max(self.highest.get(name, now), now)


class Tally:
    """Outcomes of every operation, thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ops = collections.Counter()  # (who, op, "ok"|"failed")
        self.failures = collections.Counter()  # (kind, reason)
        self.violations: list[str] = []

    def ok(self, who: str, op: str) -> None:
        with self.lock:
            self.ops[(who, op, "ok")] += 1

    def failed(self, who: str, op: str, kind: str, reason: str, n: int = 1) -> None:
        with self.lock:
            self.ops[(who, op, "failed")] += n
            self.failures[(kind, f"{who} {op}: {reason}")] += n

    def violation(self, text: str) -> None:
        with self.lock:
            self.violations.append(text)


def cli_slot(args, slot: int, urls, dirs, published: Published, tally: Tally, deadline: float) -> None:
    rng = random.Random(1000 + slot)
    metadata_url, targets_url = urls
    cache, target_dir = dirs
    i = 0
    while time.monotonic() < deadline:
        i += 1
        cmd = ["nice", "-n", "10", args.cli, "--metadata-dir", str(cache), "--metadata-url", metadata_url]
        op = "refresh"
        paths = published.target_paths
        if i % 2 == 0 and paths:
            op = "download"
            cmd += ["--target-base-url", targets_url, "--target-dir", str(target_dir)]
            for _ in range(rng.randint(1, 2)):
                n = len(paths)
                pick = rng.randrange(n) if rng.random() < 0.25 else max(0, n - 1 - rng.randint(0, min(40, n - 1)))
                cmd += ["--target-name", paths[pick]]
        cmd.append(op)
        try:
            out = subprocess.run(cmd, capture_output=True, timeout=180)
        except subprocess.TimeoutExpired:
            tally.violation(f"cli {op}: no answer in 180 s")
            continue
        stderr = out.stderr.decode(errors="replace")
        if out.returncode == 0:
            tally.ok("cli", op)
            if stderr:
                tally.violation(f"cli {op}: exit 0 with output on stderr: {stderr!r}")
            continue
        lines = stderr.splitlines()
        match = CLI_LINE.match(lines[0]) if len(lines) == 1 else None
        if out.returncode != 1 or match is None:
            tally.violation(f"cli {op}: exit status {out.returncode}, stderr {stderr!r}")
            continue
        tally.failed("cli", op, match.group(1), normalise(match.group(2)))


REPLAY_PHP = r'''
require getenv("SHIM_SRC") . "/../tests/bootstrap.php";
$u = new TufNative\Shim\Tests\Support\ComposerLikeUpdater(
    new Tuf\Loader\SizeCheckingLoader(new TufNative\Shim\Tests\Support\DirLoader(getenv("REPLAY_DIR"))),
    new Tuf\Client\DurableStorage\FileStorage(getenv("CACHE_DIR")));
try {
    $u->refresh();
    echo "accepted";
} catch (Throwable $e) {
    echo get_class($e), ": ", $e->getMessage();
}
'''


def replay_older_state(args, work: Path, cache: Path, final: dict) -> dict:
    """Serves a publication a few steps older than the last (still
    unexpired, correctly signed) to a CLI and a shim client on the shared
    storage: both must refuse it as a rollback and leave the storage as it
    was."""
    seq = int(final["publications"])
    pick = max(1, seq - 3)
    src = work / "repo" / "srv" / "m" / str(pick)
    # DirLoader and file:// both read <dir>/metadata/<name>.
    state = work / "replay"
    shutil.rmtree(state, ignore_errors=True)
    (state / "metadata").mkdir(parents=True)
    for f in src.iterdir():
        shutil.copyfile(f, state / "metadata" / f.name)
    ts_version = json.loads((src / "timestamp.json").read_bytes())["signed"]["version"]
    before = {n: (cache / n).read_bytes() for n in sorted(os.listdir(cache)) if not n.startswith(".tmp-")}
    cli = subprocess.run([args.cli, "--metadata-dir", str(cache), "--metadata-url", f"file://{state}/metadata/", "refresh"],
                         capture_output=True, text=True)
    env = dict(os.environ, SHIM_SRC=str(Path(args.shim_src).resolve()), REPLAY_DIR=str(state), CACHE_DIR=str(cache))
    shim_run = subprocess.run([args.php_binary, "-n", "-d", f"extension={args.ext}", "-r", REPLAY_PHP],
                              capture_output=True, text=True, env=env)
    after = {n: (cache / n).read_bytes() for n in sorted(os.listdir(cache)) if not n.startswith(".tmp-")}
    cli_line = cli.stderr.strip()
    shim_line = (shim_run.stdout + shim_run.stderr).strip()
    refused = (cli.returncode == 1 and cli_line.startswith("tuf-native: rollback error")
               and shim_line.startswith("Tuf\\Exception\\Attack\\RollbackAttackException")
               and before == after)
    return {"publication": pick, "timestamp": ts_version, "cli": cli_line[:200], "shim": shim_line[:200],
            "storage_unchanged": before == after, "refused": refused}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--processes", type=int, default=32, help="CLI slots plus PHP workers")
    parser.add_argument("--php", type=int, default=None,
                        help="PHP workers on the standalone Tuf\\Native\\Updater (default: a quarter)")
    parser.add_argument("--shim", type=int, default=None,
                        help="PHP workers through the php-tuf shim, composer-integration style (default: half)")
    parser.add_argument("--shim-src", default=str(ROOT / "php/src"), help="the shim's src/ (another checkout's to compare)")
    parser.add_argument("--load-delay-ms", type=int, default=0, help="delay of every metadata load of the shim workers")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between publications")
    parser.add_argument("--cli", default=str(ROOT / "target/release/tuf-native"))
    parser.add_argument("--ext", default=str(ROOT / "target/release/libtuf_native.so"))
    parser.add_argument("--php-binary", default="php")
    parser.add_argument("--work", type=Path, default=ROOT / "target/torture/concurrency")
    parser.add_argument("--sample-ms", type=float, default=3.0)
    args = parser.parse_args(argv)
    shim_workers = args.processes // 2 if args.shim is None else args.shim
    php_workers = args.processes // 4 if args.php is None else args.php
    cli_slots = args.processes - php_workers - shim_workers

    work: Path = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cache, target_dir = work / "cache", work / "targets"
    target_dir.mkdir()

    publisher_log = open(work / "publisher.log", "w")
    publisher = subprocess.Popen(
        ["nice", "-n", "5", sys.executable, str(HERE / "publisher.py"), str(work / "repo"),
         "--seconds", str(args.seconds), "--interval", str(args.interval)],
        stdout=publisher_log, stderr=subprocess.STDOUT,
    )
    port_file = work / "repo" / "port"
    for _ in range(600):
        if port_file.exists() and port_file.read_text():
            break
        if publisher.poll() is not None:
            print((work / "publisher.log").read_text(), file=sys.stderr)
            return 1
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port_file.read_text()}/"
    urls = (base + "metadata/", base + "targets/")
    started = time.monotonic()

    root_file = ROOT / "target/fixtures/drupal/1/metadata/1.root.json"
    subprocess.run([args.cli, "--metadata-dir", str(cache), "init", str(root_file)], check=True, capture_output=True)

    published = Published(work / "repo")
    published.reload()
    watcher = Watcher(cache, published, args.sample_ms / 1000)
    watcher.start()
    tally = Tally()

    # The workers go on a little after the last publication, so that they
    # all end on it.
    run_for = args.seconds + 5
    deadline = started + run_for
    php = []
    for w in range(php_workers):
        php.append(subprocess.Popen(
            ["nice", "-n", "10", args.php_binary, "-n", "-d", f"extension={args.ext}", "-d", "memory_limit=128M",
             str(HERE / "php-worker.php"), urls[0], urls[1], str(cache), str(target_dir),
             str(run_for), str(work / "repo" / "targets.jsonl"), str(w)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))
    shim = []
    for w in range(shim_workers):
        shim.append(subprocess.Popen(
            ["nice", "-n", "10", args.php_binary, "-n", "-d", f"extension={args.ext}", "-d", "memory_limit=128M",
             str(HERE / "php-shim-worker.php"), args.shim_src, urls[0], urls[1], str(cache),
             str(run_for), str(work / "repo" / "targets.jsonl"), str(100 + w), str(args.load_delay_ms)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))
    threads = [
        threading.Thread(target=cli_slot, args=(args, s, urls, (cache, target_dir), published, tally, deadline))
        for s in range(cli_slots)
    ]
    for t in threads:
        t.start()
    print(f"concurrency: {cli_slots} tuf-native slots, {php_workers} PHP workers (standalone) and "
          f"{shim_workers} PHP workers through the shim on {cache}, "
          f"{run_for:.0f} s, repository {base}", flush=True)

    def reaper(p: subprocess.Popen, w: int, who: str = "php") -> None:
        out, err = p.communicate(timeout=run_for + 300)
        lines = out.decode(errors="replace").splitlines()
        if p.returncode != 0 or err or len(lines) != 1:
            tally.violation(f"{who} worker {w}: exit {p.returncode}, stdout {out[:500]!r}, stderr {err[:500]!r}")
            return
        stats = json.loads(lines[0])
        with tally.lock:
            tally.ops[(who, "refresh", "ok")] += stats["refreshesOk"]
            tally.ops[(who, "download", "ok")] += stats["downloadsOk"]
        for key, n in stats["failures"].items():
            op, rest = key.split(" ", 1)
            cls, reason = rest.split(": ", 1)
            # Shim failures keep php-tuf's class names.
            kind = KIND_OF_CLASS.get(cls, cls) if who == "php" else cls
            tally.failed(who, op, kind, reason, n)
        for crash in stats["crashes"]:
            tally.violation(f"{who} worker {w}: not a clean TUF exception: {crash}")

    reapers = [threading.Thread(target=reaper, args=(p, w)) for w, p in enumerate(php)]
    reapers += [threading.Thread(target=reaper, args=(p, w, "shim")) for w, p in enumerate(shim)]
    for t in reapers:
        t.start()
    last_report = time.monotonic()
    while any(t.is_alive() for t in threads + reapers):
        time.sleep(0.5)
        if time.monotonic() - last_report >= 30:
            last_report = time.monotonic()
            with tally.lock:
                ok = sum(n for (_, _, r), n in tally.ops.items() if r == "ok")
            print(f"concurrency: {time.monotonic() - started:5.0f} s, {ok} tuf-native runs ok so far, "
                  f"{watcher.samples} samples, {len(watcher.regressions)} regressions", flush=True)
    watcher.stop.set()
    watcher.join()

    # The last word: one more refresh reaches exactly the last publication.
    final_file = work / "repo" / "final.json"
    for _ in range(100):
        if final_file.exists():
            break
        time.sleep(0.1)
    final = json.loads(final_file.read_text())
    last = subprocess.run([args.cli, "--metadata-dir", str(cache), "--metadata-url", urls[0], "refresh"],
                          capture_output=True, text=True)
    replay = replay_older_state(args, work, cache, final)
    if not replay["refused"]:
        tally.violation(f"replay of an older published state was not refused: {replay}")
    publisher.send_signal(signal.SIGTERM)
    publisher.wait(timeout=30)
    publisher_log.close()
    want = (f"trusted: root v{final['root']}, timestamp v{final['timestamp']} (unchanged), "
            f"snapshot v{final['snapshot']}, targets v{final['targets']}")
    final_ok = last.returncode == 0 and last.stdout.strip() == want
    if not final_ok:
        tally.violation(f"last refresh: {last.returncode} {last.stdout!r} {last.stderr!r}, wanted {want!r}")

    # Every target downloaded is a whole published target.
    published.reload()
    target_files = bad_targets = target_temps = 0
    for dirpath, _, files in os.walk(target_dir):
        for name in files:
            path = Path(dirpath) / name
            rel = str(path.relative_to(target_dir))
            if name.startswith(".tmp-"):
                target_temps += 1
                continue
            target_files += 1
            entry = published.targets.get(rel)
            if entry is None or hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
                bad_targets += 1
                tally.violation(f"target {rel} is not the published file")
    if target_temps:
        tally.violation(f"{target_temps} temporary files left in the target directory")
    cache_temps = [n for n in os.listdir(cache) if n.startswith(".tmp-")]

    ops = tally.ops
    summary = {
        "seconds": args.seconds,
        "processes": {"cli_slots": cli_slots, "php_workers": php_workers},
        "publisher": final,
        "operations": {f"{who} {op} {r}": n for (who, op, r), n in sorted(ops.items())},
        "failures_by_kind": {},
        "failure_reasons": [
            {"kind": k, "reason": r, "count": n} for (k, r), n in tally.failures.most_common()
        ],
        "watcher": {
            "samples": watcher.samples,
            "files_read": watcher.files_read,
            "regressions": watcher.regressions,
            "torn_or_foreign": watcher.torn,
            "temporaries_seen_while_running": watcher.temps_seen,
            "highest": {k: list(v) for k, v in sorted(watcher.highest.items())},
        },
        "targets": {"files": target_files, "not_whole": bad_targets, "temporaries": target_temps},
        "cache_temporaries_after": cache_temps,
        "last_refresh": last.stdout.strip() or last.stderr.strip(),
        "replay": replay,
        "violations": tally.violations,
    }
    failures_by_kind = collections.Counter()
    for (k, _), n in tally.failures.items():
        failures_by_kind[k] += n
    summary["failures_by_kind"] = dict(failures_by_kind.most_common())
    (work / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")

    total_ok = sum(n for (_, _, r), n in ops.items() if r == "ok")
    total_failed = sum(n for (_, _, r), n in ops.items() if r == "failed")
    print(f"concurrency: {args.seconds:.0f} s of publishing ({final['publications']} publications: "
          f"{final['releases']} releases, {final['timestamp-only']} timestamp-only, {final['rotations']} key rotations; "
          f"last root v{final['root']}, timestamp v{final['timestamp']}, snapshot v{final['snapshot']})")
    for who in ("cli", "php", "shim"):
        for op in ("refresh", "download"):
            print(f"  {who:3} {op:8}: {ops[(who, op, 'ok')]:6} ok, {ops[(who, op, 'failed')]:5} failed")
    print(f"  operations: {total_ok} ok, {total_failed} failed cleanly")
    print("  failures by kind: " + (", ".join(f"{k} {n}" for k, n in failures_by_kind.most_common()) or "none"))
    for (k, r), n in tally.failures.most_common(8):
        print(f"    {n:5}  {k}: {r}")
    print(f"  watcher: {watcher.samples} samples, {watcher.files_read} files read, "
          f"{len(watcher.regressions)} version regressions, {len(watcher.torn)} torn or foreign files")
    print(f"  targets: {target_files} files, {bad_targets} not whole, {target_temps} temporaries; "
          f"cache temporaries after: {len(cache_temps)}")
    print(f"  last refresh: {summary['last_refresh']}")
    print(f"  replay of publication {replay['publication']} (timestamp v{replay['timestamp']}): "
          f"cli {replay['cli']!r}, shim {replay['shim']!r}")
    for v in tally.violations[:20]:
        print(f"  VIOLATION: {v}")
    bad = watcher.regressions or watcher.torn or tally.violations or not final_ok
    print(f"concurrency: {'FAILED' if bad else 'passed'} (details in {work / 'summary.json'})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
