"""Witness cosignatures: C2SP tlog-cosignature v1 (Ed25519) over our signed checkpoint notes.

A cosignature is one more signature line on a checkpoint note, by a *witness* (cosigner) that
checked the log only grew. Per https://c2sp.org/tlog-cosignature (Ed25519 type):

- key id ``SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]``; vkey
  ``<name>+<8 hex key id>+<base64(0x04 || public key)>``;
- signed message ``"cosignature/v1\\ntime <decimal POSIX seconds>\\n" || checkpoint body``
  (the note text with its final newline, no signature lines);
- signature line ``— <name> <base64(key id || u64 big-endian timestamp || 64-byte signature)>``.

The message does not commit to the witness name: a witness key must be used under one name only.
The private key file is ``PRIVATE+KEY+<name>+<hex id>+<base64(0x04 || seed)>``, mode 0o600.

Example::

    witness = WitnessSigner.generate("oversight.example/w1")
    note = add_cosignatures(note, [cosign(note, witness, int(time.time()))])
    checkpoint, when = verify_witnessed(note, log_vkey, witness.vkey())
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from plateledger.audit.checkpoint import (
    SIGNATURE_PREFIX,
    Checkpoint,
    Verifier,
    open_note,
    read_key_file,
    split_note,
    write_key_file,
)
from plateledger.audit.merkle import VerificationError

__all__ = [
    "COSIGNATURE_TYPE",
    "Cosignature",
    "CosignerKey",
    "WitnessSigner",
    "add_cosignatures",
    "cosign",
    "cosigned_message",
    "cosigner_key_id",
    "parse_cosignature",
    "verify_cosignature",
    "verify_witnessed",
]

COSIGNATURE_TYPE = b"\x04"
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = (1 << 63) - 1
SIGNATURE_BYTES = 4 + 8 + 64
_NAME_BAD = re.compile(r"[\s+\x00-\x1f]")


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key id of an Ed25519 cosigner key (signature type 0x04)."""
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_TYPE + public_key).digest()[:4]


