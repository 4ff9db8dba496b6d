"""Verifying a bundle directory (see ``bundle`` for the format), offline.

In order: the key history links the bundle's key to the pinned key, if one is given; the
signed bundle statement (``bundle.txt``) names the profile and entry count, and ``manifest.json``
must agree with it; every entry's leaf is recomputed from its published view and seal; then
the tree, proofs and signatures are checked (``bundle_verify``); the statement's root must be the
root of the entries; with ``since``, a checkpoint the auditor saved earlier must be a prefix of
the bundle (so a bundle cut back to an earlier signed checkpoint fails); with ``witnesses``, the
last checkpoint must carry a valid cosignature by each witness key. The report names what was
and what was not checked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from plateledger.audit.bundle_verify import (
    BundleReport,
    ConsistencyProof,
    InclusionProof,
    verify_bundle_hashes,
)
from plateledger.audit.checkpoint import Checkpoint, Verifier, open_note, verify_note
from plateledger.audit.cosignature import verify_cosignature
from plateledger.audit.keys import KeyRing
from plateledger.audit.merkle import VerificationError, leaf_hash, root_from_leaf_hashes
from plateledger.audit.redaction import PROFILES
from plateledger.audit.seal import PSEUDONYM, canon, leaf_from_proof
from plateledger.errors import ValidationError

BUNDLE_HEADER = "plateledger audit bundle"
LABEL_FIELD = "labels"
FILES = (
    "bundle.txt", "manifest.json", "public-key.txt", "key-history.json", "entries.jsonl",
    "seals.jsonl", "checkpoints.json", "consistency.jsonl", "inclusion.jsonl",
)  # fmt: skip
REQUIRED = ("bundle.txt", "public-key.txt", "entries.jsonl", "seals.jsonl", "checkpoints.json")
_PSEUDONYM = re.compile(r"user-[0-9a-f]{16}")


@dataclasses.dataclass(frozen=True)
class Statement:
    """The signed facts of ``bundle.txt``."""

    origin: str
    profile: str
    entries: int
    root: bytes
    created: str
    labels: str


def labels_digest(labels: Sequence[str]) -> str:
    """The hash that binds a bundle's per-entry user labels (pseudonyms) to its statement."""
    return hashlib.sha256("\n".join(labels).encode()).hexdigest()


def verify_directory(
    bundle: Path,
    *,
    pinned_key: str | None = None,
    since: str | None = None,
    witnesses: Sequence[str] = (),
) -> BundleReport:
    """Verify a bundle directory; raises VerificationError naming the first failure."""
    _check_files(bundle)
    ring = KeyRing.from_history(
        (bundle / "public-key.txt").read_text().strip(),
        _json(bundle / "key-history.json", default=[]),
        pinned_key,
    )
    statement = _statement((bundle / "bundle.txt").read_text(), ring)
    _check_manifest(bundle, statement)
    lines = (bundle / "entries.jsonl").read_bytes().splitlines()
    seals = (bundle / "seals.jsonl").read_bytes().splitlines()
    if not len(lines) == len(seals) == statement.entries:
        raise VerificationError(
            "bundle", f"bundle.txt signs {statement.entries} entries; entries.jsonl has "
            f"{len(lines)} lines and seals.jsonl {len(seals)}",
        )  # fmt: skip
    leaves, withheld, labels = _leaves(lines, seals, statement.profile)
    if labels_digest(labels) != statement.labels:
        raise VerificationError("entries.jsonl", "user pseudonyms differ from those signed")
    notes = _json(bundle / "checkpoints.json", default=[])
    report = verify_bundle_hashes(leaves, notes, _inclusion(bundle), _consistency(bundle), ring)
    if report.origin != statement.origin or report.root != statement.root:
        raise VerificationError("bundle.txt", "origin or root differs from the entries' tree")
    checked = [f"profile {statement.profile!r}, exported {statement.created} (signed)"]
    checked.append(_key_note(ring))
    if since is not None:
        checked.append(_check_since(since, ring, leaves))
    if witnesses:
        checked.extend(_check_witnesses(notes, ring, witnesses))
    else:
        checked.append(
            "NOT CHECKED: witnesses — a log cut back to an earlier signed checkpoint, or shown "
            "differently to someone else, passes without --witness or --since"
        )
    ignored = sorted(p.name for p in bundle.iterdir() if p.name not in FILES)
    if ignored:
        checked.append(f"NOT CHECKED: files outside the bundle format: {', '.join(ignored)}")
    if statement.profile == "public":
        checked.append("user pseudonyms: bound to bundle.txt, unlinkable to user ids by design")
    return dataclasses.replace(
        report, hash_only=withheld, profile=statement.profile, notes=tuple(checked)
    )


