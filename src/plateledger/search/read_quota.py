"""The daily ceiling of reads returned to each user, set per agency.

Each search that ran records how many reads it returned in its search-log row
(``search_log.result_count``); the reads returned to a user today are the sum over the user's
rows since 00:00 UTC, so many small searches count exactly as one big one, whatever token or
face (API, UI, CLI) ran them. A search that could take the user past the ceiling is held for a
supervisor (``bulk.daily_reads``, see ``search.bulk``).

The reads returned today are kept in memory per user as well (loaded from the search log at a
user's first search of the day, then advanced by each ``record``), so a search does not query the
log for them; a ``record`` between a load's query and its answer makes that load discard itself.

The ceiling is an agency setting (default :attr:`BulkLimits.default_daily_reads`), changed by the
agency's admin and audited as ``config_change`` (action ``daily_read_ceiling``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from plateledger.audit.sink import AuditSink
from plateledger.domain.types import User
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.search import quota_tables
from plateledger.search.bulk import BulkLimits
from plateledger.store.read_query import naive_utc

MAX_DAILY_READS = 1_000_000
_KEY = "daily_read_ceiling:"


class QuotaStore(Protocol):
    """The store as the quota uses it: parameterised SQL and the key/value ``meta`` table."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Usage:
    """One user's standing against the ceilings (for the oversight check)."""

    user_id: str
    agency_id: str
    reads_today: int
    ceiling: int
    bulk_holds: int  # searches held as bulk over the look-back window

    @property
    def share(self) -> float:
        return self.reads_today / self.ceiling if self.ceiling else 1.0


def day_start(now: datetime) -> datetime:
    """00:00 UTC of ``now``'s day, naive (as the search log stores times)."""
    return naive_utc(now).replace(hour=0, minute=0, second=0, microsecond=0)


class ReadQuota:
    def __init__(
        self, *, store: QuotaStore, audit: AuditSink, limits: BulkLimits | None = None
    ) -> None:
        self._store = store
        self._audit = audit
        self.limits = limits or BulkLimits()
        self._lock = threading.Lock()
        self._today: dict[str, tuple[datetime, int]] = {}  # user -> (day, reads returned)
        self._recorded: dict[str, int] = {}  # user -> records so far (a load started before
        # a record of the same user must not store its older answer)

    def ceiling(self, agency_id: str) -> int:
        """The agency's daily ceiling of reads returned per user (its setting or the default)."""
        setting = self.setting(agency_id)
        return self.limits.default_daily_reads if setting is None else setting

    def setting(self, agency_id: str) -> int | None:
        """The agency's own setting, or None when it follows the default."""
        value = self._store.get_meta(_KEY + agency_id)
        return int(value) if value else None

    def set_ceiling(self, user: User, reads: int | None) -> int:
        """An admin sets the own agency's ceiling (None: back to the default); audited."""
        if user.role != "admin":
            raise ForbiddenError("the daily read ceiling is set by an admin of the agency")
        if reads is not None and (isinstance(reads, bool) or not 1 <= reads <= MAX_DAILY_READS):
            raise ValidationError(
                f"daily_read_ceiling: give a whole number of reads from 1 to {MAX_DAILY_READS:,}",
                {"field": "daily_read_ceiling"},
            )
        previous = self.setting(user.agency_id)
        self._audit("config_change", user, {"action": "daily_read_ceiling",
                    "daily_read_ceiling": reads, "previous": previous})  # fmt: skip
        self._store.set_meta(_KEY + user.agency_id, "" if reads is None else str(reads))
        return self.ceiling(user.agency_id)

    def returned_today(self, user_id: str, now: datetime) -> int:
        """Reads returned to ``user_id`` by searches and timelines since 00:00 UTC."""
        day = day_start(now)
        with self._lock:
            known = self._today.get(user_id)
            if known is not None and known[0] == day:
                return known[1]
            generation = self._recorded.get(user_id, 0)
        returned = quota_tables.returned_since(self._store, user_id, day)
        with self._lock:
            if self._recorded.get(user_id, 0) == generation:
                self._today[user_id] = (day, returned)
        return returned

    def record(self, search_id: str, returned: int, user_id: str, now: datetime) -> None:
        """Count the reads a search of ``user_id`` returned (in its search-log row; none
        returned leaves the row's count NULL, which the sums read as 0: one write fewer).

        The memory counts it on ``now``'s day; the log, on the day the search was logged. A
        search logged just before midnight and counted just after can count on the new day
        until the user's count is next loaded: towards the ceiling, never past it unseen."""
        if returned:
            quota_tables.set_result_count(self._store, search_id, returned)
        with self._lock:
            self._recorded[user_id] = self._recorded.get(user_id, 0) + 1
            known = self._today.get(user_id)
            if known is not None and known[0] == day_start(now):
                self._today[user_id] = (known[0], known[1] + returned)
            else:
                self._today.pop(user_id, None)

    def usage(self, agency_id: str | None, now: datetime, days: int = 7) -> list[Usage]:
        """Every user (of ``agency_id``, or all) with reads returned today or bulk holds in the
        last ``days`` days, by share of the ceiling (highest first)."""
        rows = quota_tables.usage_since(
            self._store, agency_id, day_start(now), naive_utc(now) - timedelta(days=days)
        )
        out = [Usage(u, a, reads, self.ceiling(a), holds) for u, a, reads, holds in rows]
        return sorted(out, key=lambda u: (-u.share, -u.bulk_holds, u.user_id))
