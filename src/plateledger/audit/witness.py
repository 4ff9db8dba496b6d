"""An independent witness of a plateledger audit log, run by another party (an oversight board,
a neighbouring agency), after transparency-dev/witness and C2SP tlog-witness.

It keeps, per log (by origin), the pinned log key and the latest checkpoint it cosigned, and
cosigns only a checkpoint that is signed by that key and is a consistent extension of it: never
a smaller tree (rollback), never another root for the same size (split view / fork). State::

    <state>/witness.key            the witness's cosigning key (mode 0600)
    <state>/logs/<origin>.json     pinned log vkey, last cosigned note and size (atomic writes)
    <state>/history.jsonl          every checkpoint it cosigned, with the time (append, fsync)
    <state>/evidence.jsonl         refused checkpoints that carry a valid log signature: proof
                                   of the log's misbehaviour (append, fsync)

A step (:func:`run_once`) fetches the server's latest checkpoint, checks it, records the new
state and history, then submits the cosignature to the server. A check and the update of the
state happen under an exclusive lock on the state directory, so two runs cannot interleave.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import orjson

from plateledger.audit.checkpoint import Checkpoint, Verifier, open_note, split_note
from plateledger.audit.cosignature import WitnessSigner, cosign
from plateledger.audit.keys import KeyRing, parse_rotation
from plateledger.audit.merkle import EMPTY_ROOT, VerificationError, verify_consistency
from plateledger.errors import ConflictError, PlateledgerError

KEY_FILE = "witness.key"
Refusal = Literal[
    "rollback", "fork", "inconsistent", "bad_signature", "key_changed", "unknown_log",
    "not_initialised", "unreachable", "server_refused",
]  # fmt: skip


class WitnessError(PlateledgerError):
    """The witness refused to cosign, or could not run; ``kind`` says which."""

    code = "witness_refused"
    status = 409

    def __init__(self, kind: Refusal, message: str) -> None:
        super().__init__(f"{kind}: {message}", {"kind": kind})
        self.kind = kind


class LogSource(Protocol):
    """Where a witness reads a log from and sends its cosignatures (see witness_client)."""

    base: str

    def checkpoint(self) -> str: ...
    def consistency(self, first: int, second: int) -> Sequence[bytes]: ...
    def rotations(self) -> list[str]: ...
    def submit(self, size: int, witness: str, line: str) -> None: ...


@dataclass(frozen=True)
class LogState:
    """What the witness holds for one log: its pinned key and the last checkpoint it cosigned."""

    origin: str
    log_key: str
    size: int
    note: str
    server: str


@dataclass(frozen=True)
class Cosigned:
    """One accepted checkpoint: its cosignature line, and the size cosigned before (None: the
    first contact with this log)."""

    checkpoint: Checkpoint
    line: str
    timestamp: int
    previous: int | None


def state_file_name(origin: str) -> str:
    """A file name for an origin: its safe characters and a hash (no two origins collide)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", origin)[:80]
    return f"{safe}-{hashlib.sha256(origin.encode()).hexdigest()[:12]}.json"


