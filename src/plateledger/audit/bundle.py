"""Audit bundles on disk: everything a verifier needs, with no server.

A bundle is a directory:

    manifest.json      origin, profile, entry count, created_at
    public-key.txt     the log's verifier key line
    entries.jsonl      the canonical entries, one per line, in index order
    checkpoints.json   every signed checkpoint issued up to the export (the last covers all)
    consistency.jsonl  a consistency proof between each pair of consecutive checkpoints
    inclusion.jsonl    an inclusion proof of every entry under the last checkpoint

Only the `internal` profile (everything, as logged) exists today: redacted profiles change the
entries, so they need leaf-hash-only verification, which is not built yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from plateledger.audit.bundle_verify import (
    BundleReport,
    ConsistencyProof,
    InclusionProof,
    verify_bundle,
)
from plateledger.audit.checkpoint import Checkpoint, Verifier, open_note
from plateledger.audit.log import AuditLog
from plateledger.errors import ValidationError

PROFILES = ("internal",)


def export_bundle(audit: AuditLog, out: Path, profile: str = "internal") -> int:
    if profile not in PROFILES:
        raise ValidationError(
            f"--profile: only {', '.join(PROFILES)} exports exist yet ({profile!r} asked)",
            {"field": "profile"},
        )
    out.mkdir(parents=True, exist_ok=True)
    audit.checkpoint()  # the last checkpoint covers every entry exported
    history = _increasing(audit.checkpoints())
    size = history[-1][0]
    (out / "public-key.txt").write_text(audit.public_key() + "\n")
    with (out / "entries.jsonl").open("wb") as fh:
        for i in range(size):
            fh.write(audit.entry(i) + b"\n")
    (out / "checkpoints.json").write_bytes(orjson.dumps([note for _, note in history]))
    with (out / "consistency.jsonl").open("wb") as fh:
        for (old, _), (new, _) in zip(history, history[1:], strict=False):
            fh.write(_row({"old_size": old, "new_size": new,
                           "hashes": audit.consistency(old, new)}))  # fmt: skip
    with (out / "inclusion.jsonl").open("wb") as fh:
        for i in range(size):
            fh.write(_row({"index": i, "tree_size": size, "hashes": audit.inclusion(i, size)}))
    manifest = {"origin": audit.origin, "profile": profile, "entries": size,
                "created_at": datetime.now(UTC).isoformat()}  # fmt: skip
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return size


def _increasing(history: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """One checkpoint per size (the first issued), in order of size."""
    seen: dict[int, str] = {}
    for size, note in history:
        seen.setdefault(size, note)
    return sorted(seen.items())


def _row(row: dict[str, object]) -> bytes:
    hashes = row.pop("hashes")
    assert isinstance(hashes, list)
    return orjson.dumps({**row, "hashes": [h.hex() for h in hashes]}) + b"\n"


def verify_directory(bundle: Path) -> BundleReport:
    """Verify a bundle directory; raises VerificationError naming the first failure."""
    missing = [n for n in ("public-key.txt", "entries.jsonl", "checkpoints.json")
               if not (bundle / n).exists()]  # fmt: skip
    if missing:
        raise ValidationError(f"{bundle}: not an audit bundle (missing {', '.join(missing)})")
    entries = (bundle / "entries.jsonl").read_bytes().splitlines()
    notes = orjson.loads((bundle / "checkpoints.json").read_bytes())
    inclusion = [InclusionProof(r["index"], r["tree_size"], _hashes(r))
                 for r in _rows(bundle / "inclusion.jsonl")]  # fmt: skip
    consistency = [ConsistencyProof(r["old_size"], r["new_size"], _hashes(r))
                   for r in _rows(bundle / "consistency.jsonl")]  # fmt: skip
    vkey = (bundle / "public-key.txt").read_text().strip()
    return verify_bundle(entries, notes, inclusion, consistency, vkey)


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    for line in path.read_bytes().splitlines():
        if line.strip():
            yield orjson.loads(line)


def _hashes(row: dict[str, Any]) -> list[bytes]:
    values = row["hashes"]
    assert isinstance(values, list)
    return [bytes.fromhex(str(h)) for h in values]


def checkpoint_of(note: str, vkey: str) -> Checkpoint:
    return open_note(note, Verifier.from_vkey(vkey))