def _check_files(bundle: Path) -> None:
    missing = [n for n in REQUIRED if not (bundle / n).exists()]
    if not missing:
        return
    if (bundle / "entries.jsonl").exists() and not (bundle / "bundle.txt").exists():
        raise ValidationError(
            f"{bundle}: a format-1 bundle (no signed bundle.txt): its profile and redacted "
            "entries cannot be verified; export it again"
        )
    raise ValidationError(f"{bundle}: not an audit bundle (missing {', '.join(missing)})")


def _statement(note: str, ring: KeyRing) -> Statement:
    text = verify_note(note, ring.current, "bundle.txt")
    lines = text.rstrip("\n").split("\n")
    fields = dict(line.partition(" ")[::2] for line in lines[1:])
    want = {"format", "origin", "profile", "entries", "root", "created", LABEL_FIELD}
    if lines[0] != BUNDLE_HEADER or set(fields) != want or fields["format"] != "2":
        raise VerificationError("bundle.txt", "bad format: not a format-2 bundle statement")
    if fields["profile"] not in PROFILES or not fields["entries"].isdigit():
        raise VerificationError("bundle.txt", "bad format: unknown profile or entry count")
    body = f"{fields['origin']}\n{fields['entries']}\n{fields['root']}\n"
    root = Checkpoint.from_body(body, "bundle.txt").root
    return Statement(fields["origin"], fields["profile"], int(fields["entries"]), root,
                     fields["created"], fields[LABEL_FIELD])  # fmt: skip


def _check_manifest(bundle: Path, statement: Statement) -> None:
    """manifest.json is for people; it may not contradict what bundle.txt signs."""
    manifest = _json(bundle / "manifest.json", default=None)
    if manifest is None:
        return
    signed = {"profile": statement.profile, "entries": statement.entries,
              "origin": statement.origin}  # fmt: skip
    for key, value in signed.items():
        if key in manifest and manifest[key] != value:
            raise VerificationError(
                "manifest.json",
                f"says {key} {manifest[key]!r}; the signed bundle.txt says {value!r}",
            )


def _leaves(
    lines: list[bytes], seals: list[bytes], profile: str
) -> tuple[list[bytes], int, list[str]]:
    """Each entry's leaf hash from its published view and seal; withheld count; user labels."""
    leaves, labels, withheld = [], [], 0
    for i, (line, raw_seal) in enumerate(zip(lines, seals, strict=True)):
        what = f"entry {i}"
        try:
            seal = orjson.loads(raw_seal)
            label = ""
            if seal.get("legacy") == "withheld":
                leaves.append(bytes.fromhex(seal["leaf"]))
                withheld += 1
            elif seal.get("legacy") == "entry":
                if profile != "internal":
                    raise VerificationError(what, "a legacy entry published in a redacted bundle")
                leaves.append(leaf_hash(line))
            else:
                if seal.get("profile") != profile:
                    raise VerificationError(
                        what, f"its seal is for profile {seal.get('profile')!r}"
                    )
                view, label = _view(line, profile)
                leaves.append(leaf_from_proof(view, seal))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise VerificationError(what, f"bad entry or seal line ({exc})") from None
        if len(leaves[-1]) != 32:
            raise VerificationError(what, "its leaf hash is not 32 bytes")
        labels.append(label)
    return leaves, withheld, labels


