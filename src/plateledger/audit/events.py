"""Typed audit events (schema version 1) and their canonical JSON encoding.

Each event carries the CJIS §5.4.1.1.1 fields — ``at`` (UTC), ``component``, ``event_type``,
``user_id``/``agency_id`` and ``outcome`` — a type-specific ``subject``, and ``networks``: every
owner network it concerns, for per-agency views. ``canonical_bytes`` follows RFC 8785 (members
sorted by UTF-16 code units, no whitespace, UTF-8, minimal escaping, ECMAScript number text);
datetimes become RFC 3339 UTC strings with microseconds and ``Z``; numbers must be finite with
magnitude < 2**53, integral floats are stored as integers. Events are normalised on construction,
so ``parse_event(canonical_bytes(e)) == e``; ``parse_event`` rejects non-canonical bytes. Errors
name the field at fault, never a value (plates and reasons stay out of messages and logs).

The ``event_type`` must be registered (``event_types.EVENT_CLASSES``) and the ``subject`` must
fit its class: every required member present, none unknown. Typed subjects become envelopes
through ``make_event``; ``search_event`` and ``purge_receipt_event`` build the common ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol, cast, get_args

import orjson

from plateledger.audit.event_base import AuditEventError, AuditSubject
from plateledger.audit.event_types import (
    DECISION_FIELDS,
    EVENT_CLASSES,
    Purge,
    SearchRequest,
)

__all__ = [  # AuditEventError, EVENT_CLASSES and DECISION_FIELDS are re-exported
    "DECISION_FIELDS", "EVENT_CLASSES", "EVENT_TYPES", "OUTCOMES", "SCHEMA_VERSION", "AuditEvent",
    "AuditEventError", "DecisionLike", "EventType", "Outcome", "canonical_bytes", "format_time",
    "make_event", "parse_event", "parse_time", "purge_receipt_event", "search_event",
]  # fmt: skip

SCHEMA_VERSION = 1

EventType = Literal[
    "search", "timeline", "denial", "hold", "hold_approved", "hold_rejected", "export",
    "sharing_change", "hotlist_change", "hotlist_alert", "user_change", "token_change",
    "config_change", "login", "token_use", "purge", "legal_hold", "crop_view", "assist_request",
    "audit_recovery", "key_rotation", "ingest", "alert_delivery", "convoy", "multi_place",
    "frequent_visitor", "analysis_policy_change",
]  # fmt: skip
Outcome = Literal["success", "denied", "held", "failure"]
EVENT_TYPES: frozenset[str] = frozenset(EVENT_CLASSES)  # EventType lists the same names
OUTCOMES: frozenset[str] = frozenset(get_args(Outcome))

MAX_SAFE_INTEGER = 2**53 - 1
SYSTEM_USER_ID, SYSTEM_AGENCY_ID = "system", "plateledger"  # who writes purge receipts
_TOP_FIELDS = ("agency_id", "at", "component", "event_type", "networks", "outcome", "subject",
               "user_id", "v")  # fmt: skip
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One audit entry. Construction validates and normalises every field (see module doc)."""

    at: datetime
    component: str
    event_type: EventType
    user_id: str
    agency_id: str | None
    outcome: Outcome
    subject: dict[str, Any] = field(default_factory=dict)
    networks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _set = object.__setattr__
        _set(self, "at", _utc(self.at, "at"))
        _set(self, "component", _text(self.component, "component"))
        _set(self, "user_id", _text(self.user_id, "user_id"))
        if self.agency_id is not None:
            _set(self, "agency_id", _text(self.agency_id, "agency_id"))
        if not isinstance(self.event_type, str):
            raise AuditEventError("event_type", "unknown event type")
        kind = EVENT_CLASSES.get(_string(self.event_type, "event_type"))
        if kind is None:
            raise AuditEventError("event_type", "unknown event type")
        _set(self, "event_type", kind.event_type)
        if not isinstance(self.outcome, str) or self.outcome not in OUTCOMES:
            raise AuditEventError("outcome", "unknown outcome")
        if isinstance(self.networks, str) or not isinstance(self.networks, Iterable):
            raise AuditEventError("networks", "must be a list of network ids")
        nets = {_text(n, f"networks[{i}]") for i, n in enumerate(self.networks)}
        _set(self, "networks", tuple(sorted(nets, key=_utf16)))
        if not isinstance(self.subject, Mapping):
            raise AuditEventError("subject", "must be an object")
        _set(self, "subject", _json(self.subject, "subject", fragments=False))
        kind.check(self.subject)


class DecisionLike(Protocol):
    """A policy decision (``plateledger.policy.base.Decision``): its ``to_dict()`` is read."""

    def to_dict(self) -> dict[str, Any]: ...


