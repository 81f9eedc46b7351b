#!/usr/bin/env python3
"""Writes fuzz/data/python_tuf_path_patterns.json: (pattern, target,
verdict) triples decided by python-tuf itself
(DelegatedRole._is_target_in_pathpattern: same number of "/" segments,
each matched by fnmatch.fnmatchcase), for io/tests/hostile.rs to check
tuf_core::pattern::path_matches against, and for the path_pattern fuzz
target's seeds. Patterns are random over characters that matter to
fnmatch ("*", "?", "[", "]", "!", "-", "^", "\\", "/") and a few others,
so sets, negations, ranges (in order, reversed, chained) and unclosed
brackets all occur.

Run with the project's virtualenv (it has python-tuf):
    target/pyenv/bin/python fuzz/corpus-gen/fnmatch_corpus.py
"""

from __future__ import annotations

import json
import random
import sys
import warnings
from pathlib import Path

import tuf
from tuf.api.metadata import DelegatedRole

OUT = Path(__file__).resolve().parent.parent / "data" / "python_tuf_path_patterns.json"
PATTERN_CHARS = list("ab-![]*?^\\/") + ["c", "z", "0", "é", "\x01", ".", "&"]
TARGET_CHARS = list("ab-![]^\\/") + ["c", "x", "z", "0", "é", "\x01", ".", "&", "*", "?"]

HAND_WRITTEN = [
    ("r1/*", "r1/a.txt"), ("*", "a/b"), ("[c-a!x]", "b"), ("[c-a!x]", "x"),
    ("[a-[!x]", "y"), ("[z-a-c]", "-"), ("[a-b-c]", "-"), ("[--a]", "-"),
    ("[!]", "!"), ("[]-a]", "]"), ("[]", "[]"), ("[!c-a]", "q"), ("[c-a]", "b"),
]


def verdict(pattern: str, target: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "possible nested set" from re
        return DelegatedRole._is_target_in_pathpattern(target, pattern)


def main() -> int:
    rng = random.Random(7)
    cases = {}
    for pattern, target in HAND_WRITTEN:
        cases[(pattern, target)] = verdict(pattern, target)
    while len(cases) < 6000:
        pattern = "".join(rng.choice(PATTERN_CHARS) for _ in range(rng.randint(0, 9)))
        if rng.random() < 0.3:
            target = pattern
        else:
            target = "".join(rng.choice(TARGET_CHARS) for _ in range(rng.randint(0, 7)))
        cases[(pattern, target)] = verdict(pattern, target)
    rows = [[p, t, v] for (p, t), v in cases.items()]
    doc = {
        "about": "written by fuzz/corpus-gen/fnmatch_corpus.py; do not edit",
        "python-tuf": tuf.__version__,
        "python": sys.version.split()[0],
        "cases": rows,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=True, separators=(",", ":")) + "\n", encoding="ascii")
    matched = sum(v for _, _, v in rows)
    print(f"{OUT.name}: {len(rows)} cases, {matched} matching")
    return 0


if __name__ == "__main__":
    sys.exit(main())