def _view(line: bytes, profile: str) -> tuple[bytes, str]:
    """The committed bytes of a published line, and its user label (public: the pseudonym)."""
    if profile == "internal":
        return line, ""
    view: dict[str, Any] = orjson.loads(line)
    label = ""
    user = view.get("user_id")
    if profile == "public" and isinstance(user, str) and _PSEUDONYM.fullmatch(user):
        label, view["user_id"] = user, PSEUDONYM
    return canon(view), label


def _key_note(ring: KeyRing) -> str:
    keys = len(ring.windows)
    history = f" (a history of {keys} keys, each rotation signed by both)" if keys > 1 else ""
    if ring.pinned:
        return f"signatures: by the pinned key or keys it endorsed{history}"
    return (
        f"NOT CHECKED: whose key signed — checked against the bundle's own public-key.txt"
        f"{history}; a history re-signed with another key passes: give --key"
    )


def _check_since(note: str, ring: KeyRing, leaves: Sequence[bytes]) -> str:
    """A checkpoint seen earlier must be a prefix of the bundle's entries."""
    seen = ring.open(note, "--since checkpoint")
    if seen.size > len(leaves):
        raise VerificationError(
            "--since checkpoint", f"the log had already signed {seen.size} entries; this bundle "
            f"holds only {len(leaves)}: it was cut back (rolled back) or is older",
        )  # fmt: skip
    computed = root_from_leaf_hashes(list(leaves[: seen.size]))
    if computed != seen.root:
        raise VerificationError(
            "--since checkpoint", "fork: the bundle's first entries are not the ones signed then",
            expected=seen.root, computed=computed,
        )  # fmt: skip
    return f"the checkpoint of size {seen.size} seen earlier is a prefix of this bundle"


def _check_witnesses(notes: Sequence[str], ring: KeyRing, witnesses: Sequence[str]) -> list[str]:
    """Each witness cosigned a checkpoint of the bundle's history (already checked to be one
    history): the largest such checkpoint, when, and how many entries it leaves unwitnessed.
    A bundle of a history no witness saw (a split view made for this auditor) fails."""
    out = []
    for vkey in witnesses:
        name = vkey.split("+", 1)[0]
        best: tuple[int, int] | None = None
        for i, note in enumerate(notes):
            size = ring.open(note, f"checkpoint #{i}").size
            try:
                at = verify_cosignature(note, vkey)
            except VerificationError as exc:
                if "missing" in exc.reason:
                    continue
                raise
            best = max(best or (size, at), (size, at))
        if best is None:
            raise VerificationError(
                f"witness {name}", "cosigned no checkpoint of this bundle: a history it never saw"
            )
        size, at = best
        after = ring.open(notes[-1]).size - size
        tail = f"; the last {after} entries are not yet witnessed" if after else ""
        when = datetime.fromtimestamp(at, UTC).isoformat()
        out.append(f"witness {name} cosigned this history up to size {size} at {when}{tail}")
    return out


def _json(path: Path, *, default: Any) -> Any:
    if not path.exists():
        return default
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        raise VerificationError(path.name, "is not valid JSON") from None


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    for line in path.read_bytes().splitlines():
        if line.strip():
            yield orjson.loads(line)


def _hashes(row: dict[str, Any]) -> list[bytes]:
    values = row["hashes"]
    assert isinstance(values, list)
    return [bytes.fromhex(str(h)) for h in values]


def _inclusion(bundle: Path) -> list[InclusionProof]:
    rows = _rows(bundle / "inclusion.jsonl")
    return [InclusionProof(r["index"], r["tree_size"], _hashes(r)) for r in rows]


def _consistency(bundle: Path) -> list[ConsistencyProof]:
    rows = _rows(bundle / "consistency.jsonl")
    return [ConsistencyProof(r["old_size"], r["new_size"], _hashes(r)) for r in rows]


def checkpoint_of(note: str, vkey: str) -> Checkpoint:
    return open_note(note, Verifier.from_vkey(vkey))
