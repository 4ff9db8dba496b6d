"""Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, Ed25519 keys.

A checkpoint note reads::

    <origin>\\n<tree size>\\n<base64 root>\\n[<extension line>\\n...]
    \\n
    — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\\n

The key id is ``SHA-256(key name || 0x0A || 0x01 || public key)[:4]``. The public key is published
in the verifier-key ("vkey") form ``<name>+<8 hex key id>+<base64(0x01 || public key)>``.

The private key file holds one line in the signer-key form of golang.org/x/mod/sumdb/note,
``PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte Ed25519 seed)>``, written with mode
0o600 (atomically: temporary file, fsync, rename).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from plateledger.audit.merkle import HASH_SIZE, VerificationError

ED25519_TYPE = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SIZE = re.compile(r"0|[1-9][0-9]*")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte C2SP key id of an Ed25519 key."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + public_key).digest()[:4]


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name) or _CONTROL.search(name):
        raise ValueError(f"invalid key name {name!r}: must be non-empty, no spaces or '+'")


def _b64decode(text: str) -> bytes:
    """Strict, canonical standard base64 (no stray characters, no non-zero padding bits)."""
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if base64.b64encode(raw).decode() != text:
        raise ValueError("non-canonical base64")
    return raw


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: ``size`` leaves under ``root``, issued by the log named ``origin``."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or _CONTROL.search(self.origin):
            raise ValueError(f"invalid checkpoint origin {self.origin!r}")
        if self.size < 0 or len(self.root) != HASH_SIZE:
            raise ValueError("checkpoint needs a size >= 0 and a 32-byte root")
        if any(not e or "\n" in e or _CONTROL.search(e) for e in self.extensions):
            raise ValueError("checkpoint extension lines must be non-empty single lines")

    def body(self) -> str:
        """The note text (tlog-checkpoint), ending in a newline."""
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root).decode(),
            *self.extensions,
        ]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_body(cls, text: str, what: str = "checkpoint") -> Checkpoint:
        """Parse a tlog-checkpoint note text; raises VerificationError on any format error."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
            raise VerificationError(what, "bad format: need origin, size and root lines")
        origin, size, root = lines[0], lines[1], lines[2]
        if not _SIZE.fullmatch(size):
            raise VerificationError(what, f"bad format: tree size {size!r} is not a decimal")
        try:
            root_bytes = _b64decode(root)
        except (binascii.Error, ValueError):
            raise VerificationError(what, "bad format: root hash is not base64") from None
        if len(root_bytes) != HASH_SIZE:
            raise VerificationError(what, f"bad format: root hash has {len(root_bytes)} bytes")
        try:
            return cls(origin, int(size), root_bytes, tuple(lines[3:-1]))
        except ValueError as exc:
            raise VerificationError(what, f"bad format: {exc}") from None


