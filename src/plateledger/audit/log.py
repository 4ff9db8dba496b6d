"""The audit log: durable entries, their Merkle tree, and signed checkpoints, in one directory.

    <data>/audit/entries/      EntryLog: canonical events, group-committed and fsync'd
    <data>/audit/hashes/       HashLevels: every complete-subtree hash, per level
    <data>/audit/signing.key   Ed25519 key created at init (mode 0600)
    <data>/audit/checkpoints.jsonl   every signed checkpoint ever issued (append-only)

An append returns once the entry is durable; its leaf hash joins the tree in the same commit.
A checkpointer thread signs a new checkpoint at most every second while the log grows, so an
acknowledged entry is covered by a published checkpoint within about a second.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import orjson

from plateledger.audit.checkpoint import Checkpoint, Signer
from plateledger.audit.events import AuditEvent, canonical_bytes
from plateledger.audit.hashstore import HashLevels
from plateledger.audit.merkle import consistency_proof, inclusion_proof
from plateledger.audit.store import EntryLog
from plateledger.errors import NotFoundError, ValidationError

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0


class AuditLog:
    def __init__(self, directory: Path, origin: str, *, background: bool = True) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.origin = origin
        self._lock = threading.Lock()
        self.entries = EntryLog(self.directory / "entries")
        self.hashes = HashLevels(self.directory / "hashes")
        self._catch_up()
        self.entries.on_commit = self._committed
        self.signer = _signer(self.directory / "signing.key", origin)
        self._checkpoints_path = self.directory / "checkpoints.jsonl"
        self._latest: tuple[int, str] | None = self._load_latest()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._loop, name="checkpointer", daemon=True)
            self._thread.start()

    # --- writing ---------------------------------------------------------------------------
    def append(self, event: AuditEvent) -> int:
        """Durably append one event; its index. Raises AuditWriteError if it cannot."""
        return self.entries.append(canonical_bytes(event))

    def _committed(self, start: int, end: int) -> None:
        with self._lock:
            if start != self.hashes.size:  # a missed callback: catch up from the entries
                start = self.hashes.size
            self.hashes.append_leaf_hashes([self.entries.leaf_hash(i) for i in range(start, end)])
            self.hashes.flush(fsync=False)  # derived data: rebuilt from entries after a crash

    def _catch_up(self) -> None:
        """After a crash the hash levels may trail (or, if entries were torn, lead) the log."""
        have, want = self.hashes.size, self.entries.size
        if have > want:
            self.hashes.truncate(want)
        elif have < want:
            self.hashes.append_leaf_hashes([self.entries.leaf_hash(i) for i in range(have, want)])
        self.hashes.flush(fsync=True)

    # --- checkpoints -----------------------------------------------------------------------
    def checkpoint(self) -> str:
        """The latest signed checkpoint, issuing one now if the log grew since."""
        with self._lock:
            size = self.hashes.size
            if self._latest is not None and self._latest[0] == size:
                return self._latest[1]
            self.hashes.flush(fsync=True)
            note = self.signer.sign(Checkpoint(self.origin, size, self.hashes.root(size)))
            _append_line(self._checkpoints_path, {"size": size, "note": note})
            self._latest = (size, note)
            return note

    def checkpoints(self) -> list[tuple[int, str]]:
        if not self._checkpoints_path.exists():
            return []
        lines = self._checkpoints_path.read_bytes().splitlines()
        out = []
        for line in lines:
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError:  # a torn last line after a crash: ignore it
                continue
            out.append((int(row["size"]), str(row["note"])))
        return out

    def _load_latest(self) -> tuple[int, str] | None:
        found = self.checkpoints()
        return found[-1] if found else None

    def _loop(self) -> None:
        while not self._stop.wait(CHECKPOINT_EVERY_S):
            try:
                self.checkpoint()
            except OSError:
                log.exception("checkpoint failed; retrying")

    # --- reading ---------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self.entries.size

    def entry(self, index: int) -> bytes:
        self._check_index(index, self.size)
        return self.entries.get(index)

    def inclusion(self, index: int, tree_size: int) -> list[bytes]:
        with self._lock:
            self._check_size(tree_size)
            self._check_index(index, tree_size)
            return inclusion_proof(index, tree_size, self.hashes.get_node)

    def consistency(self, first: int, second: int) -> list[bytes]:
        with self._lock:
            self._check_size(second)
            if not 0 <= first <= second:
                raise ValidationError("first: must be between 0 and second", {"field": "first"})
            return consistency_proof(first, second, self.hashes.get_node)

    def root(self, size: int) -> bytes:
        with self._lock:
            self._check_size(size)
            return self.hashes.root(size)

    def public_key(self) -> str:
        return self.signer.public_key_line()

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.hashes.size:
            raise ValidationError(
                f"tree_size: must be between 0 and {self.hashes.size}", {"field": "tree_size"}
            )

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if not 0 <= index < size:
            raise NotFoundError(f"no audit entry {index} (log size {size})")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.checkpoint()
        self.entries.close()
        self.hashes.close()


def _signer(path: Path, origin: str) -> Signer:
    if path.exists():
        return Signer.load(path)
    signer = Signer.generate(origin)
    signer.save(path)
    return signer


def _append_line(path: Path, row: dict[str, object]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, orjson.dumps(row) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def proof_hex(hashes: Sequence[bytes]) -> list[str]:
    return [h.hex() for h in hashes]
