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
    crops/<2 hex>/<sha256>.jpg    the evidence crops (copied after the snapshot: every crop a read
                                  in it names is there; restored to the same place)
    keys/signing.key, keys/ui-secret   only with ``include_keys``

Order makes it consistent: the backup is audited first, then the store is snapshotted, then a
checkpoint is signed and the log copied up to it. So every search recorded in the snapshot has
its audit entry in the backup (the log is written before anything is read) — the log may hold
a few entries more than the snapshot, never fewer. The copy runs inside the process that holds
the data directory: the CLI when no server runs, the server (see :class:`BackupRequests`) when
one does.

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
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson

from plateledger.app.platform import Platform
from plateledger.audit.bundle import checkpoint_of
from plateledger.audit.records import U64, encode_record
from plateledger.errors import DataDirInUseError, PlateledgerError, StoreError, ValidationError
from plateledger.store.crops import CROPS_DIR, copy_crops
from plateledger.store.duckdb_store import DB_FILE
from plateledger.store.writer import DB_ALIAS

log = logging.getLogger(__name__)

FORMAT = "plateledger-backup/1"
MANIFEST = "manifest.json"
DB_MEMBER = f"db/{DB_FILE}"
ENTRIES, INDEX = "audit/entries/entries.bin", "audit/entries/index.bin"
CHECKPOINTS, PUBLIC_KEY = "audit/checkpoints.jsonl", "audit/public-key.txt"
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


def create_backup(platform: Platform, out: Path, *, include_keys: bool = False) -> BackupReport:
    """Write a consistent backup of ``platform``'s data directory to ``out`` (mode 0600)."""
    started = time.perf_counter()
    out = Path(out).absolute()
    if not out.parent.is_dir():
        raise ValidationError(f"--out: folder {out.parent} does not exist", {"field": "out"})
    platform.log_event("export", None, {"what": "backup", "include_keys": include_keys})
    with tempfile.TemporaryDirectory(prefix=".plateledger-backup-", dir=out.parent) as tmp:
        os.chmod(tmp, 0o700)
        stage = Path(tmp) / "stage"
        stage.mkdir()
        _snapshot_store(platform, stage / DB_MEMBER)
        copy_crops(platform.data_dir, stage / CROPS_DIR)  # written before their reads: all there
        size, note = _snapshot_audit(platform, stage)
        if include_keys:
            _copy_secret(platform.audit.directory / "signing.key", stage / SIGNING_KEY)
            _copy_secret(platform.data_dir / UI_SECRET_FILE, stage / UI_SECRET)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "origin": platform.audit.origin,
            "audit": {"size": size, "checkpoint": note, "public_key": platform.audit.public_key()},
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


def _snapshot_store(platform: Platform, target: Path) -> None:
    """``COPY FROM DATABASE``: one statement, one transaction, one snapshot of every table."""
    target.parent.mkdir(parents=True, exist_ok=True)
    quoted = str(target).replace("'", "''")
    store = platform.store
    try:
        store.execute(f"ATTACH '{quoted}' AS backup_copy (ROW_GROUP_SIZE 8192)")
        try:
            store.execute(f"COPY FROM DATABASE {DB_ALIAS} TO backup_copy")
        finally:
            store.execute("DETACH backup_copy")
    except duckdb.Error as exc:
        raise StoreError(f"cannot copy the store: {exc}", {"path": str(target)}) from None
    os.chmod(target, 0o600)


def _snapshot_audit(platform: Platform, stage: Path) -> tuple[int, str]:
    """Sign a checkpoint now and copy the log up to it (later appends are not included)."""
    audit = platform.audit
    note = audit.checkpoint()
    size = checkpoint_of(note, audit.public_key()).size
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


# --- backups of a directory a server holds open ------------------------------------------------
REQUESTS_DIR = "backup-requests"
PICKUP_TIMEOUT_S = 15.0


class BackupRequests:
    """The server's side of ``plateledger backup`` while it holds the data directory: the CLI
    drops ``<id>.request.json`` into ``<data>/backup-requests/`` (0700: only the operator who
    can write the data directory can ask), the server writes the backup and ``<id>.done.json``.
    No network endpoint: a backup holds every agency's data."""

    def __init__(self, platform: Platform, poll_s: float = 0.5) -> None:
        self.platform, self.poll_s = platform, poll_s
        self.directory = platform.data_dir / REQUESTS_DIR
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="backup-requests", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.serve_pending()
            except OSError:
                log.exception("backup request handling failed")

    def serve_pending(self) -> int:
        """Serve every waiting request; the number served."""
        if not self.directory.is_dir():
            return 0
        info = self.directory.stat()
        if info.st_mode & 0o077 or info.st_uid != os.getuid():
            log.warning("ignoring %s: not private to this user (want mode 0700)", self.directory)
            return 0
        served = 0
        for request in sorted(self.directory.glob("*.request.json")):
            working = request.with_name(request.name.replace(".request.", ".working."))
            try:
                os.replace(request, working)  # claimed: the CLI knows a server is on it
            except FileNotFoundError:
                continue
            _write_private(working.with_name(working.name.replace(".working.", ".done.")),
                           orjson.dumps(self._serve(working)))  # fmt: skip
            working.unlink(missing_ok=True)
            served += 1
        return served

    def _serve(self, request: Path) -> dict[str, Any]:
        try:
            spec = orjson.loads(request.read_bytes())
            out = Path(str(spec["out"]))
            report = create_backup(self.platform, out, include_keys=bool(spec["include_keys"]))
        except PlateledgerError as exc:
            return {"ok": False, "code": exc.code, "message": exc.message}
        except (OSError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
            return {"ok": False, "code": "backup_failed", "message": f"{type(exc).__name__}: {exc}"}
        return {"ok": True, "report": report.to_dict()}


def request_backup(
    data_dir: Path, out: Path, *, include_keys: bool, timeout_s: float = 3600.0
) -> BackupReport:
    """Ask the server holding ``data_dir`` for a backup and wait for it."""
    directory = Path(data_dir) / REQUESTS_DIR
    directory.mkdir(mode=0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    name = uuid.uuid4().hex
    request = directory / f"{name}.request.json"
    staged = directory / f"{name}.tmp"
    _write_private(staged, orjson.dumps({"out": str(Path(out).absolute()),
                                        "include_keys": include_keys}))  # fmt: skip
    os.replace(staged, request)
    done = directory / f"{name}.done.json"
    started = time.monotonic()
    while not done.exists():
        waited = time.monotonic() - started
        if request.exists() and waited > PICKUP_TIMEOUT_S:
            request.unlink(missing_ok=True)
            raise DataDirInUseError(
                f"{data_dir} is in use, but no plateledger server answered the backup request "
                f"within {PICKUP_TIMEOUT_S:.0f} s (is the process holding it a server?)",
                {"path": str(data_dir)},
            )
        if waited > timeout_s:
            raise StoreError(f"backup not finished after {timeout_s:.0f} s", {"out": str(out)})
        time.sleep(0.2)
    result = orjson.loads(done.read_bytes())
    done.unlink(missing_ok=True)
    if not result.get("ok"):
        raise StoreError(f"the server could not write the backup: {result.get('message')}",
                         {"code": result.get("code")})  # fmt: skip
    report = result["report"]
    return BackupReport(**report)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
