"""Per-agency views of the audit log: the owner's network audit and the organisation audit.

``network_audit`` yields every entry whose ``networks`` intersect the given networks — every
search that touched *or tried to touch* them, denied and held attempts included, by any agency
(the Flock "Network Audit"); a search on behalf of another agency names both (``agency_id`` and
``subject.on_behalf_of``). ``organization_audit`` yields every entry written for one agency's
users, on any network (the Flock "Organization Audit"), and with ``on_behalf`` also every entry
that names the agency in ``subject.on_behalf_of``: searches other agencies ran on its behalf (or
claimed to) and assist requests recorded for it.

Both are a linear scan of the log (O(entries), one read per entry). A cheap byte test on the
canonical encoding skips most non-matching entries without parsing them; matches are parsed and
checked exactly. The time window is ``since <= at < until`` (either end optional; naive times
are UTC). Entries are yielded in log order, with their index, as parsed dicts; the log is never
changed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from plateledger.audit.events import format_time
from plateledger.audit.log import AuditLog

Entry = tuple[int, dict[str, Any]]


def network_audit(
    audit: AuditLog,
    network_ids: Collection[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[Entry]:
    """Entries about any of ``network_ids`` (allowed, held and denied attempts alike)."""
    wanted = frozenset(network_ids)
    needles = [orjson.dumps(n) for n in wanted]

    def quick(data: bytes) -> bool:
        return any(needle in data for needle in needles)

    def exact(entry: dict[str, Any]) -> bool:
        return not wanted.isdisjoint(entry.get("networks") or ())

    return _scan(audit, quick, exact, since, until)


ACCESS_EVENTS = frozenset({"token_use", "login"})


def organization_audit(
    audit: AuditLog,
    agency_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    access_events: bool = False,
    on_behalf: bool = False,
) -> Iterator[Entry]:
    """Entries written for ``agency_id``'s users (its own searches, on any network, and the
    changes they made); with ``on_behalf``, also entries naming it in ``subject.on_behalf_of``.
    Token-use and login events are left out unless ``access_events``."""
    needle = b'"agency_id":' + orjson.dumps(agency_id)
    behalf = b'"on_behalf_of":' + orjson.dumps(agency_id)

    def quick(data: bytes) -> bool:
        return needle in data or (on_behalf and behalf in data)

    def exact(entry: dict[str, Any]) -> bool:
        if not access_events and entry.get("event_type") in ACCESS_EVENTS:
            return False
        if on_behalf and (entry.get("subject") or {}).get("on_behalf_of") == agency_id:
            return True
        return entry.get("agency_id") == agency_id

    return _scan(audit, quick, exact, since, until)


def _scan(
    audit: AuditLog,
    quick: Callable[[bytes], bool],
    exact: Callable[[dict[str, Any]], bool],
    since: datetime | None,
    until: datetime | None,
) -> Iterator[Entry]:
    """Every entry (up to the size at the start) passing both tests and the time window."""
    low, high = _bound(since), _bound(until)
    for index in range(audit.size):
        data = audit.entry(index)
        if not quick(data):
            continue
        entry = orjson.loads(data)
        at = entry["at"]  # fixed-width RFC 3339 UTC: string order is time order
        if (low is not None and at < low) or (high is not None and at >= high):
            continue
        if exact(entry):
            yield index, entry


def _bound(value: datetime | None) -> str | None:
    """A window end as the log writes times; a naive datetime is taken as UTC."""
    if value is None:
        return None
    return format_time(value if value.tzinfo is not None else value.replace(tzinfo=UTC))
