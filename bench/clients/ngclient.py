"""python-tuf's ngclient in one benchmark scenario (see bench/run).

  ngclient.py scenario METADATA_URL CACHE_DIR REPO [--verify]
  ngclient.py hash REPO

scenario: refresh, get_targetinfo() for every lookup of REPO/workload.json,
then (--verify) find_cached_target() on each real archive, which checks its
length, sha256 and sha512. CACHE_DIR must hold the trusted root.json.
hash: TargetFile.verify_length_and_hashes() on each archive, with the
length and hashes workload.json lists.

Prints one JSON line: CPU and wall time per phase ("setup" includes
importing python-tuf).
"""

import os
import sys
import time

_cpu = time.process_time()
_wall = time.perf_counter()
PHASES = {}


def mark(name):
    global _cpu, _wall
    cpu, wall = time.process_time(), time.perf_counter()
    PHASES[name] = {"cpu_ms": (cpu - _cpu) * 1e3, "wall_ms": (wall - _wall) * 1e3}
    _cpu, _wall = cpu, wall


import json  # noqa: E402

from tuf.api.metadata import TargetFile  # noqa: E402
from tuf.ngclient import Updater  # noqa: E402


def scenario(metadata_url, cache, repo, verify):
    with open(os.path.join(repo, "workload.json")) as f:
        workload = json.load(f)
    updater = Updater(cache, metadata_url, bootstrap=None)
    mark("setup")
    updater.refresh()
    mark("refresh")
    infos = {}
    for target in workload["lookups"]:
        info = updater.get_targetinfo(target)
        if info is None:
            sys.exit(f"{target}: not found")
        infos[target] = info
    mark("lookups")
    verified = 0
    if verify:
        for a in workload["archives"]:
            path = os.path.join(repo, a["file"])
            if updater.find_cached_target(infos[a["target"]], path) != path:
                sys.exit(f"{a['target']}: does not verify")
            verified += 1
        mark("verify")
    print(json.dumps({"client": "python-tuf", "phases": PHASES, "found": len(infos), "verified": verified}))


def hash_only(repo):
    with open(os.path.join(repo, "workload.json")) as f:
        workload = json.load(f)
    mark("setup")
    for a in workload["archives"]:
        info = TargetFile(a["length"], {"sha256": a["sha256"], "sha512": a["sha512"]}, a["target"])
        with open(os.path.join(repo, a["file"]), "rb") as f:
            info.verify_length_and_hashes(f)
    mark("verify")
    print(json.dumps({"client": "python-tuf", "phases": PHASES, "verified": len(workload["archives"])}))


if __name__ == "__main__":
    if sys.argv[1] == "scenario":
        scenario(sys.argv[2], sys.argv[3], sys.argv[4], "--verify" in sys.argv[5:])
    elif sys.argv[1] == "hash":
        hash_only(sys.argv[2])
    else:
        sys.exit(__doc__)