def canonical_bytes(event: AuditEvent) -> bytes:
    """The canonical (RFC 8785-style) UTF-8 JSON encoding of ``event``, with ``"v"``."""
    doc = {  # members in canonical order; all but the subject were validated on construction
        "agency_id": event.agency_id,
        "at": format_time(event.at),
        "component": event.component,
        "event_type": event.event_type,
        "networks": list(event.networks),
        "outcome": event.outcome,
        "subject": _fragments(event.subject),
        "user_id": event.user_id,
        "v": SCHEMA_VERSION,
    }
    return orjson.dumps(doc)


def parse_event(data: bytes) -> AuditEvent:
    """Decode a canonical entry; unknown versions, bad fields or non-canonical bytes raise."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise AuditEventError("entry", "is not valid UTF-8 JSON") from exc
    if not isinstance(doc, dict):
        raise AuditEventError("entry", "must be a JSON object")
    version = doc.get("v")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise AuditEventError("v", f"unsupported schema version (this code reads {SCHEMA_VERSION})")
    unknown = sorted(set(doc) - set(_TOP_FIELDS))
    if unknown:
        raise AuditEventError(unknown[0], "unknown field")
    for name in _TOP_FIELDS:
        if name not in doc:
            raise AuditEventError(name, "missing")
    networks = doc["networks"]
    if not isinstance(networks, list):
        raise AuditEventError("networks", "must be a list of network ids")
    event = AuditEvent(
        at=parse_time(doc["at"], "at"),
        component=doc["component"],
        event_type=doc["event_type"],
        user_id=doc["user_id"],
        agency_id=doc["agency_id"],
        outcome=doc["outcome"],
        subject=doc["subject"],
        networks=tuple(networks),
    )
    if canonical_bytes(event) != bytes(data):
        raise AuditEventError("entry", "is not in canonical form")
    return event


def format_time(value: datetime) -> str:
    """RFC 3339 UTC with microseconds and ``Z`` (``2024-05-01T12:00:00.000000Z``)."""
    t = _utc(value, "datetime")
    return (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:"
            f"{t.second:02d}.{t.microsecond:06d}Z")  # fmt: skip


def parse_time(value: Any, field_name: str) -> datetime:
    """Inverse of ``format_time``; anything else raises naming ``field_name``."""
    if not isinstance(value, str) or not _TIME_RE.fullmatch(value):
        raise AuditEventError(field_name, "must be an RFC 3339 UTC time with microseconds and Z")
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise AuditEventError(field_name, "is not a valid date and time") from exc


def make_event(
    typed: AuditSubject,
    *,
    at: datetime,
    component: str,
    user_id: str,
    agency_id: str | None,
    outcome: Outcome = "success",
    networks: Iterable[str] = (),
) -> AuditEvent:
    """The envelope of a typed subject: ``typed.event_type`` with ``typed.subject()``."""
    kind = cast(EventType, typed.event_type)
    return AuditEvent(at, component, kind, user_id, agency_id, outcome, typed.subject(),
                      tuple(networks))  # fmt: skip


def search_event(
    *,
    at: datetime,
    component: str,
    user_id: str,
    agency_id: str,
    outcome: Outcome,
    search_id: str,
    purpose: str,
    case_number: str,
    reason: str,
    on_behalf_of: str | None,
    query: Mapping[str, Any],
    decisions: Iterable[DecisionLike | Mapping[str, Any]],
    networks_searched: Iterable[str],
    networks_excluded: Iterable[str],
    result_count: int | None,
    event_type: EventType = "search",
) -> AuditEvent:
    """A search (or timeline, hold, denial) request with its per-network policy decisions."""
    kind = EVENT_CLASSES.get(event_type)
    if kind is None or not issubclass(kind, SearchRequest):
        raise AuditEventError("event_type", "not a search event type")
    rows = [_decision_dict(d) for d in decisions]
    searched, excluded = list(networks_searched), list(networks_excluded)
    typed = kind(
        search_id=search_id, purpose=purpose, case_number=case_number, reason=reason,
        on_behalf_of=on_behalf_of, query=dict(query), decisions=rows,
        networks_searched=searched, networks_excluded=excluded, result_count=result_count,
    )  # fmt: skip
    networks = {*searched, *excluded, *(str(r["network"]) for r in rows)}
    return make_event(typed, at=at, component=component, user_id=user_id, agency_id=agency_id,
                      outcome=outcome, networks=networks)  # fmt: skip


def purge_receipt_event(
    *,
    at: datetime,
    component: str,
    owner_agency: str,
    networks: Iterable[str],
    day: date | str,
    cutoff: datetime | date | str,
    rule: str,
    window_minutes: int,
    rows_purged: int,
    bytes_freed: int,
    source: str,
) -> AuditEvent:
    """A retention purge receipt (a ``purge`` event, user ``system``): ``rows_purged`` reads of
    ``owner_agency``'s ``networks`` from ``day``, older than ``cutoff``, deleted from ``source``
    (``store`` or ``lake``) under ``rule``'s window of ``window_minutes``."""
    nets = list(networks)
    when = cutoff if isinstance(cutoff, str) else _iso(cutoff)
    typed = Purge(
        owner_agency=owner_agency, networks=nets, network=",".join(nets),
        day=day if isinstance(day, str) else _iso(day), cutoff=when, rule=rule,
        window_minutes=window_minutes, rows_purged=rows_purged, bytes_freed=bytes_freed,
        source=source,
    )  # fmt: skip
    return make_event(typed, at=at, component=component, user_id=SYSTEM_USER_ID,
                      agency_id=SYSTEM_AGENCY_ID, networks=nets)  # fmt: skip


