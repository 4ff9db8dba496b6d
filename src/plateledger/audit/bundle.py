"""Audit bundles on disk: everything a verifier needs, with no server.

A bundle (format 2) is a directory:

    bundle.txt         the bundle statement, a note signed by the log's key: format, origin,
                       profile, entry count, root, export time and a hash of the user labels
    manifest.json      the same facts for people, with what verification covers (not trusted:
                       a verifier fails if it disagrees with bundle.txt)
    public-key.txt     the log's current verifier key line
    key-history.json   every key rotation note (signed by the old and the new key), oldest first
    entries.jsonl      one entry per line, in index order, under the bundle's profile: the logged
                       bytes (``internal``) or the canonical redacted view (``records-request``,
                       ``public``; see ``redaction``); ``public`` lines carry a per-export
                       pseudonym in ``user_id``
    seals.jsonl        per entry: the view's nonce and the other two views' commitments (see
                       ``seal``), from which the verifier recomputes the entry's Merkle leaf
    checkpoints.json   every signed checkpoint issued up to the export (the last covers all),
                       with any witness cosignatures the server holds
    consistency.jsonl  a consistency proof between each pair of consecutive checkpoints
    inclusion.jsonl    an inclusion proof of every entry under the last checkpoint

Every published line is tied to the signed tree, whatever the profile: an edited, dropped or
swapped entry fails. Nonces keep commitments from being tested against guessed plates. A
legacy entry (logged before sealing) is published in full in ``internal`` bundles and withheld
(leaf hash only) in redacted ones; the verifier reports how many.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from plateledger.audit.bundle_read import (
    BUNDLE_HEADER,
    LABEL_FIELD,
    checkpoint_of,
    labels_digest,
    verify_directory,
)
from plateledger.audit.checkpoint import Checkpoint, split_note
from plateledger.audit.log import AuditLog
from plateledger.audit.redaction import PROFILES, check_profile, new_salt, pseudonym
from plateledger.audit.seal import PSEUDONYM, canon, seal_proof, unseal

__all__ = ["PROFILES", "checkpoint_of", "export_bundle", "verify_directory"]

VERIFICATION = {
    "internal": "every entry, proof and signature",
    "records-request": "every redacted entry against the commitment the log made when it was "
    "written, every proof and signature; the unpublished views stay hidden behind nonces",
    "public": "every redacted entry against the commitment the log made when it was written, "
    "every proof and signature; user pseudonyms are per-export labels bound by bundle.txt",
}
STALE = ("leaf_hashes.txt",)  # written by format-1 exports into the same directory

Cosignatures = Callable[[int, bytes], list[str]]  # (size, root) -> cosignature lines


def export_bundle(
    audit: AuditLog,
    out: Path,
    profile: str = "internal",
    *,
    cosignatures: Cosignatures | None = None,
) -> int:
    """Write a bundle of every entry under the latest checkpoint; the number of entries.
    ``cosignatures(size, root)`` gives the witness cosignature lines held for a checkpoint."""
    check_profile(profile)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    out.chmod(0o700)  # private before anything is written into it (entries hold plates)
    audit.checkpoint()  # the last checkpoint covers every entry exported
    history = _increasing(audit.checkpoints())
    size = history[-1][0]
    (out / "public-key.txt").write_text(audit.public_key() + "\n")
    (out / "key-history.json").write_bytes(orjson.dumps(audit.rotations))
    labels = _write_entries(audit, out, size, profile)
    notes = [_with_cosignatures(n, (cosignatures or _none)(s, _root(n))) for s, n in history]
    (out / "checkpoints.json").write_bytes(orjson.dumps(notes))
    with (out / "consistency.jsonl").open("wb") as fh:
        for (old, _), (new, _) in zip(history, history[1:], strict=False):
            fh.write(_row({"old_size": old, "new_size": new,
                           "hashes": audit.consistency(old, new)}))  # fmt: skip
    with (out / "inclusion.jsonl").open("wb") as fh:
        for i in range(size):
            fh.write(_row({"index": i, "tree_size": size, "hashes": audit.inclusion(i, size)}))
    created = datetime.now(UTC).isoformat()
    root = Checkpoint(audit.origin, size, audit.root(size)).body().split("\n")[2]
    facts = {"format": "2", "origin": audit.origin, "profile": profile, "entries": str(size),
             "root": root, "created": created, LABEL_FIELD: labels_digest(labels)}  # fmt: skip
    text = BUNDLE_HEADER + "\n" + "".join(f"{k} {v}\n" for k, v in facts.items())
    (out / "bundle.txt").write_text(audit.signer.sign_text(text))
    manifest = {**facts, "entries": size, "verification": VERIFICATION[profile],
                "signed_statement": "bundle.txt"}  # fmt: skip
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    for name in STALE:
        (out / name).unlink(missing_ok=True)
    for path in out.iterdir():
        if path.is_file():
            path.chmod(0o600)
    return size


def _write_entries(audit: AuditLog, out: Path, size: int, profile: str) -> list[str]:
    """entries.jsonl and seals.jsonl; the per-entry user labels (pseudonyms) written."""
    salt = new_salt()  # one per export: pseudonyms are unlinkable across exports
    labels: list[str] = []
    with (out / "entries.jsonl").open("wb") as entries, (out / "seals.jsonl").open("wb") as seals:
        for i in range(size):
            record = audit.record(i)
            sealed = unseal(record)
            label = ""
            if sealed is None:  # legacy: its leaf is the hash of its bytes
                line, proof = _legacy(audit, i, record, profile)
            elif profile == "public":
                view = orjson.loads(sealed.views[profile])
                if view.get("user_id") == PSEUDONYM:
                    label = pseudonym(str(orjson.loads(sealed.data)["user_id"]), salt)
                    view["user_id"] = label
                line, proof = canon(view), seal_proof(sealed, profile)
            else:
                line, proof = sealed.views[profile], seal_proof(sealed, profile)
            entries.write(line + b"\n")
            seals.write(orjson.dumps(proof, option=orjson.OPT_SORT_KEYS) + b"\n")
            labels.append(label)
    return labels


def _legacy(
    audit: AuditLog, i: int, record: bytes, profile: str
) -> tuple[bytes, dict[str, Any] | None]:
    if profile == "internal":
        return record, {"legacy": "entry"}
    withheld = {"withheld": "logged before sealed views: its redacted content cannot be proven"}
    return orjson.dumps(withheld), {"legacy": "withheld", "leaf": audit.leaf(i).hex()}


def _with_cosignatures(note: str, lines: list[str]) -> str:
    """``note`` with witness cosignature lines appended (each once)."""
    extra = [line for line in lines if line and f"\n{line}\n" not in note]
    return note + "".join(line + "\n" for line in extra)


def _none(size: int, root: bytes) -> list[str]:
    del size, root
    return []


def _root(note: str) -> bytes:
    return Checkpoint.from_body(split_note(note)[0]).root


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
