#!/usr/bin/env python3
"""Writes fuzz/data/securesystemslib_canonical.json: JSON documents and the
canonical bytes securesystemslib's encode_canonical makes of them (what
python-tuf signs), for core/tests/canonical_corpus.rs to check exactly and
for the canonical_json fuzz target's seed corpus.

Run with the project's virtualenv (it has securesystemslib):
    target/pyenv/bin/python fuzz/corpus-gen/securesystemslib_corpus.py

Deterministic: the same securesystemslib writes the same file.

- "pairs": input JSON text -> canonical text. Inputs are random documents
  (tricky strings: quotes, backslashes, control characters, non-ASCII,
  astral characters, keys that sort differently by code point than by
  escaped form; integers at the i64/u64 edges) written by json.dumps in
  several styles (compact, indented, odd whitespace, \\u escapes, unsorted
  keys), hand-written edge cases, and one metadata file of each role from
  the python-tuf fixtures when they are present.
- "refused": inputs encode_canonical refuses (floats); tuf-core must too.
- "deviations": inputs securesystemslib accepts and tuf-core refuses on
  purpose (see core/src/json.rs): duplicate keys, integers outside
  i64/u64, lone surrogates.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import securesystemslib
from securesystemslib.exceptions import FormatError
from securesystemslib.formats import encode_canonical

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE.parent / "data" / "securesystemslib_canonical.json"

ALPHABET = (
    ["a", "b", "A", "Z", "_", "0", "9", " ", "/", "-", ".", "~"]
    + ['"', "\\", "\\\\", '\\"']
    + [chr(c) for c in (0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x7F)]
    + ["é", "ß", "€", "\u2028", "\u00a0", "\ufeff", "\uffff", "😀", "𝄞"]
)
INTS = [0, 1, -1, 7, 255, 2**31, -(2**31), 2**53 + 1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1]


def rand_string(rng: random.Random, max_len: int = 8) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, max_len)))


def rand_value(rng: random.Random, depth: int = 0):
    kind = rng.randint(0, 9 if depth < 4 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind in (2, 3):
        return rng.choice(INTS) if rng.random() < 0.5 else rng.randint(-(10**6), 10**6)
    if kind in (4, 5):
        return rand_string(rng)
    if kind in (6, 7):
        return [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rand_string(rng, 4): rand_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def shuffled(value, rng: random.Random):
    """The same value with object members in a random order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


STYLES = [
    dict(separators=(",", ":"), ensure_ascii=False),
    dict(indent=1, sort_keys=True, ensure_ascii=False),
    dict(indent=4, ensure_ascii=True),
    dict(separators=(" ,\n\t", " :\r\n "), ensure_ascii=True),
    dict(indent="\t", ensure_ascii=False),
]

HAND_WRITTEN = [
    "{}",
    "[]",
    '""',
    "0",
    "-0",
    "18446744073709551615",
    "-9223372036854775808",
    " \t\r\n[ 1 , 2 ]\n",
    '"\\/"',
    '"\\b\\f\\n\\r\\t"',
    '"\\u0000\\u001f\\u007f"',
    '"\\ud83d\\ude00"',
    '"\\uD834\\uDD1E"',
    '{"b":1,"a":2,"":3,"aa":4,"a\\u0000":5}',
    '{"\\u00e9":1,"e":2,"\\u0301":3,"\\ud83d\\ude00":4,"\\uffff":5}',
    '{"\\\\":1,"\\"":2,"]":3,"[":4}',
    '{"z":{"y":{"x":[{"b":null,"a":true}]}}}',
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    '{"signed":{"_type":"timestamp","version":1},"signatures":[]}',
]

REFUSED = ["1.5", "-0.0", "1e3", "1E-2", "[0.1]", '{"a":2.5}', "6.02e23"]

DEVIATIONS = [
    ('{"a":1,"a":2}', "duplicate object key"),
    ('[{"k":1,"\\u006b":2}]', "duplicate object key (escaped)"),
    ("18446744073709551616", "integer above u64"),
    ("-9223372036854775809", "integer below i64"),
    ("1" + "0" * 40, "integer above u64"),
    ('"\\ud800"', "lone surrogate"),
    ('"\\udc00"', "lone surrogate"),
]


def fixture_inputs() -> list[tuple[str, str]]:
    """One metadata file of each role of a few fixture repositories."""
    base = ROOT / "target" / "fixtures"
    picks = [
        "attacks/1/metadata/1.root.json",
        "attacks/1/metadata/timestamp.json",
        "attacks/1/metadata/snapshot.json",
        "attacks/1/metadata/targets.json",
        "attacks/1/metadata/role1.json",
        "mixed/1/metadata/1.root.json",
        "legacy-keyids/1/metadata/1.root.json",
        "delegations/1/metadata/a.json",
        "succinct/1/metadata/targets.json",
        "consistent/1/metadata/1.nested%2Frole.json",
    ]
    out = []
    for rel in picks:
        path = base / rel
        if path.exists():
            out.append((f"fixture {rel}", path.read_text(encoding="utf-8")))
    return out


def main() -> int:
    rng = random.Random(20250101)
    pairs = []
    seen = set()

    def add(name: str, text: str) -> None:
        if text in seen:
            return
        seen.add(text)
        value = json.loads(text)
        pairs.append({"name": name, "input": text, "canonical": encode_canonical(value)})

    for i, text in enumerate(HAND_WRITTEN):
        add(f"hand-written {i}", text)
    for name, text in fixture_inputs():
        add(name, text)
    for i in range(400):
        value = rand_value(rng)
        style = STYLES[i % len(STYLES)]
        add(f"random {i} style {i % len(STYLES)}", json.dumps(shuffled(value, rng), **style))

    refused = []
    for text in REFUSED:
        try:
            encode_canonical(json.loads(text))
        except FormatError:
            refused.append({"input": text, "why": "securesystemslib refuses floats"})
        else:
            raise SystemExit(f"securesystemslib accepted {text!r}")

    deviations = []
    for text, why in DEVIATIONS:
        canonical = encode_canonical(json.loads(text))  # accepted by securesystemslib
        deviations.append({"input": text, "why": why, "securesystemslib": canonical.encode("utf-8", "surrogatepass").decode("utf-8", "replace")})

    doc = {
        "about": "written by fuzz/corpus-gen/securesystemslib_corpus.py; do not edit",
        "securesystemslib": securesystemslib.__version__,
        "pairs": pairs,
        "refused": refused,
        "deviations": deviations,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=True) + "\n", encoding="ascii")
    print(f"{OUT.relative_to(ROOT)}: {len(pairs)} pairs, {len(refused)} refused, {len(deviations)} deviations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