def _iso(value: date) -> str:
    return format_time(value) if isinstance(value, datetime) else value.isoformat()


def _decision_dict(d: DecisionLike | Mapping[str, Any]) -> dict[str, Any]:
    src = d if isinstance(d, Mapping) else d.to_dict()
    row = {name: src[name] for name in DECISION_FIELDS if name in src}
    if src.get("flags"):
        row["flags"] = list(src["flags"])
    if src.get("evidence"):
        row["evidence"] = list(src["evidence"])
    return row


def _utc(value: Any, field_name: str) -> datetime:
    if not isinstance(value, datetime):
        raise AuditEventError(field_name, "must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise AuditEventError(field_name, "must be timezone-aware")
    return value.astimezone(UTC)


def _text(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value:
        raise AuditEventError(field_name, "must be a non-empty string")
    return _string(value, field_name)


def _string(value: str, path: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AuditEventError(path, "contains a lone surrogate (not valid Unicode)") from exc
    return value if type(value) is str else str.__str__(value)


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _json(value: Any, path: str, *, fragments: bool) -> Any:
    """A validated plain-JSON copy of ``value``; with ``fragments`` floats become JCS text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _string(value, path)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise AuditEventError(path, "integer out of range (|n| must be < 2**53)")
        return int(value)
    if isinstance(value, float):
        return _number(value, path, fragments)
    if isinstance(value, datetime):
        return format_time(_utc(value, path))
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise AuditEventError(path, "object keys must be strings")
        keys = sorted((_string(k, path) for k in value), key=_utf16)
        return {k: _json(value[k], f"{path}.{k}", fragments=fragments) for k in keys}
    if isinstance(value, list | tuple):
        return [_json(v, f"{path}[{i}]", fragments=fragments) for i, v in enumerate(value)]
    raise AuditEventError(path, f"unsupported type {type(value).__name__}")


def _fragments(subject: dict[str, Any]) -> Any:
    """``_json(subject, fragments=True)`` of a subject construction already normalised (keys
    in order, strings checked, times as text): only its floats still change, to JCS text.
    Anything else (the subject changed in place since) takes the full path again."""
    try:
        return _fragment(subject)
    except _NotNormal:
        return _json(subject, "subject", fragments=True)


class _NotNormal(Exception):
    pass


def _fragment(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        if not value.isascii():
            _utf8(value)
        return value
    if kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        keys = list(value)
        if keys != sorted(keys) or not all(type(k) is str and k.isascii() for k in keys):
            raise _NotNormal  # (ASCII keys: code-point order is UTF-16 order)
        return {k: _fragment(v) for k, v in value.items()}
    if kind is list:
        return [_fragment(v) for v in value]
    if kind is float and math.isfinite(value) and abs(value) <= MAX_SAFE_INTEGER:
        return _number(value, "subject", True)
    raise _NotNormal


def _utf8(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _NotNormal from exc


def _number(value: float, path: str, fragments: bool) -> Any:
    if not math.isfinite(value):
        raise AuditEventError(path, "numbers must be finite")
    if abs(value) > MAX_SAFE_INTEGER:
        raise AuditEventError(path, "number out of range (|x| must be < 2**53)")
    if value.is_integer():
        return int(value)
    return orjson.Fragment(_es_number(value).encode()) if fragments else value


def _es_number(value: float) -> str:
    """ECMAScript Number::toString of a finite, non-integral float (as RFC 8785 requires)."""
    sign = "-" if value < 0 else ""
    mantissa, _, exp = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits, point = whole + frac, len(whole) + int(exp or 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        text = digits + "0" * (point - k)
    elif 0 < point <= 21:
        text = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        head = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{head}e{'+' if point > 0 else '-'}{abs(point - 1)}"
    return sign + text
