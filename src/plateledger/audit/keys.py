"""Key history: a log's signing key can be rotated, and every rotation is endorsed by both keys.

A rotation is a signed note, signed by the old key *and* the new key::

    plateledger audit key rotation v1
    origin <log origin>
    old <old key, vkey form>
    new <new key, vkey form>
    size <tree size from which the new key signs>

The old key signs checkpoints of sizes up to ``size`` and the new key from ``size`` on (the
checkpoint of exactly ``size``, which covers the rotation's own ``key_rotation`` entry, is
signed by both). Because each note carries both signatures, a chain of rotations links every key
to every other in both directions: an auditor who pinned any one of the keys accepts exactly
the keys of that chain, each for its own range of sizes, and a bundle signed by a key outside
it — a history re-signed by someone who does not hold the log's keys — fails.

``KeyRing`` is what verifiers use: the keys, their windows and ``open`` (verify a checkpoint note
by whichever key of the ring signed it, inside that key's window).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from plateledger.audit.checkpoint import (
    Checkpoint,
    Signer,
    Verifier,
    split_note,
    verify_note,
)
from plateledger.audit.merkle import VerificationError

HEADER = "plateledger audit key rotation v1"
UNBOUNDED = 1 << 62


@dataclass(frozen=True)
class Rotation:
    """One endorsed rotation from ``old`` to ``new`` at tree size ``size``."""

    origin: str
    old: Verifier
    new: Verifier
    size: int
    note: str

    def text(self) -> str:
        return rotation_text(self.origin, self.old.vkey(), self.new.vkey(), self.size)


def rotation_text(origin: str, old: str, new: str, size: int) -> str:
    return f"{HEADER}\norigin {origin}\nold {old}\nnew {new}\nsize {size}\n"


def rotation_note(origin: str, old: Signer, new: Signer, size: int) -> str:
    """The rotation note from ``old`` to ``new``, signed by both."""
    text = rotation_text(origin, old.public_key_line(), new.public_key_line(), size)
    by_old, by_new = old.sign_text(text), new.sign_text(text)
    return by_old + by_new.rsplit("\n", 2)[-2] + "\n"


def parse_rotation(note: str, what: str = "key rotation") -> Rotation:
    """A rotation note whose two signatures (old and new key) both verify."""
    text, _ = split_note(note, what)
    fields: dict[str, str] = {}
    lines = text.rstrip("\n").split("\n")
    if lines[0] != HEADER:
        raise VerificationError(what, f"bad format: first line is not {HEADER!r}")
    for line in lines[1:]:
        key, _, value = line.partition(" ")
        fields[key] = value
    if sorted(fields) != ["new", "old", "origin", "size"] or not fields["size"].isdigit():
        raise VerificationError(what, "bad format: need origin, old, new and size lines")
    old, new = Verifier.from_vkey(fields["old"]), Verifier.from_vkey(fields["new"])
    if old.key_id == new.key_id:
        raise VerificationError(what, "the new key is the old key")
    verify_note(note, old, what=f"{what} (signature of the old key)")
    verify_note(note, new, what=f"{what} (signature of the new key)")
    return Rotation(fields["origin"], old, new, int(fields["size"]), note)


@dataclass(frozen=True)
class KeyWindow:
    verifier: Verifier
    first: int  # smallest tree size this key may sign
    last: int  # largest tree size this key may sign


class KeyRing:
    """The keys a verifier accepts, each for a range of tree sizes."""

    def __init__(self, windows: Sequence[KeyWindow], pinned: bool) -> None:
        self.windows = tuple(windows)
        self.pinned = pinned

    @classmethod
    def single(cls, vkey: str, *, pinned: bool = False) -> KeyRing:
        return cls([KeyWindow(Verifier.from_vkey(vkey), 0, UNBOUNDED)], pinned)

    @classmethod
    def from_history(
        cls, current: str, rotations: Sequence[str], pinned: str | None = None
    ) -> KeyRing:
        """The chain of ``rotations`` (notes, oldest first) ending at the ``current`` key; with
        ``pinned``, the pinned key must be one of the chain's keys."""
        parsed = [parse_rotation(n, f"key rotation #{i}") for i, n in enumerate(rotations)]
        keys = [parsed[0].old] if parsed else [Verifier.from_vkey(current)]
        bounds = [0]
        for i, rot in enumerate(parsed):
            if rot.old != keys[-1]:
                raise VerificationError(f"key rotation #{i}", "does not start from the key before")
            if rot.size < bounds[-1]:
                raise VerificationError(f"key rotation #{i}", "goes back in tree size")
            if i and rot.origin != parsed[0].origin:
                raise VerificationError(f"key rotation #{i}", "names another log")
            keys.append(rot.new)
            bounds.append(rot.size)
        if keys[-1] != Verifier.from_vkey(current):
            raise VerificationError(
                "public key", "is not the last key of the key history (a rotation is missing)"
            )
        ends = [*bounds[1:], UNBOUNDED]
        windows = [KeyWindow(k, lo, hi) for k, lo, hi in zip(keys, bounds, ends, strict=True)]
        if pinned is not None:
            want = Verifier.from_vkey(pinned)
            if want not in keys:
                raise VerificationError(
                    "public key",
                    f"the bundle is signed by key {keys[-1].name}+{keys[-1].key_id.hex()}, which "
                    f"the pinned key {want.name}+{want.key_id.hex()} never endorsed",
                )
        return cls(windows, pinned is not None)

    @property
    def current(self) -> Verifier:
        return self.windows[-1].verifier

    def open(self, note: str, what: str = "checkpoint") -> Checkpoint:
        """Verify a checkpoint note signed by a key of the ring, inside that key's window."""
        _, signatures = split_note(note, what)
        ids = {(s.name, s.key_id) for s in signatures}
        mine = [w for w in self.windows if (w.verifier.name, w.verifier.key_id) in ids]
        if not mine:  # let verify_note name the problem (unknown key, re-signed under the name)
            verify_note(note, self.current, what)
        for window in mine:
            checkpoint = Checkpoint.from_body(verify_note(note, window.verifier, what), what)
            if not window.first <= checkpoint.size <= window.last:
                raise VerificationError(
                    what,
                    f"signed by key {window.verifier.key_id.hex()} at tree size {checkpoint.size},"
                    f" outside the sizes it may sign ({window.first}..{window.last})",
                )
        return Checkpoint.from_body(verify_note(note, mine[0].verifier, what), what)


ROTATIONS_FILE = "keys.jsonl"


def load_rotations(directory: Path) -> list[str]:
    """The rotation notes recorded in ``<audit>/keys.jsonl``, oldest first."""
    path = directory / ROTATIONS_FILE
    if not path.exists():
        return []
    return [str(orjson.loads(line)["note"]) for line in path.read_bytes().splitlines() if line]


def record_rotation(directory: Path, note: str) -> None:
    """Append a rotation note to ``<audit>/keys.jsonl`` durably."""
    fd = os.open(directory / ROTATIONS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, orjson.dumps({"note": note}) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def finish_rotation(directory: Path, key_file: Path) -> None:
    """Complete or undo a rotation a crash interrupted: a pending ``<key>.next`` becomes the key
    if the last recorded rotation names it, and is discarded otherwise."""
    pending = key_file.with_name(key_file.name + ".next")
    if not pending.exists():
        return
    rotations = load_rotations(directory)
    new = Signer.load(pending)
    if rotations and parse_rotation(rotations[-1]).new == new.verifier():
        os.replace(pending, key_file)
    else:
        pending.unlink()
