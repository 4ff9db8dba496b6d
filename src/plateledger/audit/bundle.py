"""Audit bundles on disk: everything a verifier needs, with no server.

A bundle is a directory:

    manifest.json      origin, profile, entry count, created_at, verification
    public-key.txt     the log's verifier key line
    entries.jsonl      the entries, one per line, in index order: canonical (``internal``) or
                       redacted (``records-request``, ``public``; see ``redaction``)
    leaf_hashes.txt    redacted profiles only: the hex leaf hash of each ORIGINAL entry
    checkpoints.json   every signed checkpoint issued up to the export (the last covers all)
    consistency.jsonl  a consistency proof between each pair of consecutive checkpoints
    inclusion.jsonl    an inclusion proof of every entry under the last checkpoint

A redacted bundle is verified from ``leaf_hashes.txt``: every proof and signature is checked,
but the redacted entries can be checked only for their count — not their content, nor that
line i is the redaction of entry i. Leaf hashes are unsalted hashes of the full entries, so
whoever holds a redacted entry can test a guessed original (a plate, say) against its hash.
"""

from __future__ import annotations

import dataclasses
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
    verify_bundle_hashes,
    verify_history,
)
from plateledger.audit.checkpoint import Checkpoint, Verifier, open_note
from plateledger.audit.log import AuditLog
from plateledger.audit.merkle import VerificationError, leaf_hash
from plateledger.audit.redaction import PROFILES, check_profile, new_salt, redact
from plateledger.errors import ValidationError

__all__ = ["PROFILES", "checkpoint_of", "export_bundle", "verify_directory"]

HASH_ONLY_NOTE = (
    "redacted entries: the tree, proofs and signatures verify from leaf_hashes.txt (hashes of "
    "the original entries); the redacted entries can be checked only for their count"
)
VERIFICATION = {
    "internal": "entries",
    "records-request": HASH_ONLY_NOTE,
    "public": "checkpoints only: signatures, one history linked by consistency proofs, and the "
    "entry count; no hash of an unredacted entry is published (it would let anyone test "
    "guessed plates), so entries are not tied to the tree",
}


def export_bundle(audit: AuditLog, out: Path, profile: str = "internal") -> int:
    """Write a bundle of every entry under the latest checkpoint; the number of entries."""
    check_profile(profile)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    out.chmod(0o700)  # private before anything is written into it (entries hold plates)
    audit.checkpoint()  # the last checkpoint covers every entry exported
    history = _increasing(audit.checkpoints())
    size = history[-1][0]
    (out / "public-key.txt").write_text(audit.public_key() + "\n")
    _write_entries(audit, out, size, profile)
    (out / "checkpoints.json").write_bytes(orjson.dumps([note for _, note in history]))
    with (out / "consistency.jsonl").open("wb") as fh:
        for (old, _), (new, _) in zip(history, history[1:], strict=False):
            fh.write(_row({"old_size": old, "new_size": new,
                           "hashes": audit.consistency(old, new)}))  # fmt: skip
    (out / "inclusion.jsonl").unlink(missing_ok=True)
    if profile != "public":  # public bundles carry nothing that lets anyone test guesses
        with (out / "inclusion.jsonl").open("wb") as fh:
            for i in range(size):
                fh.write(_row({"index": i, "tree_size": size,
                               "hashes": audit.inclusion(i, size)}))  # fmt: skip
    manifest = {"origin": audit.origin, "profile": profile, "entries": size,
                "created_at": datetime.now(UTC).isoformat(),
                "verification": VERIFICATION[profile]}  # fmt: skip
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    for path in out.iterdir():
        if path.is_file():
            path.chmod(0o600)
    return size


def _write_entries(audit: AuditLog, out: Path, size: int, profile: str) -> None:
    """entries.jsonl (canonical or redacted) and, when redacted, leaf_hashes.txt."""
    if profile == "internal":
        (out / "leaf_hashes.txt").unlink(missing_ok=True)  # from an earlier redacted export
        with (out / "entries.jsonl").open("wb") as fh:
            for i in range(size):
                fh.write(audit.entry(i) + b"\n")
        return
    salt = new_salt()  # one per export: pseudonyms are unlinkable across exports
    (out / "leaf_hashes.txt").unlink(missing_ok=True)
    hashes = (out / "leaf_hashes.txt").open("w") if profile == "records-request" else None
    with (out / "entries.jsonl").open("wb") as fh:
        for i in range(size):
            data = audit.entry(i)
            fh.write(orjson.dumps(redact(orjson.loads(data), profile, salt),
                                  option=orjson.OPT_SORT_KEYS) + b"\n")  # fmt: skip
            if hashes is not None:
                hashes.write(leaf_hash(data).hex() + "\n")
    if hashes is not None:
        hashes.close()


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


def verify_directory(bundle: Path, *, pinned_key: str | None = None) -> BundleReport:
    """Verify a bundle directory; raises VerificationError naming the first failure. With
    ``pinned_key`` (a verifier key line the auditor already holds) the bundle's own
    ``public-key.txt`` must be that key: a history re-signed with another key fails."""
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
    if pinned_key is not None and vkey != pinned_key.strip():
        raise VerificationError(
            "public-key.txt", "is not the pinned key: the bundle is signed by another key"
        )
    if _profile(bundle) == "public":
        return verify_history(notes, consistency, vkey, len(entries))
    if not (bundle / "leaf_hashes.txt").exists():
        return verify_bundle(entries, notes, inclusion, consistency, vkey)
    leaves = _leaf_hashes(bundle / "leaf_hashes.txt")
    if len(leaves) != len(entries):
        raise VerificationError(
            "bundle", f"{len(entries)} entries but {len(leaves)} leaf hashes in leaf_hashes.txt"
        )
    report = verify_bundle_hashes(leaves, notes, inclusion, consistency, vkey)
    full = sum(leaf_hash(e) == h for e, h in zip(entries, leaves, strict=True))
    return dataclasses.replace(report, hash_only=len(entries) - full)


def _profile(bundle: Path) -> str:
    manifest = bundle / "manifest.json"
    if not manifest.exists():
        return "internal"
    return str(orjson.loads(manifest.read_bytes()).get("profile", "internal"))


def _leaf_hashes(path: Path) -> list[bytes]:
    """One hex leaf hash per line; a malformed line fails naming its entry."""
    out = []
    for i, line in enumerate(path.read_text().splitlines()):
        try:
            out.append(bytes.fromhex(line.strip()))
        except ValueError:
            raise VerificationError(f"leaf hash of entry {i}", "is not hex") from None
    return out


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
