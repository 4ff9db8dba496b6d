"""The audit log: durable entries, their Merkle tree, and signed checkpoints, in one directory.

    <data>/audit/entries/      EntryLog: canonical events, group-committed and fsync'd
    <data>/audit/hashes/       HashLevels: every complete-subtree hash, per level
    <data>/audit/signing.key   Ed25519 key created at init (mode 0600)
    <data>/audit/checkpoints.jsonl   every signed checkpoint ever issued (append-only)

An append returns once the entry is durable; its leaf hash joins the tree in the same commit.
A checkpointer thread signs a new checkpoint at most every second while the log grows, so an
acknowledged entry is covered by a published checkpoint within about a second.

No silent rollback: on open, the log must still hold every entry of the largest checkpoint it
ever signed, and its tree must have that checkpoint's root; otherwise it refuses to open
(:class:`AuditRollbackError`) and changes nothing. ``AuditLog.recover`` (``plateledger audit
recover``) opens it anyway, keeps the entries that are intact, and appends an
``audit_recovery`` entry naming what was lost, so the loss itself is signed and published.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import orjson

from plateledger.audit.checkpoint import Checkpoint, Signer, split_note
from plateledger.audit.events import AuditEvent, canonical_bytes
from plateledger.audit.hashstore import HashLevels
from plateledger.audit.keys import (
    KeyRing,
    Rotation,
    finish_rotation,
    load_rotations,
    parse_rotation,
    record_rotation,
    rotation_note,
)
from plateledger.audit.merkle import (
    consistency_proof,
    inclusion_proof,
    root_from_leaf_hashes,
)
from plateledger.audit.records import AuditRollbackError
from plateledger.audit.seal import Sealed, entry_bytes, leaf_of, seal, unseal
from plateledger.audit.store import EntryLog
from plateledger.domain.types import OPERATOR
from plateledger.errors import NotFoundError, ValidationError

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0


class AuditLog:
    def __init__(
        self, directory: Path, origin: str, *, background: bool = True,
        accept_loss: bool = False, verify_content: bool = True,
    ) -> None:  # fmt: skip
        """Open (or create) the log in ``directory``. ``accept_loss`` is for :meth:`recover`
        only: it opens a log that lost entries a signed checkpoint covers. ``verify_content``
        recomputes every entry's hash against the largest signed root (about 1.5 s per 200,000
        entries): the server does it on start; a short CLI command checks the sizes only."""
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.origin = origin
        self._lock = threading.Lock()
        self._checkpoints_path = self.directory / "checkpoints.jsonl"
        signed = self._largest_checkpoint()
        self.entries = EntryLog(
            self.directory / "entries", keep_at_least=0 if accept_loss else signed[0]
        )
        self.hashes = HashLevels(self.directory / "hashes")
        self._catch_up()
        finish_rotation(self.directory, self.directory / "signing.key")
        self.signer = _signer(self.directory / "signing.key", origin)
        self.rotations = load_rotations(self.directory)
        if not accept_loss:
            if verify_content:
                self._check_signed_root(signed)
            self._check_recoveries()
        self.entries.on_commit = self._committed
        # after a loss the latest note may be of the same size with the lost entries' root
        self._latest: tuple[int, str] | None = None if accept_loss else self._load_latest()
        self.lost: tuple[int, int] | None = None  # set by recover(): [held, checkpointed)
        if accept_loss and self.entries.size < signed[0]:
            self.lost = (self.entries.size, signed[0])
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._loop, name="checkpointer", daemon=True)
            self._thread.start()

    # --- writing ---------------------------------------------------------------------------
    def append(self, event: AuditEvent) -> int:
        """Durably append one event; its index. Raises AuditWriteError if it cannot."""
        sealed = seal(canonical_bytes(event))
        return self.entries.append(sealed.record(), sealed.leaf())

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
            return self._checkpoint_locked()

    def _checkpoint_locked(self) -> str:
        size = self.hashes.size
        if self._latest is not None and self._latest[0] == size:
            return self._latest[1]
        self.hashes.flush(fsync=True)
        note = self.signer.sign(Checkpoint(self.origin, size, self.hashes.root(size)))
        _append_line(self._checkpoints_path, {"size": size, "note": note})
        self._latest = (size, note)
        return note

    def keyring(self, pinned: str | None = None) -> KeyRing:
        """Every key this log has signed with, each for its sizes (see ``keys``)."""
        return KeyRing.from_history(self.public_key(), self.rotations, pinned)

    def rotate_key(self, component: str = "cli") -> Rotation:
        """Replace the signing key. A ``key_rotation`` entry is appended; the checkpoint that
        covers it is signed by the old key, then by the new one; the rotation note, signed by
        both, is recorded in ``keys.jsonl``; the new key signs from then on. A crash part way
        is finished or undone on the next open (``keys.finish_rotation``)."""
        new = Signer.generate(self.origin)
        subject = {"old_key": self.public_key(), "new_key": new.public_key_line()}
        self.append(AuditEvent(datetime.now(UTC), component, "key_rotation", OPERATOR.id,
                               OPERATOR.agency_id, "success", subject))  # fmt: skip
        key_file = self.directory / "signing.key"
        with self._lock:
            self._checkpoint_locked()  # the size covering the rotation entry, old key
            size = self.hashes.size
            note = rotation_note(self.origin, self.signer, new, size)
            new.save(key_file.with_name(key_file.name + ".next"))
            record_rotation(self.directory, note)
            finish_rotation(self.directory, key_file)
            self.signer, self.rotations = new, [*self.rotations, note]
            self._latest = None
            self._checkpoint_locked()  # the same size, new key
        return parse_rotation(note)

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

    def _largest_checkpoint(self) -> tuple[int, str | None]:
        """The size and note of the largest checkpoint signed since the last recorded recovery
        ((0, None): none). The history only shrinks at a recovery (see :meth:`recover`)."""
        rows = self.checkpoints()
        epoch = rows[self._epochs(rows)[-1] :] if rows else []
        return max(epoch, key=lambda c: c[0], default=(0, None))

    @staticmethod
    def _epochs(rows: Sequence[tuple[int, str]]) -> list[int]:
        """Indexes of ``rows`` where the checkpoint history starts again (a recovery), after 0:
        a size smaller than the largest before it, or the same size under another root (a
        recovery that lost one entry regrows to the same size with its own entry)."""
        starts, largest, largest_root = [0], 0, None
        for i, (size, note) in enumerate(rows):
            root = Checkpoint.from_body(split_note(note)[0]).root
            if largest_root is not None and (
                size < largest or (size == largest and root != largest_root)
            ):
                starts.append(i)
                largest = 0
            if largest_root is None or size >= largest:
                largest, largest_root = size, root
        return starts

    def _check_recoveries(self) -> None:
        """Every place the checkpoint history shrinks is explained by an ``audit_recovery``
        entry just before the new size, naming the size that was signed before it."""
        rows = self.checkpoints()
        starts = self._epochs(rows)
        for before, start in pairwise(starts):
            size, signed = rows[start][0], max(s for s, _ in rows[before:start])
            entry = orjson.loads(self.entry(size - 1)) if 0 < size <= self.size else {}
            subject = entry.get("subject", {})
            if (
                entry.get("event_type") != "audit_recovery"
                or subject.get("checkpoint_size") != signed
                or subject.get("lost_from") != size - 1
            ):
                raise AuditRollbackError(
                    "the checkpoint history shrinks without a recorded recovery", size, signed
                )

    def _check_signed_root(self, signed: tuple[int, str | None]) -> None:
        """The entries still hash to the root of the largest checkpoint signed: none was
        rewritten, whatever CRC or stored hash it carries. Each entry's leaf hash is computed
        from its bytes; the hash levels (derived data) are rebuilt if they disagree."""
        size, note = signed
        if note is None or size == 0:
            return
        want = self.keyring().open(note).root
        leaves = [leaf_of(data) for _, data, _ in self.entries.iter_range(0, size)]
        if root_from_leaf_hashes(leaves) != want:
            raise AuditRollbackError(
                "the entries no longer match the root of a checkpoint already signed",
                self.entries.size, size,
            )  # fmt: skip
        if self.hashes.root(size) != want:  # damaged derived data: rebuild it from the entries
            rest = (self.entries.leaf_hash(i) for i in range(size, self.entries.size))
            self.hashes.rebuild_from(itertools.chain(leaves, rest))

    @classmethod
    def recover(
        cls, directory: Path, origin: str, *, note: str, component: str = "cli"
    ) -> tuple[int, int] | None:
        """Open a damaged log, keep the intact entries and, if signed entries were lost,
        append an ``audit_recovery`` entry (user ``operator``) naming the lost range and sign
        a checkpoint. The range ``(first lost, checkpointed size)``, or ``None`` if none was."""
        audit = cls(directory, origin, background=False, accept_loss=True)
        try:
            if audit.lost is None:
                return None
            size, signed_note = audit._largest_checkpoint()
            assert signed_note is not None  # a loss is measured against a signed checkpoint
            root = audit.keyring().open(signed_note).root
            subject = {"lost_from": audit.lost[0], "checkpoint_size": size,
                       "checkpoint_root": root.hex(), "note": note}  # fmt: skip
            audit.append(
                AuditEvent(
                    datetime.now(UTC),
                    component,
                    "audit_recovery",
                    OPERATOR.id,
                    OPERATOR.agency_id,
                    "success",
                    subject,
                )  # fmt: skip
            )
            return audit.lost
        finally:
            audit.close()

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
        """The entry as logged (canonical JSON; its internal view)."""
        return entry_bytes(self.record(index))

    def record(self, index: int) -> bytes:
        """The stored record of entry ``index``: the entry and, if sealed, its seal."""
        self._check_index(index, self.size)
        return self.entries.get(index)

    def sealed(self, index: int) -> Sealed | None:
        """Entry ``index`` with its committed views, or ``None`` for a legacy entry."""
        return unseal(self.record(index))

    def leaf(self, index: int) -> bytes:
        """The Merkle leaf hash of entry ``index``."""
        self._check_index(index, self.size)
        return self.entries.leaf_hash(index)

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
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, orjson.dumps(row) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def proof_hex(hashes: Sequence[bytes]) -> list[str]:
    return [h.hex() for h in hashes]
