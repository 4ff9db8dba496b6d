"""Online, consistent backups of a data directory, and their verified restore.

A backup is one tar file (gzip-compressed when its name ends ``.gz``/``.tgz``)::

    manifest.json                 format, created_at, origin, the audit checkpoint it ends at,
                                  the public key, and the SHA-256 and size of every other member
    db/plateledger.duckdb         the store, copied in ONE DuckDB transaction (a snapshot:
                                  appends during the copy are not in it, none is half in it)
    audit/entries/entries.bin     the audit entries [0, N) byte for byte, N = the checkpoint's size
    audit/entries/index.bin
    audit/checkpoints.jsonl       every signed checkpoint up to N
    audit/public-key.txt          the log's verifier key
    audit/keys.jsonl              the key history (rotation notes), if the key was ever rotated
    crops/<2 hex>/<sha256>.jpg    the evidence crops (copied after the snapshot: every crop a read
                                  in it names is there; restored to the same place)
    keys/signing.key, keys/ui-secret   only with ``include_keys``

Order makes it consistent: the backup is audited first, then the store is snapshotted, then a
checkpoint is signed and the log copied up to it. So every search recorded in the snapshot has
its audit entry in the backup (the log is written before anything is read) — the log may hold
a few entries more than the snapshot, never fewer. The copy runs inside the process that holds
the data directory: the CLI when no server runs, the server (see
:class:`plateledger.backup.requests.BackupRequests`) when one does.

Without ``include_keys`` the private signing key and the UI secret stay out of the archive: a
stolen backup cannot forge checkpoints. Restoring it then needs the key from where the operator
keeps it (``--signing-key``); the restore refuses a key that is not the log's.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from plateledger.audit.log import AuditLog
from plateledger.audit.records import U64, encode_record
from plateledger.audit.sink import AuditSink
from plateledger.backup import tables
from plateledger.domain.clock import Clock, utc_now
from plateledger.errors import ValidationError
from plateledger.store.base import Sql
from plateledger.store.crops import CROPS_DIR, copy_crops
from plateledger.store.duckdb_store import DB_FILE

log = logging.getLogger(__name__)

FORMAT = "plateledger-backup/1"
MANIFEST = "manifest.json"
DB_MEMBER = f"db/{DB_FILE}"
ENTRIES, INDEX = "audit/entries/entries.bin", "audit/entries/index.bin"
CHECKPOINTS, PUBLIC_KEY = "audit/checkpoints.jsonl", "audit/public-key.txt"
KEY_HISTORY = "audit/keys.jsonl"
SIGNING_KEY, UI_SECRET = "keys/signing.key", "keys/ui-secret"
UI_SECRET_FILE = "ui-secret"  # plateledger.web.session.SECRET_FILE (a higher layer)
CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class BackupReport:
    out: str
    bytes: int
    audit_size: int
    checkpoint: str
    includes_keys: bool
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"out": self.out, "bytes": self.bytes, "audit_size": self.audit_size,
                "checkpoint": self.checkpoint, "includes_keys": self.includes_keys,
                "seconds": round(self.seconds, 3)}  # fmt: skip


class Backups:
    """Writes consistent backups of the data directory this process holds open."""

    def __init__(
        self,
        *,
        store: Sql,
        audit: AuditSink,
        audit_log: AuditLog,
        data_dir: Path,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit  # the backup itself is audited, before anything is copied
        self._log = audit_log  # the log that is checkpointed and copied
        self._data_dir = Path(data_dir)
        self._clock = clock

    def create(self, out: Path, *, include_keys: bool = False) -> BackupReport:
        """Write a consistent backup of the data directory to ``out`` (mode 0600)."""
        started = time.perf_counter()
        out = Path(out).absolute()
        if not out.parent.is_dir():
            raise ValidationError(f"--out: folder {out.parent} does not exist", {"field": "out"})
        self._audit("export", None, {"what": "backup", "include_keys": include_keys})
        with tempfile.TemporaryDirectory(prefix=".plateledger-backup-", dir=out.parent) as tmp:
            os.chmod(tmp, 0o700)
            stage = Path(tmp) / "stage"
            stage.mkdir()
            tables.copy_database(self._store, stage / DB_MEMBER)
            copy_crops(self._data_dir, stage / CROPS_DIR)  # written before their reads: all there
            size, note = self._snapshot_audit(stage)
            if include_keys:
                _copy_secret(self._log.directory / "signing.key", stage / SIGNING_KEY)
                _copy_secret(self._data_dir / UI_SECRET_FILE, stage / UI_SECRET)
            manifest = {
                "format": FORMAT,
                "created_at": self._clock().isoformat(),
                "origin": self._log.origin,
                "audit": {"size": size, "checkpoint": note, "public_key": self._log.public_key()},
                "includes_keys": include_keys,
                "files": {name: _digest(stage / name) for name in _members(stage)},
            }
            (stage / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
            partial = Path(tmp) / "archive.partial"
            _write_tar(stage, partial, gz=out.name.endswith((".gz", ".tgz")))
            os.replace(partial, out)
        log.info("backup written: %d audit entries, %d bytes", size, out.stat().st_size)
        return BackupReport(str(out), out.stat().st_size, size, note, include_keys,
                            time.perf_counter() - started)  # fmt: skip

    def _snapshot_audit(self, stage: Path) -> tuple[int, str]:
        """Sign a checkpoint now and copy the log up to it (later appends are not included)."""
        audit = self._log
        note = audit.checkpoint()
        size = audit.keyring().open(note).size
        (stage / ENTRIES).parent.mkdir(parents=True, exist_ok=True)
        with (stage / ENTRIES).open("wb") as entries, (stage / INDEX).open("wb") as index:
            offset = 0
            for _, data, _digest in audit.entries.iter_range(0, size):
                record = encode_record(data)
                entries.write(record)
                index.write(U64.pack(offset))
                offset += len(record)
        lines = [orjson.dumps({"size": s, "note": n}) + b"\n" for s, n in audit.checkpoints()
                 if s <= size]  # fmt: skip
        (stage / CHECKPOINTS).write_bytes(b"".join(lines))
        (stage / PUBLIC_KEY).write_text(audit.public_key() + "\n")
        if audit.rotations:
            rows = [orjson.dumps({"note": n}) + b"\n" for n in audit.rotations]
            (stage / KEY_HISTORY).write_bytes(b"".join(rows))
        return size, note


def _copy_secret(source: Path, target: Path) -> None:
    if source.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        os.chmod(target, 0o600)


def _members(stage: Path) -> list[str]:
    return sorted(
        str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file() and p.name != MANIFEST
    )


def _digest(path: Path) -> dict[str, object]:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
    return {"sha256": sha.hexdigest(), "bytes": path.stat().st_size}


def _write_tar(stage: Path, target: Path, *, gz: bool) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz" if gz else "w") as tar:
        for name in [MANIFEST, *_members(stage)]:  # the manifest first: restore reads it first
            info = tar.gettarinfo(str(stage / name), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o600
            with (stage / name).open("rb") as f:
                tar.addfile(info, f)
        raw.flush()
        os.fsync(raw.fileno())


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup file (first member), checked for format."""
    with _open_tar(archive) as tar:
        first = tar.next()
        if first is None or first.name != MANIFEST or not first.isfile():
            raise ValidationError(f"{archive}: not a plateledger backup (no manifest first)",
                                  {"file": str(archive)})  # fmt: skip
        handle = tar.extractfile(first)
        assert handle is not None
        try:
            manifest = orjson.loads(handle.read())
        except orjson.JSONDecodeError:
            raise ValidationError(f"{archive}: manifest.json is not JSON",
                                  {"file": str(archive)}) from None  # fmt: skip
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValidationError(f"{archive}: unknown backup format (want {FORMAT})",
                              {"file": str(archive)})  # fmt: skip
    return manifest


def _open_tar(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:*")
    except (OSError, tarfile.TarError) as exc:
        raise ValidationError(f"{archive}: cannot read the backup: {exc}",
                              {"file": str(archive)}) from None  # fmt: skip


def iter_members(archive: Path) -> Iterator[tuple[str, io.BufferedReader]]:
    """(name, stream) of every regular-file member after the manifest; anything else (links,
    devices, absolute or ``..`` paths) is refused naming the member."""
    with _open_tar(archive) as tar:
        try:
            for info in tar:
                if info.name == MANIFEST:
                    continue
                parts = Path(info.name).parts
                if not info.isfile() or info.name.startswith("/") or ".." in parts:
                    raise ValidationError(f"{archive}: refusing member {info.name!r}",
                                          {"file": str(archive), "member": info.name})  # fmt: skip
                stream = tar.extractfile(info)
                assert stream is not None
                yield info.name, stream  # type: ignore[misc]
        except (OSError, EOFError, tarfile.TarError) as exc:
            raise ValidationError(f"{archive}: damaged backup: {exc}",
                                  {"file": str(archive)}) from None  # fmt: skip
