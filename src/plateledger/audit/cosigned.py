"""The server's side of witnessing: the witness keys it trusts and the cosignatures it received.

    <data>/audit/witnesses.txt       trusted witness vkeys, one per line (``#`` comments)
    <data>/audit/cosignatures.jsonl  every accepted cosignature (append-only, fsync'd): size,
                                     root, the log-signed note, witness, timestamp, line

A cosignature is accepted only if it is by a configured witness key and verifies over a
checkpoint note this server issued (looked up by size). Cosignatures are served attached to
their note; only those by witnesses still configured (removing a key withdraws its lines).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

from plateledger.audit.checkpoint import Checkpoint, split_note
from plateledger.audit.cosignature import (
    CosignerKey,
    add_cosignatures,
    parse_cosignature,
    verify_cosignature,
)
from plateledger.audit.merkle import VerificationError
from plateledger.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PlateledgerError,
    ValidationError,
)

log = logging.getLogger(__name__)

WITNESSES_FILE = "witnesses.txt"
COSIGNATURES_FILE = "cosignatures.jsonl"
MAX_CLOCK_SKEW_S = 600


class CosignatureRejected(PlateledgerError):
    """A submitted cosignature is malformed or does not verify over a checkpoint we issued."""

    code = "cosignature_rejected"
    status = 400


@dataclass(frozen=True)
class Received:
    """One accepted cosignature."""

    size: int
    root: str
    note: str
    witness: str
    timestamp: int
    line: str


class CosignatureStore:
    """Trusted witness keys and received cosignatures, in ``directory`` (the audit directory).

    ``checkpoints`` lists every ``(size, note)`` the log issued (``AuditLog.checkpoints``);
    ``latest`` returns the newest note (``AuditLog.checkpoint``), checked first on submission.
    """

    def __init__(
        self,
        directory: Path,
        *,
        checkpoints: Callable[[], Sequence[tuple[int, str]]],
        latest: Callable[[], str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._checkpoints = checkpoints
        self._latest = latest
        self._clock = clock
        self._lock = threading.Lock()
        self._records: list[Received] = []
        self._offset = 0
        self._issued: dict[int, list[str]] = {}
        self._indexed_upto = -1

    # --- witness keys ----------------------------------------------------------------------
    def witnesses(self) -> list[CosignerKey]:
        """The configured witness keys (an unreadable line is skipped with a warning)."""
        path = self.directory / WITNESSES_FILE
        if not path.exists():
            return []
        keys = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.lstrip().startswith("#"):
                try:
                    keys.append(CosignerKey.from_vkey(line))
                except VerificationError as exc:
                    log.warning("%s line %d skipped: %s", path, number, exc.message)
        return keys

    def add_witness(self, vkey: str) -> CosignerKey:
        """Trust a witness key (vkey form, type 0x04); one key per name."""
        try:
            key = CosignerKey.from_vkey(vkey)
        except VerificationError as exc:
            raise ValidationError(exc.message, {"field": "vkey"}) from None
        with self._witness_file() as keys:
            if any(k.name == key.name for k in keys):
                raise ConflictError(f"a witness named {key.name} is configured: remove it first")
            keys.append(key)
        return key

    def remove_witness(self, name: str) -> CosignerKey:
        """Stop trusting the witness ``name``: its cosignatures are no longer served."""
        with self._witness_file() as keys:
            found = next((k for k in keys if k.name == name), None)
            if found is None:
                raise NotFoundError(f"no witness named {name}")
            keys.remove(found)
        return found

    @contextmanager
    def _witness_file(self) -> Iterator[list[CosignerKey]]:
        """Read-modify-write of witnesses.txt under a lock, written atomically."""
        path = self.directory / WITNESSES_FILE
        fd = os.open(self.directory / (WITNESSES_FILE + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            keys = self.witnesses()
            yield keys
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text("".join(k.vkey() + "\n" for k in keys), encoding="utf-8")
            tmp.chmod(0o600)
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            os.close(fd)

    # --- receiving -------------------------------------------------------------------------
    def add(self, size: int, witness: str, line: str) -> tuple[Received, bool]:
        """Accept a cosignature line by a configured witness over our checkpoint of ``size``;
        the record and whether it is new. CosignatureRejected (400) when malformed or not over
        a checkpoint we issued; ForbiddenError (403) when not by a configured witness key."""
        try:
            parsed = parse_cosignature(line)
        except VerificationError as exc:
            raise CosignatureRejected(exc.message) from None
        label = f"{parsed.name}+{parsed.key_id.hex()}"
        if witness != label:
            raise CosignatureRejected(f"witness {witness!r} does not match the line's {label}")
        key = self._configured(parsed.name, parsed.key_id)
        note = self._issued_note(size, key, line)
        with self._lock:
            self._refresh()
            for known in self._records:
                if known.line == line and known.size == size:
                    return known, False
            root = Checkpoint.from_body(split_note(note)[0]).root.hex()
            record = Received(size, root, note, label, parsed.timestamp, line)
            self._append(record)
            return record, True

    def _configured(self, name: str, key_id: bytes) -> CosignerKey:
        keys = self.witnesses()
        key = next((k for k in keys if (k.name, k.key_id) == (name, key_id)), None)
        if key is not None:
            return key
        if any(k.name == name for k in keys):
            raise ForbiddenError(
                f"witness {name} is configured with another key; key id {key_id.hex()} is not it"
            )
        raise ForbiddenError(f"{name}+{key_id.hex()} is not a configured witness of this log")

    def _issued_note(self, size: int, key: CosignerKey, line: str) -> str:
        """The note of ``size`` we issued that ``line`` cosigns (after a recovery a size may
        have been issued twice, with different roots)."""
        notes = self.issued(size)
        if not notes:
            raise CosignatureRejected(f"this server never issued a checkpoint of size {size}")
        not_after = int(self._clock()) + MAX_CLOCK_SKEW_S
        reason = ""
        for note in reversed(notes):
            try:
                verify_cosignature(add_cosignatures(note, [line]), key, not_after=not_after)
            except VerificationError as exc:
                reason = exc.message
                continue
            return note
        raise CosignatureRejected(f"not a valid cosignature of our checkpoint {size}: {reason}")

    def issued(self, size: int) -> list[str]:
        """Every note of ``size`` this log issued, oldest first. The index is reread only for a
        size past what it covers and not past the newest note, so made-up sizes cost nothing."""
        newest = None
        if self._latest is not None:
            latest = self._latest()
            newest = Checkpoint.from_body(split_note(latest)[0]).size
            if newest == size:
                found = self._issued.get(size, [])
                return found if latest in found else [*found, latest]
        with self._lock:
            if size > self._indexed_upto and (newest is None or size <= newest):
                index: dict[int, list[str]] = {}
                for issued_size, note in self._checkpoints():
                    index.setdefault(issued_size, []).append(note)
                self._issued = index
                self._indexed_upto = max(index, default=-1)
            return list(self._issued.get(size, []))

    def _append(self, record: Received) -> None:
        path = self.directory / COSIGNATURES_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            end = os.lseek(fd, 0, os.SEEK_END)
            torn = end > 0 and os.pread(fd, 1, end - 1) != b"\n"  # a crash mid-append
            os.write(fd, (b"\n" if torn else b"") + orjson.dumps(record.__dict__) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        self._refresh()

    def _refresh(self) -> None:
        """Read records appended since the last read (a torn last line is left for later)."""
        path = self.directory / COSIGNATURES_FILE
        if not path.exists() or path.stat().st_size <= self._offset:
            return
        with path.open("rb") as fh:
            fh.seek(self._offset)
            data = fh.read()
        complete = data[: data.rfind(b"\n") + 1]
        for row in complete.splitlines():
            try:
                self._records.append(Received(**orjson.loads(row)))
            except (orjson.JSONDecodeError, TypeError):
                log.warning("%s: an unreadable line skipped (a torn write)", path)
        self._offset += len(complete)

    # --- serving ---------------------------------------------------------------------------
    def received(self) -> list[Received]:
        """Every accepted cosignature, by any witness ever configured, in arrival order."""
        with self._lock:
            self._refresh()
            return list(self._records)

    def cosignatures_for(self, size: int, root: bytes | None = None) -> list[str]:
        """The cosignature lines to attach to our checkpoint of ``size`` (of ``root``; default:
        the root last cosigned at that size): the latest by each configured witness."""
        configured = {k.label for k in self.witnesses()}
        rows = [r for r in self.received() if r.size == size and r.witness in configured]
        if not rows:
            return []
        want = root.hex() if root is not None else rows[-1].root
        latest: dict[str, Received] = {}
        for row in rows:
            if row.root == want and row.timestamp >= latest.get(row.witness, row).timestamp:
                latest[row.witness] = row
        return [latest[w].line for w in sorted(latest)]

    def cosigned_note(self, size: int) -> str:
        """Our latest note of ``size`` with its cosignatures attached (maybe none)."""
        notes = self.issued(size)
        if not notes:
            raise NotFoundError(f"no checkpoint of size {size} was issued")
        root = Checkpoint.from_body(split_note(notes[-1])[0]).root
        return add_cosignatures(notes[-1], self.cosignatures_for(size, root))

    def latest_cosigned(self) -> tuple[int, str] | None:
        """The largest checkpoint cosigned by a configured witness, with its cosignatures."""
        configured = {k.label for k in self.witnesses()}
        rows = [r for r in self.received() if r.witness in configured]
        if not rows:
            return None
        best = max(rows, key=lambda r: r.size)
        lines = self.cosignatures_for(best.size, bytes.fromhex(best.root))
        return best.size, add_cosignatures(best.note, lines)