@dataclass(frozen=True)
class Verifier:
    """A trusted Ed25519 note key: name, 4-byte key id and 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_vkey(cls, line: str) -> Verifier:
        """Parse ``<name>+<hex key id>+<base64(0x01 || public key)>``."""
        what = "public key line"
        parts = line.strip().split("+", 2)  # the base64 key may itself contain '+'
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise VerificationError(what, "bad format: expected <name>+<hex key id>+<base64 key>")
        name, hex_id, encoded = parts
        try:
            _check_key_name(name)
            raw = _b64decode(encoded)
        except (binascii.Error, ValueError) as exc:
            raise VerificationError(what, f"bad format: {exc}") from None
        try:
            if len(raw) != 33 or raw[:1] != ED25519_TYPE:
                raise ValueError("length or type byte")
            Ed25519PublicKey.from_public_bytes(raw[1:])
        except ValueError:
            raise VerificationError(what, "not an Ed25519 (type 0x01) public key") from None
        computed = key_id(name, raw[1:])
        if computed != bytes.fromhex(hex_id):
            raise VerificationError(
                what,
                "key id does not match the key",
                expected=bytes.fromhex(hex_id),
                computed=computed,
            )
        return cls(name, computed, raw[1:])

    def vkey(self) -> str:
        """This key in vkey form."""
        encoded = base64.b64encode(ED25519_TYPE + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (64 bytes, no key id) is a valid signature of ``text``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


def read_key_file(path: Path, type_byte: bytes, what: str) -> tuple[str, str, bytes]:
    """(name, hex key id, 32-byte seed) of a ``PRIVATE+KEY+<name>+<hex id>+<base64(type ||
    seed)>`` file (golang.org/x/mod/sumdb/note signer-key form); ValueError naming ``path``."""
    parts = Path(path).read_text(encoding="ascii").strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise ValueError(f"{path}: not a PRIVATE+KEY {what} key")
    raw = _b64decode(parts[4])
    if len(raw) != 33 or raw[:1] != type_byte:
        raise ValueError(f"{path}: not an Ed25519 {what} key (type 0x{type_byte.hex()})")
    return parts[2], parts[3], raw[1:]


def write_key_file(path: Path, name: str, key_id: bytes, typed_seed: bytes) -> None:
    """Write a signer-key file with mode 0o600, atomically (temporary file, fsync, rename)."""
    path = Path(path)
    encoded = base64.b64encode(typed_seed).decode()
    text = f"PRIVATE+KEY+{name}+{key_id.hex()}+{encoded}\n"
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Signer:
    """An Ed25519 note signing key named ``name`` (by convention the log origin)."""

    name: str
    key: Ed25519PrivateKey = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_key_name(self.name)

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        """A deterministic key from a 32-byte seed (test vectors)."""
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def load(cls, path: Path) -> Signer:
        """Read a ``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`` file."""
        name, hex_id, seed = read_key_file(path, ED25519_TYPE, "note signer")
        signer = cls.from_seed(name, seed)
        if signer.key_id.hex() != hex_id:
            raise ValueError(f"{path}: key id {hex_id} does not match the key")
        return signer

    def save(self, path: Path) -> None:
        """Write the key file with mode 0o600, atomically (temporary file, fsync, rename)."""
        write_key_file(path, self.name, self.key_id, ED25519_TYPE + self.key.private_bytes_raw())

    @property
    def public_key(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.public_key)

    def public_key_line(self) -> str:
        """The vkey line served at GET /api/v1/audit/public-key."""
        return self.verifier().vkey()

    def sign_text(self, text: str) -> str:
        """A signed note of ``text`` (which must end in a newline) with this key's signature."""
        if not text.endswith("\n") or _CONTROL.search(text):
            raise ValueError("note text must end in a newline and have no control characters")
        signature = base64.b64encode(self.key_id + self.key.sign(text.encode())).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {signature}\n"

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signed note text of ``checkpoint``."""
        return self.sign_text(checkpoint.body())


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes


def split_note(note: str, what: str = "checkpoint") -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signature lines (C2SP signed-note framing)."""
    if len(note.encode()) > MAX_NOTE_BYTES or _CONTROL.search(note):
        raise VerificationError(what, "bad format: too large or contains control characters")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise VerificationError(what, "bad format: no blank line before the signatures")
    text, lines = note[: cut + 1], note[cut + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(what, f"bad format: more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        try:
            if not line.startswith(SIGNATURE_PREFIX) or " " in encoded:
                raise ValueError("not '— <name> <base64>'")
            _check_key_name(name)
            raw = _b64decode(encoded)
        except (binascii.Error, ValueError) as exc:
            raise VerificationError(what, f"bad format: signature line {line!r}: {exc}") from None
        if len(raw) < 5:
            raise VerificationError(what, f"bad format: signature line {line!r} is too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, signatures


def verify_note(note: str, verifier: Verifier, what: str = "checkpoint") -> str:
    """Check a signed note against the trusted key and return its text.

    Signatures by other keys are ignored (C2SP); any signature by the trusted key (same name and
    key id) must verify. Fails with VerificationError on bad format, bad signature, a note signed
    only under the trusted name with another key ("re-signed"), or only by unknown keys.
    """
    text, signatures = split_note(note, what)
    trusted = [s for s in signatures if (s.name, s.key_id) == (verifier.name, verifier.key_id)]
    for sig in trusted:
        if not verifier.verify(text.encode(), sig.signature):
            raise VerificationError(what, f"bad signature by trusted key {verifier.name}")
    if trusted:
        return text
    renamed = [s for s in signatures if s.name == verifier.name]
    if renamed:
        raise VerificationError(
            what,
            f"re-signed with another key: key id {renamed[0].key_id.hex()} under the trusted "
            f"name {verifier.name}, trusted key id is {verifier.key_id.hex()}",
            expected=verifier.key_id,
            computed=renamed[0].key_id,
        )
    names = ", ".join(sorted({f"{s.name}+{s.key_id.hex()}" for s in signatures}))
    raise VerificationError(
        what,
        f"unknown key: no signature by {verifier.name}+{verifier.key_id.hex()}, only by {names}",
    )


def open_note(
    note: str, verifier: Verifier, *, origin: str | None = None, what: str = "checkpoint"
) -> Checkpoint:
    """Verify a signed checkpoint note (see :func:`verify_note`) and parse its checkpoint."""
    checkpoint = Checkpoint.from_body(verify_note(note, verifier, what), what)
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(what, f"origin {checkpoint.origin!r} is not {origin!r}")
    return checkpoint
