#!/usr/bin/env python3
"""Runs the benchmark scenarios side by side and prints the table.

Called by bench/run once everything is built; see docs/benchmarks.md.

Every measured run is a fresh process. Its CPU time (user + system), wall
time and peak RSS come from wait4(2) on it; its own JSON line says how its
CPU and wall time split into phases (setup, refresh, lookups, verify).
Clients take turns within each round, so load from elsewhere on the
machine hits them alike; the table shows medians over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parent

SCENARIOS = ["cold", "warm", "update", "hash"]
LABELS = {
    "native": "native (tuf-core)",
    "php-ext": "PHP extension + shim",
    "python-tuf": "python-tuf ngclient",
    "php-hash_file": "PHP hash_file()",
}


# ----------------------------------------------------------------------------
# Clients
# ----------------------------------------------------------------------------

class Client:
    name = ""
    scenarios = SCENARIOS

    def __init__(self, args):
        self.args = args

    def init_cache(self, cache: Path, repo: Path) -> None:
        cache.mkdir(mode=0o700)
        shutil.copyfile(repo / "root.json", cache / "root.json")

    def scenario(self, url: str, cache: Path, repo: Path, verify: bool) -> list[str]:
        raise NotImplementedError

    def hash(self, repo: Path) -> list[str]:
        raise NotImplementedError


class Native(Client):
    name = "native"

    def scenario(self, url, cache, repo, verify):
        cmd = [str(self.args.driver), "scenario", "--metadata-url", url, "--cache", str(cache), "--repo", str(repo)]
        return cmd + (["--verify"] if verify else [])

    def hash(self, repo):
        return [str(self.args.driver), "hash", "--repo", str(repo)]


class PythonTuf(Client):
    name = "python-tuf"

    def scenario(self, url, cache, repo, verify):
        cmd = [sys.executable, str(HERE / "clients" / "ngclient.py"), "scenario", url, str(cache), str(repo)]
        return cmd + (["--verify"] if verify else [])

    def hash(self, repo):
        return [sys.executable, str(HERE / "clients" / "ngclient.py"), "hash", str(repo)]


class PhpExt(Client):
    name = "php-ext"

    def php(self):
        return [self.args.php, "-d", f"extension={self.args.extension}"]

    def scenario(self, url, cache, repo, verify):
        cmd = self.php() + [str(HERE / "clients" / "shim.php"), "scenario", url, str(cache), str(repo)]
        return cmd + (["--verify"] if verify else [])

    def hash(self, repo):
        return self.php() + [str(HERE / "clients" / "shim.php"), "hash", str(repo)]


class PhpHashFile(Client):
    name = "php-hash_file"
    scenarios = ["hash"]

    def hash(self, repo):
        return [self.args.php, str(HERE / "clients" / "hash_file.php"), str(repo)]


# ----------------------------------------------------------------------------
# Measuring one process
# ----------------------------------------------------------------------------

def measure(cmd: list[str]) -> dict:
    """Runs cmd; returns its CPU, wall, peak RSS and its JSON report."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}{stdout}")
    report = json.loads(stdout.strip().splitlines()[-1])
    phases = report.get("phases", {})
    work = {k: v for k, v in phases.items() if k != "setup"}
    return {
        "cpu_ms": (ru.ru_utime + ru.ru_stime) * 1e3,
        "user_ms": ru.ru_utime * 1e3,
        "sys_ms": ru.ru_stime * 1e3,
        "wall_ms": wall * 1e3,
        "rss_mb": ru.ru_maxrss / 1024,
        "work_cpu_ms": sum(p["cpu_ms"] for p in work.values()),
        "meta_cpu_ms": sum(phases[p]["cpu_ms"] for p in ("refresh", "lookups") if p in phases),
        "meta_wall_ms": sum(phases[p]["wall_ms"] for p in ("refresh", "lookups") if p in phases),
        "verify_cpu_ms": phases.get("verify", {}).get("cpu_ms", 0.0),
        "verify_wall_ms": phases.get("verify", {}).get("wall_ms", 0.0),
        "phases": phases,
    }


