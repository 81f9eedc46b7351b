#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets from the python-tuf fixtures
(target/fixtures/**/metadata/*.json) and fuzz/data/, into
fuzz/corpus-full/<target>/ (scripts/fuzz runs this when that is empty).

Usage: python3 fuzz/corpus-gen/seeds.py [FIXTURES_DIR]

Input formats are those documented at the top of each fuzz target.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FUZZ = HERE.parent
OUT = FUZZ / "corpus-full"
MAX_FILE = 16 * 1024  # larger fixtures add size, not coverage

ROLE_SLOT = {"root": 0, "timestamp": 1, "snapshot": 2, "targets": 3}
REFRESH_SLOT = {"2.root.json": 0, "timestamp.json": 1, "snapshot.json": 2,
                "targets.json": 3, "role1.json": 4, "3.root.json": 5}


def write(target: str, data: bytes) -> None:
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def metadata_files(fixtures: Path):
    seen = set()
    for path in sorted(fixtures.glob("*/*/metadata/*.json")):
        data = path.read_bytes()
        if len(data) > MAX_FILE or data in seen:
            continue
        seen.add(data)
        yield path, data


def metadata_seeds(fixtures: Path) -> None:
    for path, data in metadata_files(fixtures):
        try:
            kind = json.loads(data)["signed"]["_type"]
        except (ValueError, KeyError, TypeError):
            continue
        slot = ROLE_SLOT.get(kind, 3)
        if kind == "targets" and path.name != "targets.json":
            slot = 4  # delegated
        for flags in (0, 8, 16):
            write("metadata", bytes([slot + flags]) + data)


def canonical_seeds(fixtures: Path) -> None:
    corpus = json.loads((FUZZ / "data" / "securesystemslib_canonical.json").read_text())
    for section in ("pairs", "refused", "deviations"):
        for entry in corpus[section]:
            write("canonical_json", entry["input"].encode("utf-8", "surrogatepass"))
    for path, data in metadata_files(fixtures):
        if "attacks/1/" in str(path) or "delegations/1/" in str(path):
            write("canonical_json", data)


def pattern_seeds(fixtures: Path) -> None:
    pairs = {
        ("r1/*", "r1/a.txt"), ("*", ""), ("a/*/*", "a/b/c"), ("[!a-c]*", "d1"),
        ("[]]", "]"), ("[!]]", "x"), ("[x", "[x"), ("*é?", "ééé"), ("a**b", "axxb"),
        ("[a-c-e]", "-"), ("[c-a]", "b"), ("[!c-a]", "b"), ("[--a]", "-"),
        ("*a" * 50 + "b", "a" * 100), ("f?le/[0-9]*.txt", "file/7x.txt"),
    }
    for _, data in metadata_files(fixtures):
        try:
            signed = json.loads(data)["signed"]
        except (ValueError, KeyError, TypeError):
            continue
        if signed.get("_type") != "targets":
            continue
        names = list(signed.get("targets", {}))[:10]
        roles = (signed.get("delegations") or {}).get("roles") or []
        for role in roles[:10]:
            for pattern in role.get("paths") or []:
                for name in names or ["x"]:
                    pairs.add((pattern, name))
    for pattern, target in sorted(pairs):
        write("path_pattern", f"{pattern}\0{target}".encode())


def step_serve(name: str, data: bytes, resign: bool = False) -> bytes:
    return bytes([1 if resign else 0, REFRESH_SLOT[name]]) + struct.pack("<H", len(data)) + data


REFRESH, LOOKUP = bytes([2]), lambda i: bytes([3, i])


def refresh_seeds(fixtures: Path) -> None:
    base_dir = fixtures / "attacks" / "1" / "metadata"
    base = {p.name: p.read_bytes() for p in base_dir.iterdir()}
    write("refresh", REFRESH + LOOKUP(2) + REFRESH)
    for state in sorted((fixtures / "attacks").iterdir()):
        meta = state / "metadata"
        steps = REFRESH + LOOKUP(2)
        for p in sorted(meta.iterdir()):
            data = p.read_bytes()
            if p.name in REFRESH_SLOT and base.get(p.name) != data and len(data) < 65536:
                steps += step_serve(p.name, data)
        write("refresh", steps + REFRESH + LOOKUP(2) + LOOKUP(0))
    # New releases through re-signing: each role at version 3.
    for name in ("timestamp.json", "snapshot.json", "targets.json", "role1.json"):
        doc = json.loads(base[name])
        doc["signed"]["version"] = 3
        data = json.dumps(doc).encode()
        write("refresh", REFRESH + step_serve(name, data, resign=True) + REFRESH + LOOKUP(2))
    root = json.loads(base["1.root.json"])
    root["signed"]["version"] = 2
    write("refresh", step_serve("2.root.json", json.dumps(root).encode(), resign=True) + REFRESH)


def main() -> int:
    root = FUZZ.parent
    fixtures = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "target" / "fixtures"
    if not (fixtures / "VERSION").exists():
        print(f"no fixtures at {fixtures}: run scripts/test first", file=sys.stderr)
        return 1
    metadata_seeds(fixtures)
    canonical_seeds(fixtures)
    pattern_seeds(fixtures)
    refresh_seeds(fixtures)
    for target in sorted(OUT.iterdir()):
        print(f"{target.name}: {len(list(target.iterdir()))} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