class Witness:
    """A witness's state directory (see the module docstring)."""

    def __init__(self, state_dir: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.state_dir = Path(state_dir)
        key = self.state_dir / KEY_FILE
        if not key.exists():
            raise WitnessError(
                "not_initialised", f"no {key}: run `plateledger audit witness init` first"
            )
        self.signer = WitnessSigner.load(key)
        self._clock = clock

    @classmethod
    def init(cls, state_dir: Path, name: str) -> Witness:
        """Create the state directory (0700) and a new witness key; refuses to replace one."""
        state_dir = Path(state_dir)
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = state_dir / KEY_FILE
        if key.exists():
            raise ConflictError(f"{key} exists: a witness keeps its key (its vkey is pinned)")
        WitnessSigner.generate(name).save(key)
        (state_dir / "logs").mkdir(mode=0o700, exist_ok=True)
        return cls(state_dir)

    # --- state -----------------------------------------------------------------------------
    def state(self, origin: str) -> LogState | None:
        path = self.state_dir / "logs" / state_file_name(origin)
        if not path.exists():
            return None
        row = orjson.loads(path.read_bytes())
        return LogState(row["origin"], row["log_key"], int(row["size"]), row["note"],
                        row["server"])  # fmt: skip

    def _save_state(self, state: LogState) -> None:
        logs = self.state_dir / "logs"
        logs.mkdir(mode=0o700, exist_ok=True)
        path = logs / state_file_name(state.origin)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, orjson.dumps(state.__dict__, option=orjson.OPT_INDENT_2))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(logs, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def history(self) -> list[dict[str, object]]:
        path = self.state_dir / "history.jsonl"
        if not path.exists():
            return []
        return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]

    def _append(self, name: str, row: dict[str, object]) -> None:
        fd = os.open(self.state_dir / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, orjson.dumps(row) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.state_dir / "lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # --- the check -------------------------------------------------------------------------
    def witness(
        self,
        note: str,
        *,
        consistency: Callable[[int, int], Sequence[bytes]],
        log_key: Verifier | None = None,
        server: str = "",
        rotations: Sequence[str] = (),
    ) -> Cosigned:
        """Check ``note`` against what this witness saw of its log; cosign and record it, or
        raise WitnessError (recording a validly signed conflicting note as evidence). With the
        log's key ``rotations`` (notes signed by the old and the new key), a note signed by a
        key the pinned key endorsed is accepted and that key pinned from then on."""
        with self._locked():
            key, state = self._pinned_key(note, log_key)
            if state is not None and rotations and not _signed_by(note, key):
                key = _rotated(key, rotations)
            try:
                checkpoint = open_note(note, key, origin=key.name)
            except VerificationError as exc:
                raise WitnessError("bad_signature", exc.message) from None
            try:
                previous = self._check_extension(checkpoint, state, consistency)
            except WitnessError as exc:
                if exc.kind not in {"rollback", "fork", "inconsistent"}:
                    raise
                self._append("evidence.jsonl", {"time": self._now(), "reason": exc.message,
                              "note": note, "cosigned": state.note if state else None})  # fmt: skip
                raise
            now = self._now()
            line = cosign(checkpoint, self.signer, now)
            self._append("history.jsonl", {
                "time": now, "origin": checkpoint.origin, "size": checkpoint.size,
                "root": checkpoint.root.hex(), "server": server, "cosignature": line,
            })  # fmt: skip
            self._save_state(LogState(checkpoint.origin, key.vkey(), checkpoint.size, note,
                                      server))  # fmt: skip
            return Cosigned(checkpoint, line, now, previous)

    def _now(self) -> int:
        return int(self._clock())

    def _pinned_key(self, note: str, given: Verifier | None) -> tuple[Verifier, LogState | None]:
        """The log key to check ``note`` with: the pinned one (a different ``given`` one is
        refused), else ``given`` on first contact."""
        text = note[: note.rfind("\n\n") + 1] if "\n\n" in note else note
        try:
            origin = Checkpoint.from_body(text).origin
        except VerificationError as exc:
            raise WitnessError("bad_signature", f"not a checkpoint note: {exc.message}") from None
        state = self.state(origin)
        if state is None:
            if given is None:
                raise WitnessError(
                    "unknown_log", f"first contact with log {origin!r}: give --log-key FILE"
                )
            return given, None
        pinned = Verifier.from_vkey(state.log_key)
        if given is not None and given != pinned:
            raise WitnessError(
                "key_changed",
                f"log {origin!r} is pinned to key {pinned.name}+{pinned.key_id.hex()}; refusing "
                f"the different key {given.name}+{given.key_id.hex()}",
            )
        return pinned, state

    @staticmethod
    def _check_extension(
        new: Checkpoint,
        state: LogState | None,
        consistency: Callable[[int, int], Sequence[bytes]],
    ) -> int | None:
        """The size cosigned before, if ``new`` consistently extends it; else WitnessError."""
        if new.size == 0 and new.root != EMPTY_ROOT:
            raise WitnessError("inconsistent", "a tree of size 0 must have the empty root")
        if state is None:
            return None
        old = Checkpoint.from_body(state.note[: state.note.rfind("\n\n") + 1])
        if new.size < old.size:
            raise WitnessError(
                "rollback",
                f"log {new.origin!r} now shows size {new.size}, smaller than size {old.size} "
                "this witness already cosigned",
            )
        if new.size == old.size:
            if new.root != old.root:
                raise WitnessError(
                    "fork",
                    f"log {new.origin!r} shows size {new.size} with root {new.root.hex()}, but "
                    f"this witness cosigned root {old.root.hex()} for that size (split view)",
                )
            return old.size
        try:
            proof = list(consistency(old.size, new.size))
            verify_consistency(old.size, new.size, old.root, new.root, proof)
        except VerificationError as exc:
            raise WitnessError(
                "inconsistent",
                f"size {new.size} is not an extension of cosigned size {old.size}: {exc.message}",
            ) from None
        return old.size


def _signed_by(note: str, key: Verifier) -> bool:
    try:
        _, signatures = split_note(note)
    except VerificationError:
        return False
    return any((s.name, s.key_id) == (key.name, key.key_id) for s in signatures)


def _rotated(pinned: Verifier, rotations: Sequence[str]) -> Verifier:
    """The log's current key, if the chain of ``rotations`` links it to ``pinned``."""
    try:
        current = parse_rotation(rotations[-1]).new
        return KeyRing.from_history(current.vkey(), rotations, pinned.vkey()).current
    except VerificationError as exc:
        raise WitnessError(
            "key_changed", f"the log's key history does not link its new key: {exc.message}"
        ) from None


@dataclass(frozen=True)
class Step:
    """The outcome of one :func:`run_once`."""

    cosigned: Cosigned
    submitted: bool
    error: str | None = None


def run_once(witness: Witness, log: LogSource, *, log_key: Verifier | None = None) -> Step:
    """One witness step against a server: fetch its checkpoint, check, cosign, record, submit.
    Refusals raise WitnessError; a cosignature recorded but not delivered is ``submitted=False``
    (the next run cosigns the same checkpoint again and resubmits)."""
    note = log.checkpoint()
    done = witness.witness(note, consistency=log.consistency, log_key=log_key, server=log.base,
                           rotations=log.rotations())  # fmt: skip
    try:
        log.submit(done.checkpoint.size, witness.signer.verifier().label, done.line)
    except WitnessError as exc:
        return Step(done, submitted=False, error=exc.message)
    return Step(done, submitted=True)