def median_of(runs: list[dict]) -> dict:
    """Medians, plus the best (lowest) CPU and wall time: load from
    elsewhere only ever adds time, so the best run shows the spread."""
    keys = [k for k in runs[0] if isinstance(runs[0][k], float)]
    out = {k: statistics.median(r[k] for r in runs) for k in keys} | {"runs": len(runs)}
    for k in ("cpu_ms", "wall_ms", "meta_cpu_ms", "work_cpu_ms"):
        if k in runs[0]:
            out[f"best_{k}"] = min(r[k] for r in runs)
    return out


# ----------------------------------------------------------------------------
# The benchmark
# ----------------------------------------------------------------------------

def start_server(driver: Path, repo: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([str(driver), "serve", "--dir", str(repo)], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, line.split()[-1]


def run_benchmark(args, clients: list[Client]) -> dict:
    repo = args.repo
    if args.tmp:
        Path(args.tmp).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tuf-bench-", dir=args.tmp))
    server, base = start_server(args.driver, repo)
    url1, url2 = f"{base}state1/metadata/", f"{base}state2/metadata/"
    results: dict[str, dict[str, list]] = {c.name: {s: [] for s in c.scenarios} for c in clients}
    n = [0]

    def fresh(name: str) -> Path:
        n[0] += 1
        return work / f"{name}-{n[0]}"

    try:
        # The I/O on top of the floor: fetching and storing the cold files,
        # reading the warm ones (tuf-bench io-floor).
        io_floor = json.loads(subprocess.run(
            [str(args.driver), "io-floor", "--metadata-url", url1, "--repo", str(repo), "--work", str(work)],
            check=True, capture_output=True, text=True).stdout)
        # Cache templates: each client's own cache after a cold refresh
        # against state 1, the starting point of "warm" and "update". The
        # first cold run also warms the page cache and the server.
        templates = {}
        for c in clients:
            if "cold" in c.scenarios:
                t = fresh(f"template-{c.name}")
                c.init_cache(t, repo)
                measure(c.scenario(url1, t, repo, True))
                templates[c.name] = t
            if "hash" in c.scenarios:
                measure(c.hash(repo))
        for round_ in range(args.runs):
            for scenario in args.scenarios:
                for c in clients:
                    if scenario not in c.scenarios:
                        continue
                    if scenario == "hash":
                        cmd = c.hash(repo)
                    else:
                        cache = fresh(f"{scenario}-{c.name}")
                        if scenario == "cold":
                            c.init_cache(cache, repo)
                        else:
                            shutil.copytree(templates[c.name], cache)
                        url = url2 if scenario == "update" else url1
                        cmd = c.scenario(url, cache, repo, scenario in ("cold", "warm"))
                    results[c.name][scenario].append(measure(cmd))
                    if scenario != "hash":
                        shutil.rmtree(cache)
            print(f"  round {round_ + 1}/{args.runs} done (load {os.getloadavg()[0]:.2f})", file=sys.stderr)
        # A PHP process doing nothing, with and without the extension: the
        # base of the memory target.
        bare = {}
        if args.php:
            bare["php"] = median_of([measure_plain([args.php, "-r", 'echo "{}\\n";']) for _ in range(args.runs)])
            if args.extension:
                bare["php+ext"] = median_of([
                    measure_plain([args.php, "-d", f"extension={args.extension}", "-r", 'echo "{}\\n";'])
                    for _ in range(args.runs)
                ])
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "medians": {c: {s: median_of(r) for s, r in by.items() if r} for c, by in results.items()},
        "all_runs": results,
        "bare": bare,
        "io_floor": io_floor,
    }


def measure_plain(cmd):
    m = measure(cmd)
    return {k: v for k, v in m.items() if k in ("cpu_ms", "wall_ms", "rss_mb")}


# ----------------------------------------------------------------------------
# Machine, floor, hashing
# ----------------------------------------------------------------------------

def machine() -> dict:
    info = {"platform": platform.platform()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor"):
                info[k.strip()] = v.strip()
        flags = next((l for l in lscpu.splitlines() if l.startswith("Flags:")), "")
        info["sha_ni"] = " sha_ni " in f" {flags} "
        info["avx2"] = " avx2 " in f" {flags} "
    except OSError:
        pass
    info["load_before"] = os.getloadavg()
    return info


def openssl_speed() -> dict:
    out = {}
    for alg in ("sha256", "sha512"):
        try:
            text = subprocess.run(
                ["openssl", "speed", "-seconds", "2", "-bytes", "262144", "-evp", alg],
                capture_output=True, text=True, check=True,
            ).stdout
            line = [l for l in text.splitlines() if l.startswith(alg)][-1]
            out[alg] = float(line.split()[-1].rstrip("k")) * 1e3 / 1e6  # MB/s
        except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
            pass
    if len(out) == 2:
        out["sha256_then_sha512"] = 1 / (1 / out["sha256"] + 1 / out["sha512"])
    return out


def lab(args, what: str) -> dict:
    text = subprocess.run([str(args.lab), what, "--repo", str(args.repo), "--repeat", str(args.lab_repeat)],
                          capture_output=True, text=True, check=True).stdout
    return json.loads(text)


# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------

def fmt(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    if a is None or not b:
        return None
    return a / b


def report(data: dict) -> str:
    med = data["medians"]
    floors = data["floor"]["floors_ms"]
    archive_mb = data["workload"]["archive_bytes"] / 1e6
    lines = []
    w = data["workload"]
    lines.append(
        f"Workload: {w['targets']:,} targets in {w['bins']:,} hashed bins; {len(w['lookups'])} lookups touching "
        f"{len(w['bin_names_touched'])} bins ({w['metadata_bytes']['bins_touched'] / 1e6:.1f} MB of bins); "
        f"{len(w['archives'])} archives, {archive_mb:.1f} MB; update: {len(w['state2']['changed_bins'])} bins changed "
        f"({len(w['state2']['changed_bins_touched'])} of them looked up). Medians of {data['runs']} runs, each a fresh process."
    )
    lines.append("")
    lines.append("| scenario | client | CPU ms (best) | wall ms | peak RSS MB | CPU × native | wall × native | work CPU ms | floor ms | work × floor |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in SCENARIOS:
        native = med.get("native", {}).get(s)
        for c in ("native", "php-ext", "python-tuf", "php-hash_file"):
            m = med.get(c, {}).get(s)
            if not m:
                continue
            floor = floors.get(s)
            lines.append(
                f"| {s} | {LABELS[c]} | {fmt(m['cpu_ms'])} ({fmt(m.get('best_cpu_ms'))}) | {fmt(m['wall_ms'])} | {fmt(m['rss_mb'], 1)} | "
                f"{fmt(ratio(m['cpu_ms'], native and native['cpu_ms']), 2)} | "
                f"{fmt(ratio(m['wall_ms'], native and native['wall_ms']), 2)} | "
                f"{fmt(m['work_cpu_ms'])} | {fmt(floor, 1)} | {fmt(ratio(m['work_cpu_ms'], floor), 2)} |"
            )
    lines.append("")
    lines.append(
        "CPU = user + system of the whole process (start-up included), median and (best) run; work = the process's own CPU time "
        "after start-up and set-up (refresh + lookups + verify); floor = the least work of the scenario "
        "measured with the primitives below. `update` does no archive checks."
    )
    lines.append("")
    # Metadata part only, against the floor and the floor with I/O.
    io = meta_io(data)
    shown = [c for c in ("native", "php-ext", "python-tuf") if c in med]
    lines.append("Metadata part (refresh + 200 lookups), CPU ms, × floor and × floor with I/O:")
    lines.append("")
    lines.append("| scenario | floor | I/O | floor + I/O | " + " | ".join(LABELS[c] for c in shown) + " |")
    lines.append("|---|---:|---:|---:|" + "---:|" * len(shown))
    for s in ("cold", "warm", "update"):
        f = floors.get(f"{s}_meta")
        fi = f + io[s] if f is not None and s in io else None
        cells = []
        for c in shown:
            if s in med[c]:
                v = med[c][s]["meta_cpu_ms"]
                with_io = f" / {fmt(ratio(v, fi), 2)}×" if fi else ""
                cells.append(f"{fmt(v, 1)} ({fmt(ratio(v, f), 2)}×{with_io})")
            else:
                cells.append("")
        lines.append(f"| {s} | {fmt(f, 1)} | {fmt(io.get(s), 1)} | {fmt(fi, 1)} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"I/O = `tuf-bench io-floor`: CPU time to fetch the cold scenario's {data.get('io_floor', {}).get('files', '?')} metadata files over one keep-alive "
        "connection and store them as the disk cache does (atomic; fsync for root, timestamp and snapshot only), or, "
        "warm, to fetch the timestamp and read the rest back; nothing parsed or verified. Not measured for update."
    )
    lines.append("")
    # Primitives.
    p = data["floor"]["primitives"]
    parts = data["floor"]["parts"]
    cm = parts["cold_meta"]
    lines.append(
        f"Primitives on this machine: ed25519 verification {p['ed25519_verify_us_small']['ring']:.1f} µs (ring) / "
        f"{p['ed25519_verify_us_small']['dalek']:.1f} µs (dalek) for a small message; strict parse + canonicalisation "
        f"{p['canonicalise_MBps']:.0f} MB/s; sha256 then sha512 {p['sha256_then_sha512_MBps']:.0f} MB/s. "
        f"Cold/warm metadata floor: {cm['files']} files, {cm['bytes'] / 1e6:.1f} MB: canonicalise {cm['canonicalise_ms']:.1f} ms + "
        f"{cm['signatures']} signatures {cm['signatures_ms']:.1f} ms."
    )
    lines.append("")
    # Hashing.
    h = data.get("hashes")
    o = data.get("openssl_speed", {})
    if h:
        lines.append("Hashing (sha256 then sha512 over each 256 kB chunk), MB/s:")
        lines.append("")
        lines.append("| implementation | sha256 (hot) | sha512 (hot) | both, hot | both, archives from page cache | two threads (wall) | two threads CPU ms |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for imp in ("sha2", "ring", "openssl"):
            hot = h["hot_MBps"]
            f = h["files"][imp]
            lines.append(
                f"| {imp} | {fmt(hot[imp + '_sha256'])} | {fmt(hot[imp + '_sha512'])} | {fmt(hot[imp + '_sha256_then_sha512'])} | "
                f"{fmt(f['sha256_then_sha512_MBps'])} | {fmt(f['two_threads_MBps'])} | {fmt(f['two_threads_cpu_ms'])} |"
            )
        cv = h["core_verify_file"]
        lines.append(
            f"| **tuf-core** (`download::verify_file`) | | | | {fmt(cv['one_thread_MBps'])} | "
            f"{fmt(cv['two_threads_MBps'])} | {fmt(cv['two_threads_cpu_ms'])} |"
        )
        if o:
            lines.append(f"| `openssl speed -evp` | {fmt(o['sha256'])} | {fmt(o['sha512'])} | {fmt(o['sha256_then_sha512'])} | | | |")
        lines.append("")
    # Targets.
    lines.append("Targets of issue 14:")
    lines.append("")
    for t in targets(data):
        lines.append(f"- {t}")
    return "\n".join(lines) + "\n"


def meta_io(data: dict) -> dict:
    """The I/O part of each scenario's floor with I/O, in CPU ms."""
    io = data.get("io_floor")
    return {"cold": io["cold_ms"], "warm": io["warm_ms"]} if io else {}


def targets(data: dict) -> list[str]:
    """Issue 14's targets, each with its verdict."""
    med, floors = data["medians"], data["floor"]["floors_ms"]
    io = meta_io(data)
    out = []
    n, ext = med.get("native", {}), med.get("php-ext", {})

    def verdict(ok):
        return "**met**" if ok else "**missed**"

    for s, goal in (("cold", 1.6), ("warm", 1.2)):
        f = floors[f"{s}_meta"]
        for c, who in (("php-ext", "shim"), ("native", "native")):
            m = med.get(c, {}).get(s)
            if not m:
                continue
            v = m["meta_cpu_ms"]
            with_io = f"; {v / (f + io[s]):.2f}× the floor with I/O ({f + io[s]:.1f} ms)" if s in io else ""
            out.append(f"{s}, metadata, {who}: {v:.1f} ms = {v / f:.2f}× floor (target ≤ {goal}×){with_io}: {verdict(v / f <= goal)}")
    sha2 = data["floor"]["parts"]["hash"]["sha2_ms"]
    for c, who in (("php-ext", "shim"), ("native", "native")):
        m = med.get(c, {}).get("hash")
        if m:
            r = m["verify_wall_ms"] / sha2
            out.append(
                f"archive hashing, {who}: {m['verify_wall_ms']:.0f} ms wall ({m['verify_cpu_ms']:.0f} ms CPU) "
                f"= {r:.2f}× the sha2 floor ({sha2:.0f} ms, one thread, hot memory, best of 5 in this run; median "
                f"against best, so loaded runs count against the client; target ≤ 0.8×): {verdict(r <= 0.8)}"
            )
    if "cold" in ext and "php+ext" in data.get("bare", {}):
        bare = data["bare"]["php"]["rss_mb"]
        added = ext["cold"]["rss_mb"] - bare
        out.append(f"memory: PHP extension + shim, cold: {ext['cold']['rss_mb']:.1f} MB peak vs bare PHP {bare:.1f} MB: +{added:.1f} MB")
    if not ext:
        out.append("extension through the shim: **pending** (not measured in this run)")
    return out


def chart(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    med, floors = data["medians"], data["floor"]["floors_ms"]
    clients = [c for c in ("native", "php-ext", "python-tuf", "php-hash_file") if c in med]
    colors = {"native": "#1b7837", "php-ext": "#5aae61", "python-tuf": "#762a83", "php-hash_file": "#c2a5cf"}
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    # Left: each part of the work against its own floor (metadata work of
    # cold, warm and update; archive checks of the hash scenario).
    left = [("cold", "meta_cpu_ms", "cold_meta"), ("warm", "meta_cpu_ms", "warm_meta"),
            ("update", "meta_cpu_ms", "update_meta"), ("hash", "verify_cpu_ms", "hash")]
    left_labels = ["cold\nmetadata", "warm\nmetadata", "update\nmetadata", "hash\narchives"]
    panels = [
        (axes[0], "CPU time of the work ÷ its floor (log scale)", left, left_labels,
         lambda c, s, key, fl: ratio(med[c][s][key], floors[fl])),
        (axes[1], "whole-process CPU time ÷ native client's", [(s, "cpu_ms", s) for s in SCENARIOS], SCENARIOS,
         lambda c, s, key, fl: ratio(med[c][s][key], med["native"][s][key])),
    ]
    width = 0.8 / len(clients)
    for ax, title, groups, labels, value in panels:
        for i, c in enumerate(clients):
            xs, ys = [], []
            for j, (s, key, fl) in enumerate(groups):
                if s in med[c] and "native" in med and s in med["native"]:
                    xs.append(j + (i - (len(clients) - 1) / 2) * width)
                    ys.append(value(c, s, key, fl))
            bars = ax.bar(xs, ys, width, label=LABELS[c], color=colors[c])
            ax.bar_label(bars, labels=[f"{y:.1f}" for y in ys], fontsize=7, padding=1)
        ax.set_xticks(range(len(groups)), labels)
        ax.set_yscale("log")
        ax.axhline(1, color="grey", linewidth=0.8)
        ax.set_title(title)
    axes[0].legend(fontsize=8)
    w = data["workload"]
    fig.suptitle(
        f"TUF clients on a packages.drupal.org-shaped repository ({w['targets']:,} targets, {w['bins']} bins, "
        f"{len(w['lookups'])} lookups, {w['archive_bytes'] / 1e6:.0f} MB of archives); medians of {data['runs']} runs",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--driver", type=Path, required=True)
    ap.add_argument("--lab", type=Path, required=True)
    ap.add_argument("--php", default=None)
    ap.add_argument("--extension", default=None, help="path of tuf_native's .so; without it the PHP column is pending")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--lab-repeat", type=int, default=7)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--clients", default="native,php-ext,python-tuf,php-hash_file")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--command", default="bench/run")
    ap.add_argument("--docs", type=Path, default=None,
                    help="a Markdown file whose <!-- results:begin/end --> block gets the new results")
    args = ap.parse_args()
    args.repo = args.repo.resolve()
    args.scenarios = args.scenarios.split(",")
    wanted = args.clients.split(",")
    clients: list[Client] = []
    for cls in (Native, PhpExt, PythonTuf, PhpHashFile):
        if cls.name not in wanted:
            continue
        if cls is PhpExt and not args.extension:
            print("PHP extension not available: its column is pending", file=sys.stderr)
            continue
        if cls in (PhpExt, PhpHashFile) and not args.php:
            continue
        clients.append(cls(args))

    data = {"command": args.command, "machine": machine(), "runs": args.runs}
    data["workload"] = json.loads((args.repo / "workload.json").read_text())
    print("== primitives (floor)", file=sys.stderr)
    data["floor"] = lab(args, "floor")
    print("== hashing candidates", file=sys.stderr)
    data["hashes"] = lab(args, "hashes")
    data["openssl_speed"] = openssl_speed()
    print(f"== scenarios: {', '.join(c.name for c in clients)} × {', '.join(args.scenarios)} × {args.runs} runs", file=sys.stderr)
    data.update(run_benchmark(args, clients))
    data["machine"]["load_after"] = os.getloadavg()

    args.out.mkdir(parents=True, exist_ok=True)
    table = report(data)
    m = data["machine"]
    header = (
        f"Command: `{args.command}`; machine: {m.get('Model name', '?')}, {m.get('CPU(s)', '?')} CPUs"
        f"{' (' + m['Hypervisor vendor'] + ' guest)' if 'Hypervisor vendor' in m else ''}, "
        f"SHA-NI {'yes' if m.get('sha_ni') else 'no'}; load average {m['load_before'][0]:.2f} before, "
        f"{m['load_after'][0]:.2f} after; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n"
    )
    (args.out / "latest.md").write_text(header + table)
    slim = {k: v for k, v in data.items() if k != "all_runs"}
    (args.out / "latest.json").write_text(json.dumps(slim, indent=1) + "\n")
    try:
        chart(data, args.out / "ratios.png")
    except ImportError as e:
        print(f"no chart: {e}", file=sys.stderr)
    if args.docs and args.docs.is_file():
        text = args.docs.read_text()
        begin, end = "<!-- results:begin -->", "<!-- results:end -->"
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            _, tail = rest.split(end, 1)
            chart_path = os.path.relpath(args.out / "ratios.png", args.docs.parent)
            block = f"{begin}\n{header}{table}\n![ratios]({chart_path})\n{end}"
            args.docs.write_text(head + block + tail)
    print(header + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
