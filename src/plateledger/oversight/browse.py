"""Browsing the audit log for auditors and agency admins: filtered, paged listing and one entry
with everything needed to check it independently (canonical bytes, inclusion proof, the signed
checkpoint it is proved against, and the log's public key).

Scope is the API's (``GET /api/v1/audit/entries/{index}``), decided by :func:`visibility`:
auditors see every entry; an agency admin sees entries written for the agency's users or about
its networks (other agencies' searches only through the narrowed network view).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from plateledger.audit.checkpoint import Checkpoint, split_note
from plateledger.audit.log import AuditLog
from plateledger.audit.seal import entry_bytes, leaf_of, seal_proof, unseal
from plateledger.domain.types import Agency, AgencyId, Network, User
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.policy.purposes import PURPOSE_CLASSES, load_purposes

ROLES = ("auditor", "admin")
PAGE_SIZE = 50
ACCESS_EVENTS = frozenset({"token_use", "login"})
SEARCH_EVENTS = frozenset({"search", "timeline", "denial", "hold"})


class Directory(Protocol):
    """The registry lookups the audit views need (``DuckDBStore`` has them)."""

    def networks(self) -> Sequence[Network]: ...
    def agency(self, agency_id: AgencyId) -> Agency | None: ...


def check_role(user: User) -> None:
    if user.role not in ROLES:
        raise ForbiddenError(f"role {user.role!r} may not read the audit log")


def visibility(user: User, *, store: Directory) -> Callable[[dict[str, Any]], bool]:
    """Who may read a whole entry (canonical bytes, every field). The one rule for the API's
    entry routes and the UI's log pages:

    * auditors (cross-agency oversight) see every entry;
    * an agency admin sees entries by the agency's users, naming it as the agency a search or
      assist request was for (``subject.on_behalf_of``), and other entries about its networks
      except other agencies' search requests: those carry every network's decision, so the
      owner reads them only through the network view, narrowed to its own networks
      (``oversight.network_view``);
    * everyone else (officers, supervisors) sees only entries written for themselves.
    """
    owned = {n.id for n in store.networks() if n.agency_id == user.agency_id}

    def visible(entry: dict[str, Any]) -> bool:
        if user.role == "auditor":
            return True
        ours = entry.get("agency_id") == user.agency_id
        if user.role != "admin":
            return ours and entry.get("user_id") == user.id
        subject = entry.get("subject") or {}
        if ours or subject.get("on_behalf_of") == user.agency_id:
            return True
        return "decisions" not in subject and bool(owned & set(entry["networks"]))

    return visible


@dataclass(frozen=True, slots=True)
class Filters:
    user: str = ""
    agency: str = ""
    purpose_class: str = ""
    flagged: bool = False
    denied: bool = False
    access_events: bool = False  # token use and sign-in failures (numerous)

    def __post_init__(self) -> None:
        if self.purpose_class and self.purpose_class not in PURPOSE_CLASSES:
            raise ValidationError(
                f"purpose_class: unknown class {self.purpose_class!r}", {"field": "purpose_class"}
            )
        for name in ("user", "agency"):
            if len(getattr(self, name)) > 100:
                raise ValidationError(f"{name}: at most 100 characters", {"field": name})


@dataclass(frozen=True, slots=True)
class Row:
    index: int
    entry: dict[str, Any]
    purpose_class: str | None
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Page:
    rows: tuple[Row, ...]
    page: int
    has_next: bool
    log_size: int


def purpose_class_of(entry: dict[str, Any]) -> str | None:
    subject = entry.get("subject")
    code = subject.get("purpose") if isinstance(subject, dict) else None
    found = load_purposes().get(code) if isinstance(code, str) else None
    return found.purpose_class if found else None


def flags_of(entry: dict[str, Any]) -> tuple[str, ...]:
    subject = entry.get("subject")
    decisions = subject.get("decisions") if isinstance(subject, dict) else None
    out: dict[str, None] = {}
    for d in decisions if isinstance(decisions, list) else ():
        if isinstance(d, dict):
            out.update(dict.fromkeys(str(f) for f in d.get("flags") or ()))
    return tuple(out)


def _stopped(entry: dict[str, Any]) -> bool:
    """A denied or held search is flagged by policy even when its decisions carry no flag."""
    return entry.get("outcome") in ("denied", "held") or entry.get("event_type") in (
        "denial",
        "hold",
    )


def _matches(row: Row, f: Filters) -> bool:
    e = row.entry
    if not f.access_events and e.get("event_type") in ACCESS_EVENTS:
        return False
    if f.user and e.get("user_id") != f.user:
        return False
    if f.agency and e.get("agency_id") != f.agency:
        return False
    if f.purpose_class and row.purpose_class != f.purpose_class:
        return False
    if f.flagged and not (row.flags or _stopped(e)):
        return False
    return not f.denied or e.get("outcome") == "denied" or e.get("event_type") == "denial"


def _newest_first(audit_log: AuditLog) -> Iterator[Row]:
    for index in range(audit_log.size - 1, -1, -1):
        entry = orjson.loads(audit_log.entry(index))
        yield Row(index, entry, purpose_class_of(entry), flags_of(entry))


def browse(
    user: User, filters: Filters, page: int = 1, *, audit_log: AuditLog, store: Directory
) -> Page:
    """One page (newest first) of the entries the user may see that pass the filters."""
    check_role(user)
    if page < 1:
        raise ValidationError("page: 1 or more", {"field": "page"})
    skip, rows, visible = (page - 1) * PAGE_SIZE, [], visibility(user, store=store)
    for row in _newest_first(audit_log):
        if not _matches(row, filters) or not visible(row.entry):
            continue
        if skip:
            skip -= 1
            continue
        rows.append(row)
        if len(rows) > PAGE_SIZE:
            break
    return Page(tuple(rows[:PAGE_SIZE]), page, len(rows) > PAGE_SIZE, audit_log.size)


@dataclass(frozen=True, slots=True)
class EntryProof:
    """An entry and the material to verify it: everything as the API publishes it."""

    index: int
    canonical: bytes
    entry: dict[str, Any]
    leaf_hash: bytes
    tree_size: int
    proof: tuple[bytes, ...]
    checkpoint_note: str  # signed note, as GET /api/v1/audit/checkpoint serves it
    checkpoint: Checkpoint
    public_key: str  # vkey line, as GET /api/v1/audit/public-key serves it (without newline)
    seal: dict[str, Any] | None  # nonce and other views' commitments (None: a legacy entry)


def entry_proof(user: User, index: int, *, audit_log: AuditLog, store: Directory) -> EntryProof:
    """One visible entry with its inclusion proof under the latest signed checkpoint."""
    check_role(user)
    record = audit_log.record(index)
    data = entry_bytes(record)
    entry = orjson.loads(data)
    if not visibility(user, store=store)(entry):
        raise ForbiddenError("this entry is about another agency")
    note = audit_log.checkpoint()
    text, _ = split_note(note)
    checkpoint = Checkpoint.from_body(text)
    if index >= checkpoint.size:  # appended after the latest checkpoint: sign a new one
        note = audit_log.checkpoint()
        checkpoint = Checkpoint.from_body(split_note(note)[0])
    proof = audit_log.inclusion(index, checkpoint.size)
    return EntryProof(
        index, data, entry, leaf_of(record), checkpoint.size, tuple(proof), note, checkpoint,
        audit_log.public_key(), seal_proof(unseal(record)),
    )  # fmt: skip