def cosigned_message(body: str, timestamp: int) -> bytes:
    """The exact bytes a witness signs: header line, time line, checkpoint body."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"cosignature timestamp {timestamp} out of range")
    return f"{HEADER}time {timestamp}\n{body}".encode()


def _check_name(name: str) -> None:
    if not name or _NAME_BAD.search(name):
        raise ValueError(f"invalid witness name {name!r}: must be non-empty, no spaces or '+'")


def _b64decode(text: str) -> bytes:
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if base64.b64encode(raw).decode() != text:
        raise ValueError("non-canonical base64")
    return raw


@dataclass(frozen=True)
class CosignerKey:
    """A witness public key: name, 4-byte key id (type 0x04) and 32-byte Ed25519 key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_vkey(cls, line: str) -> CosignerKey:
        """Parse ``<name>+<hex key id>+<base64(0x04 || public key)>``; VerificationError if bad."""
        what = "witness key"
        parts = line.strip().split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise VerificationError(what, "bad format: expected <name>+<hex key id>+<base64 key>")
        name, hex_id, encoded = parts
        try:
            _check_name(name)
            raw = _b64decode(encoded)
        except (binascii.Error, ValueError) as exc:
            raise VerificationError(what, f"bad format: {exc}") from None
        if len(raw) != 33 or raw[:1] != COSIGNATURE_TYPE:
            raise VerificationError(what, "not an Ed25519 cosignature (type 0x04) key")
        try:
            Ed25519PublicKey.from_public_bytes(raw[1:])
        except ValueError:
            raise VerificationError(what, "not an Ed25519 public key") from None
        computed = cosigner_key_id(name, raw[1:])
        if computed != bytes.fromhex(hex_id):
            raise VerificationError(
                what, "key id does not match the key",
                expected=bytes.fromhex(hex_id), computed=computed,
            )  # fmt: skip
        return cls(name, computed, raw[1:])

    def vkey(self) -> str:
        encoded = base64.b64encode(COSIGNATURE_TYPE + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @property
    def label(self) -> str:
        """``<name>+<hex key id>``: how errors and the server's records name this witness."""
        return f"{self.name}+{self.key_id.hex()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class WitnessSigner:
    """A witness's Ed25519 cosigning key named ``name``."""

    name: str
    key: Ed25519PrivateKey = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_name(self.name)

    @classmethod
    def generate(cls, name: str) -> WitnessSigner:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> WitnessSigner:
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def load(cls, path: Path) -> WitnessSigner:
        """Read a ``PRIVATE+KEY+<name>+<hex id>+<base64(0x04 || seed)>`` file."""
        name, hex_id, seed = read_key_file(path, COSIGNATURE_TYPE, "witness cosignature")
        signer = cls.from_seed(name, seed)
        if signer.key_id.hex() != hex_id:
            raise ValueError(f"{path}: key id {hex_id} does not match the key")
        return signer

    def save(self, path: Path) -> None:
        """Write the key file with mode 0o600, atomically (temporary file, fsync, rename)."""
        typed_seed = COSIGNATURE_TYPE + self.key.private_bytes_raw()
        write_key_file(path, self.name, self.key_id, typed_seed)

    @property
    def public_key(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return cosigner_key_id(self.name, self.public_key)

    def verifier(self) -> CosignerKey:
        return CosignerKey(self.name, self.key_id, self.public_key)

    def vkey(self) -> str:
        return self.verifier().vkey()


@dataclass(frozen=True)
class Cosignature:
    """One parsed cosignature line (not yet verified)."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes


def _body_of(note: str | Checkpoint) -> str:
    if isinstance(note, Checkpoint):
        return note.body()
    text = split_note(note)[0] if "\n\n" in note else note
    Checkpoint.from_body(text)  # a witness cosigns checkpoints only
    return text


def cosign(note: str | Checkpoint, witness: WitnessSigner, timestamp: int) -> str:
    """The cosignature line (no newline) by ``witness`` at ``timestamp`` over a checkpoint, given
    as a Checkpoint, its body, or a signed note (its signature lines are not signed over)."""
    message = cosigned_message(_body_of(note), timestamp)
    raw = witness.key_id + struct.pack(">Q", timestamp) + witness.key.sign(message)
    return f"{SIGNATURE_PREFIX}{witness.name} {base64.b64encode(raw).decode()}"


def parse_cosignature(line: str) -> Cosignature:
    """Parse a cosignature line; VerificationError if it is not ``— <name> <base64 76 bytes>``."""
    what = "cosignature"
    line = line.removesuffix("\n")
    name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    try:
        if not line.startswith(SIGNATURE_PREFIX) or " " in encoded or "\n" in line:
            raise ValueError("not '— <name> <base64>'")
        _check_name(name)
        raw = _b64decode(encoded)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise VerificationError(what, f"bad format: {exc}") from None
    if len(raw) != SIGNATURE_BYTES:
        raise VerificationError(what, f"bad format: {len(raw)} bytes, a cosignature has 76")
    timestamp = int.from_bytes(raw[4:12], "big")
    if timestamp > MAX_TIMESTAMP:
        raise VerificationError(what, "bad format: timestamp above 2^63 - 1")
    return Cosignature(name, raw[:4], timestamp, raw[12:])


def add_cosignatures(note: str, lines: Iterable[str]) -> str:
    """``note`` with each cosignature line appended after its signatures, once (a line it
    already carries is not repeated). Lines are only checked for format, not verified."""
    split_note(note)  # a signed note, or VerificationError
    present = set(note[note.rfind("\n\n") + 2 :].splitlines())
    added = []
    for given in lines:
        line = given.removesuffix("\n")
        parse_cosignature(line)
        if line not in present:
            present.add(line)
            added.append(line + "\n")
    result = note + "".join(added)
    split_note(result)  # still within the signed-note limits
    return result


def verify_cosignature(
    note: str, witness: CosignerKey | str, *, not_after: int | None = None
) -> int:
    """Check the note carries a valid cosignature by ``witness``; the latest such timestamp.

    Lines by other keys are ignored; every line with the witness's name and key id must verify.
    Raises VerificationError when there is none, one is bad, the only lines under the witness's
    name are by another key, or (with ``not_after``) a timestamp is later than ``not_after``.
    """
    key = CosignerKey.from_vkey(witness) if isinstance(witness, str) else witness
    what = f"cosignature by {key.label}"
    text, signatures = split_note(note)
    Checkpoint.from_body(text)
    mine = [s for s in signatures if (s.name, s.key_id) == (key.name, key.key_id)]
    if not mine:
        others = sorted({s.key_id.hex() for s in signatures if s.name == key.name})
        if others:
            raise VerificationError(
                what, f"only cosigned under the witness name {key.name} by another key "
                f"(key id {', '.join(others)}), the trusted key id is {key.key_id.hex()}",
            )  # fmt: skip
        raise VerificationError(what, "missing: the checkpoint carries no cosignature by it")
    times = []
    for sig in mine:
        if len(sig.signature) != SIGNATURE_BYTES - 4:
            raise VerificationError(what, "bad format: not a tlog-cosignature/v1 signature")
        timestamp = int.from_bytes(sig.signature[:8], "big")
        if timestamp > MAX_TIMESTAMP or not key.verify(
            cosigned_message(text, timestamp), sig.signature[8:]
        ):
            raise VerificationError(what, "bad signature: does not verify over this checkpoint")
        if not_after is not None and timestamp > not_after:
            raise VerificationError(what, f"timestamp {timestamp} is in the future")
        times.append(timestamp)
    return max(times)


def verify_witnessed(
    note: str, log_vkey: Verifier | str, witness_vkey: CosignerKey | str
) -> tuple[Checkpoint, int]:
    """A checkpoint signed by the log key (its origin is the key's name) and cosigned by the
    witness: the checkpoint and the cosignature's time. VerificationError otherwise."""
    log_key = Verifier.from_vkey(log_vkey) if isinstance(log_vkey, str) else log_vkey
    checkpoint = open_note(note, log_key, origin=log_key.name)
    return checkpoint, verify_cosignature(note, witness_vkey)
