"""Backups of a data directory a running server holds open: the CLI asks, the server writes.

DuckDB lets one process open the data directory, so while a server runs ``plateledger backup``
cannot take the copy itself: it drops a request file the server's :class:`BackupRequests`
picks up and answers (see :mod:`plateledger.backup.archive` for what a backup holds).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

from plateledger.backup.archive import BackupReport, Backups
from plateledger.errors import DataDirInUseError, PlateledgerError, StoreError

log = logging.getLogger(__name__)

REQUESTS_DIR = "backup-requests"
PICKUP_TIMEOUT_S = 15.0


class BackupRequests:
    """The server's side of ``plateledger backup`` while it holds the data directory: the CLI
    drops ``<id>.request.json`` into ``<data>/backup-requests/`` (0700: only the operator who
    can write the data directory can ask), the server writes the backup and ``<id>.done.json``.
    No network endpoint: a backup holds every agency's data."""

    def __init__(self, *, backups: Backups, data_dir: Path, poll_s: float = 0.5) -> None:
        self._backups, self.poll_s = backups, poll_s
        self.directory = Path(data_dir) / REQUESTS_DIR
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
            report = self._backups.create(out, include_keys=bool(spec["include_keys"]))
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
