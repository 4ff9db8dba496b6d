"""Sealed entries: every redacted view of an entry is committed inside the log when it is written.

A bundle exported under a redaction profile must still prove each entry it publishes. So the log
does not hash an entry alone: at write time it computes the entry's three views (``internal`` —
the entry's logged bytes —, ``records-request`` and ``public``, each the canonical JSON of the
redacted entry; see ``redaction``), draws a random
16-byte nonce per view, and commits to each view::

    commitment(p) = SHA-256("plateledger/view/v1" 0x00 p 0x00 nonce(p) view(p))

The Merkle leaf is the hash of the *envelope*, the canonical JSON
``{"commitments": {"internal": hex, "public": hex, "records-request": hex}, "seal": 1}``. A bundle
of profile ``p`` publishes, per entry, ``view(p)``, ``nonce(p)`` and the other two commitments: the
verifier recomputes ``commitment(p)``, the envelope and the leaf, and checks the leaf against the
signed tree — so an edited redacted entry fails exactly like an edited internal one, and no
label or sidecar can excuse it. The nonces keep the unpublished views' commitments from being
tested against guesses (a plate, an officer id, a case number).

The public view replaces user ids by ``[pseudonym]``; an export adds a per-export pseudonym
(``user`` in the bundle line), which is a label outside the signed data and says so.

On disk a sealed record is ``canon(internal view) 0x0A canon(seal)`` where the seal holds the
nonces and the two redacted views (canonical JSON never contains a raw newline). A record
without the newline is a *legacy* entry written before sealing: its leaf is the hash of its
bytes, and redacted bundles can only withhold it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import orjson

from plateledger.audit.merkle import leaf_hash
from plateledger.audit.redaction import PROFILES, REDACTED, publicise, redact

DOMAIN = b"plateledger/view/v1"
NONCE_BYTES = 16
PSEUDONYM = "[pseudonym]"
_EMPTY_SALT = b""


def canon(obj: Any) -> bytes:
    """The canonical bytes a view is committed under (sorted keys, no whitespace)."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def commitment(profile: str, nonce: bytes, view: bytes) -> bytes:
    """The commitment to one view (its exact bytes) of an entry."""
    return hashlib.sha256(DOMAIN + b"\x00" + profile.encode() + b"\x00" + nonce + view).digest()


def envelope_leaf(commitments: dict[str, bytes]) -> bytes:
    """The Merkle leaf hash of an entry from its three view commitments."""
    if sorted(commitments) != sorted(PROFILES):
        raise ValueError(f"an envelope needs a commitment for each of {', '.join(PROFILES)}")
    doc = {"commitments": {p: c.hex() for p, c in commitments.items()}, "seal": 1}
    return leaf_hash(canon(doc))


def public_view(entry: dict[str, Any], records: dict[str, Any] | None = None) -> dict[str, Any]:
    """The committed public view: redacted as ``public``, the user id replaced by a marker (an
    export adds its own per-export pseudonym outside the signed view); system users stay.
    ``records``: the entry's records-request view, if computed already (it is reused)."""
    base = (
        orjson.loads(canon(records)) if records is not None else view_of(entry, "records-request")
    )
    out = publicise(base, _EMPTY_SALT)
    user = entry.get("user_id")
    if isinstance(user, str):
        out["user_id"] = user if user.startswith("system:") else PSEUDONYM
    return out


def view_of(entry: dict[str, Any], profile: str) -> dict[str, Any]:
    """One view of a parsed entry, as it is committed at write time."""
    if profile == "public":
        return public_view(entry)
    return redact(entry, profile, _EMPTY_SALT)


@dataclass(frozen=True)
class Sealed:
    """An entry with its committed views and nonces (what one record on disk holds)."""

    views: dict[str, bytes]  # profile -> the view's exact bytes (internal: the logged entry)
    nonces: dict[str, bytes]

    @property
    def data(self) -> bytes:
        """The entry's bytes as logged."""
        return self.views["internal"]

    def commitments(self) -> dict[str, bytes]:
        return {p: commitment(p, self.nonces[p], self.views[p]) for p in PROFILES}

    def leaf(self) -> bytes:
        return envelope_leaf(self.commitments())

    def record(self) -> bytes:
        """The bytes stored in the entry log."""
        seal = {
            "nonces": {p: n.hex() for p, n in self.nonces.items()},
            "views": {p: orjson.loads(v) for p, v in self.views.items() if p != "internal"},
        }
        return self.data + b"\n" + canon(seal)


def seal(data: bytes) -> Sealed:
    """Seal the canonical bytes of an entry: compute its views and fresh nonces."""
    entry = orjson.loads(data)
    records = view_of(entry, "records-request")  # the public view reuses its scrubbed text
    views = {"internal": data, "records-request": canon(records),
             "public": canon(public_view(entry, records))}  # fmt: skip
    return Sealed(views, {p: secrets.token_bytes(NONCE_BYTES) for p in PROFILES})


def unseal(record: bytes) -> Sealed | None:
    """The sealed entry a stored record holds, or ``None`` for a legacy (unsealed) record."""
    data, sep, rest = record.partition(b"\n")
    if not sep:
        return None
    try:
        seal_doc = orjson.loads(rest)
        views = {"internal": data, **{p: canon(v) for p, v in seal_doc["views"].items()}}
        nonces = {p: bytes.fromhex(h) for p, h in seal_doc["nonces"].items()}
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None  # not a seal: opaque bytes (a damaged record then fails the root check)
    if sorted(views) != sorted(PROFILES) or sorted(nonces) != sorted(PROFILES):
        return None
    return Sealed(views, nonces)


def seal_proof(sealed: Sealed | None, profile: str = "internal") -> dict[str, Any] | None:
    """What a reader of one view needs to recompute the leaf: the view's nonce and the other
    views' commitments (``None`` for a legacy entry, whose leaf is the hash of its bytes)."""
    if sealed is None:
        return None
    others = {p: c.hex() for p, c in sealed.commitments().items() if p != profile}
    return {"profile": profile, "nonce": sealed.nonces[profile].hex(), "commitments": others}


def leaf_from_proof(view: bytes, proof: dict[str, Any] | None) -> bytes:
    """The leaf hash of an entry from one view's bytes and its ``seal_proof`` (legacy: none)."""
    if proof is None:
        return leaf_hash(view)
    profile = str(proof["profile"])
    commitments = {p: bytes.fromhex(str(h)) for p, h in dict(proof["commitments"]).items()}
    if profile in commitments:
        raise ValueError(f"the seal proof repeats the {profile} commitment")
    commitments[profile] = commitment(profile, bytes.fromhex(str(proof["nonce"])), view)
    return envelope_leaf(commitments)


def entry_bytes(record: bytes) -> bytes:
    """The logged entry (internal view) of a stored record, sealed or legacy."""
    return record.partition(b"\n")[0]


def leaf_of(record: bytes) -> bytes:
    """The Merkle leaf hash of a stored record (sealed: of its envelope; legacy: of its bytes)."""
    sealed = unseal(record)
    return leaf_hash(record) if sealed is None else sealed.leaf()


__all__ = [
    "PSEUDONYM", "REDACTED", "Sealed", "canon", "commitment", "entry_bytes", "envelope_leaf",
    "leaf_from_proof", "leaf_of", "public_view", "seal", "seal_proof", "unseal", "view_of",
]  # fmt: skip
