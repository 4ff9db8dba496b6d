"""Restore a backup (see :mod:`plateledger.backup.archive`) into a new, empty data directory.

Every member is checked against the manifest's SHA-256 and size while it is written; then the
audit log is checked on its own terms: every checkpoint's signature under the log's public key,
every record's CRC and leaf hash, and the Merkle root of the entries against the signed
checkpoint the backup ends at. Any failure removes what was written and names the member or
entry at fault. The restored directory is private (0700, files 0600).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from plateledger.audit.checkpoint import Signer
from plateledger.audit.keys import KeyRing, load_rotations
from plateledger.audit.merkle import EMPTY_ROOT, VerificationError, node_hash
from plateledger.audit.records import U32, decode_record
from plateledger.audit.seal import leaf_of
from plateledger.backup.archive import (
    CHUNK,
    DB_MEMBER,
    ENTRIES,
    SIGNING_KEY,
    UI_SECRET,
    UI_SECRET_FILE,
    iter_members,
    read_manifest,
)
from plateledger.errors import ConflictError, PlateledgerError, ValidationError
from plateledger.store.duckdb_store import DB_FILE

# archive member -> path in the data directory
PLACES = {DB_MEMBER: DB_FILE, SIGNING_KEY: "audit/signing.key", UI_SECRET: UI_SECRET_FILE}


@dataclass(frozen=True, slots=True)
class RestoreReport:
    data: str
    audit_size: int
    root: str
    checkpoint: str
    files: int

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data, "audit_size": self.audit_size, "root": self.root,
                "checkpoint": self.checkpoint, "files": self.files}  # fmt: skip


def restore_backup(archive: Path, target: Path, signing_key: Path | None = None) -> RestoreReport:
    """Restore ``archive`` into ``target`` (absent or empty); see the module doc."""
    archive, target = Path(archive), Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConflictError(f"--data: {target} is not empty; restore needs a new directory",
                            {"field": "data"})  # fmt: skip
    manifest = read_manifest(archive)
    if not manifest.get("includes_keys") and signing_key is None:
        raise ValidationError(
            f"{archive}: the backup holds no signing key (taken without --include-keys): give "
            "--signing-key FILE, your separately kept copy of <data>/audit/signing.key",
            {"field": "signing_key"},
        )
    created = not target.exists()
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        files = _extract(archive, manifest, target)
        if signing_key is not None:
            _place(signing_key.read_bytes(), target / PLACES[SIGNING_KEY])
        _check_key(target / PLACES[SIGNING_KEY], manifest)
        size, root = _verify_audit(target, manifest)
        _tighten(target)
    except (PlateledgerError, OSError) as exc:
        _clear(target, remove=created)
        if isinstance(exc, OSError):
            raise ValidationError(f"restore failed: {exc}", {"file": str(archive)}) from None
        raise
    return RestoreReport(str(target), size, root.hex(), manifest["audit"]["checkpoint"], files)


def _extract(archive: Path, manifest: dict[str, Any], target: Path) -> int:
    expected: dict[str, dict[str, Any]] = manifest.get("files", {})
    seen: set[str] = set()
    for name, stream in iter_members(archive):
        want = expected.get(name)
        if want is None or name in seen:
            raise ValidationError(f"{archive}: member {name!r} is not in the manifest",
                                  {"member": name})  # fmt: skip
        path = target / PLACES.get(name, name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        sha, written = hashlib.sha256(), 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                sha.update(chunk)
                out.write(chunk)
                written += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if sha.hexdigest() != want.get("sha256") or written != want.get("bytes"):
            raise ValidationError(
                f"{archive}: member {name!r} does not match the manifest (SHA-256 "
                f"{sha.hexdigest()[:16]}…, expected {str(want.get('sha256'))[:16]}…)",
                {"member": name},
            )
        seen.add(name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise ValidationError(f"{archive}: missing members: {', '.join(missing)}",
                              {"missing": missing})  # fmt: skip
    return len(seen)


def _place(data: bytes, path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _check_key(path: Path, manifest: dict[str, Any]) -> None:
    try:
        line = Signer.load(path).public_key_line()
    except (ValueError, OSError) as exc:
        raise ValidationError(f"signing key: {exc}", {"field": "signing_key"}) from None
    if line != manifest["audit"]["public_key"]:
        raise ValidationError(
            "signing key: not this log's key (its public key differs from the backup's)",
            {"field": "signing_key"},
        )


def _verify_audit(target: Path, manifest: dict[str, Any]) -> tuple[int, bytes]:
    """Signatures of every checkpoint, then the entries' root against the last one."""
    audit = manifest["audit"]
    try:
        ring = KeyRing.from_history(audit["public_key"], load_rotations(target / "audit"))
        last = ring.open(audit["checkpoint"])
        for line in (target / "audit" / "checkpoints.jsonl").read_bytes().splitlines():
            ring.open(str(orjson.loads(line)["note"]))
    except VerificationError as exc:
        raise ValidationError(f"audit checkpoints: {exc.message}", {"member": "audit"}) from None
    root = _entries_root(target / ENTRIES, last.size)
    if root != last.root:
        raise ValidationError(
            f"audit entries: root {root.hex()[:16]}… is not the signed root "
            f"{last.root.hex()[:16]}… at tree size {last.size}",
            {"member": ENTRIES},
        )
    return last.size, root


def _entries_root(path: Path, size: int) -> bytes:
    """RFC 6962 root of the records in ``entries.bin`` (CRC- and hash-checked), streaming:
    a stack of complete subtrees, merged as they fill, folded right to left at the end."""
    stack: list[tuple[int, bytes]] = []  # (number of leaves, hash)
    count = offset = 0
    with path.open("rb") as f:
        while head := f.read(4):
            length = U32.unpack(head)[0] if len(head) == 4 else -1
            body = f.read(length + 36) if length >= 0 else b""
            data, digest = decode_record(head + body, count, offset)
            if leaf_of(data) != digest:
                raise ValidationError(f"audit entry {count}: leaf hash mismatch",
                                      {"member": ENTRIES, "index": count})  # fmt: skip
            node = (1, digest)
            while stack and stack[-1][0] == node[0]:
                left = stack.pop()
                node = (left[0] * 2, node_hash(left[1], node[1]))
            stack.append(node)
            count, offset = count + 1, offset + len(head) + len(body)
    if count != size:
        raise ValidationError(f"audit entries: {count} entries, the checkpoint covers {size}",
                              {"member": ENTRIES})  # fmt: skip
    if not stack:
        return EMPTY_ROOT
    root = stack[-1][1]
    for _, subtree in reversed(stack[:-1]):
        root = node_hash(subtree, root)
    return root


def _tighten(target: Path) -> None:
    os.chmod(target, 0o700)
    for dirpath, dirnames, filenames in os.walk(target):
        for name in dirnames:
            os.chmod(Path(dirpath) / name, 0o700)
        for name in filenames:
            os.chmod(Path(dirpath) / name, 0o600)


def _clear(target: Path, *, remove: bool) -> None:
    if remove:
        shutil.rmtree(target, ignore_errors=True)
        return
    for child in target.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
