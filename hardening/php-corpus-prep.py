#!/usr/bin/env python3
"""Prepares signed inputs for hardening/php-corpus.php (issue 5, item 5).

Usage (with target/pyenv/bin/python: needs securesystemslib and the fixture
keys of tests/fixtures/generate.py):

    php-corpus-prep.py OUTDIR [--corpus fuzz/corpus] [--fixtures target/fixtures]

The PHP harness runs on the raw corpus by itself; this adds depth, as the
`metadata` fuzz target does: fuzzed bytes that are a JSON metadata envelope
are re-signed with the key of the slot their selector byte picks (`attacks`
fixture keys), so the extension's TrustedMetadata gets past the signature
checks, into version, expiry and delegation handling, and findTarget()
returns TargetInfo objects built from fuzzed data.

Writes:
- OUTDIR/setup/loose-timestamp.json, loose-snapshot.json: the `attacks`
  state 1 timestamp and snapshot, listing versions only (no lengths and
  hashes) and re-signed, so fuzzed snapshot and targets bytes are parsed
  instead of stopping at the hash check;
- OUTDIR/signed/<corpus file name>: the re-signed body (selector byte
  removed) of each `metadata` corpus input that is a JSON envelope with a
  canonicalisable `signed` object;
- OUTDIR/manifest.jsonl: {"file", "slot", "source"} per signed input.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "fixtures"))

import generate as g  # noqa: E402
from securesystemslib.formats import encode_canonical  # noqa: E402

SLOTS = ["root", "timestamp", "snapshot", "targets", "role1"]


def key_for(slot: str) -> g.FixtureSigner:
    return g.ed25519_key("attacks/root-1" if slot == "root" else f"attacks/{slot}")


def resigned(doc: dict, slot: str) -> bytes | None:
    try:
        canonical = encode_canonical(doc["signed"]).encode("utf-8")
    except Exception:  # floats, lone surrogates: nothing to sign
        return None
    signer = key_for(slot)
    doc = dict(doc)
    doc["signatures"] = [{"keyid": signer.public_key.keyid, "sig": signer.sign(canonical).signature}]
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "fuzz" / "corpus")
    parser.add_argument("--fixtures", type=Path, default=HERE.parent / "target" / "fixtures")
    args = parser.parse_args(argv)
    out: Path = args.outdir
    shutil.rmtree(out, ignore_errors=True)
    (out / "setup").mkdir(parents=True)
    (out / "signed").mkdir()

    base = args.fixtures / "attacks" / "1" / "metadata"
    for role in ["timestamp", "snapshot"]:
        doc = json.loads((base / f"{role}.json").read_bytes())
        for meta in doc["signed"]["meta"].values():
            meta.pop("length", None)
            meta.pop("hashes", None)
        (out / "setup" / f"loose-{role}.json").write_bytes(resigned(doc, role))

    signed = 0
    with open(out / "manifest.jsonl", "w") as manifest:
        for path in sorted((args.corpus / "metadata").iterdir()):
            data = path.read_bytes()
            if len(data) < 2:
                continue
            slot = SLOTS[data[0] % 5]
            try:
                doc = json.loads(data[1:])
            except (ValueError, UnicodeDecodeError, RecursionError):
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("signed"), dict):
                continue
            body = resigned(doc, slot)
            if body is None:
                continue
            (out / "signed" / path.name).write_bytes(body)
            manifest.write(json.dumps({"file": f"signed/{path.name}", "slot": slot, "source": str(path)}) + "\n")
            signed += 1
    print(f"php-corpus-prep: {signed} re-signed metadata inputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
