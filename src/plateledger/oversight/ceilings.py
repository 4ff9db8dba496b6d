"""Live oversight check: users near the bulk-extraction ceilings.

Flags a user who today (UTC) was returned at least :data:`NEAR_SHARE` of their agency's daily
read ceiling, or whose searches were held as bulk (``bulk.*`` rules: a pattern matching too many
plates, a place × time window too large, the daily ceiling reached) at least
:data:`REPEATED_BULK_HOLDS` times in the last :data:`LOOKBACK_DAYS` days. Shown on the UI's
oversight page to auditors (every agency, or one) and to an agency's admin (their own).

The figures come from the search log through a source given by the caller (the platform's
``search.read_quota.ReadQuota``); this module does not import the search package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from plateledger.domain.types import User
from plateledger.oversight.browse import check_role

NEAR_SHARE = 0.8
REPEATED_BULK_HOLDS = 3
LOOKBACK_DAYS = 7


class UsageRow(Protocol):
    @property
    def user_id(self) -> str: ...
    @property
    def agency_id(self) -> str: ...
    @property
    def reads_today(self) -> int: ...
    @property
    def ceiling(self) -> int: ...
    @property
    def bulk_holds(self) -> int: ...


class UsageSource(Protocol):
    def usage(self, agency_id: str | None, now: datetime, days: int = 7) -> Sequence[UsageRow]: ...


@dataclass(frozen=True, slots=True)
class NearCeiling:
    user_id: str
    agency_id: str
    reads_today: int
    ceiling: int
    share_pct: int  # reads today as a percentage of the ceiling
    bulk_holds: int  # over the look-back window
    why: str


@dataclass(frozen=True, slots=True)
class CeilingCheck:
    name: str
    title: str
    definition: str
    threshold: str
    rows: tuple[NearCeiling, ...]


def near_ceilings(user: User, agency: str, *, source: UsageSource, now: datetime) -> CeilingCheck:
    """The check over ``agency``'s users (an admin: always their own; an auditor: ``agency``,
    or every agency when empty)."""
    check_role(user)
    scope = agency if user.role == "auditor" else user.agency_id
    rows: list[NearCeiling] = []
    for u in source.usage(scope or None, now, LOOKBACK_DAYS):
        share = u.reads_today / u.ceiling if u.ceiling else 1.0
        why = []
        if share >= NEAR_SHARE:
            why.append(f"{share:.0%} of the daily read ceiling")
        if u.bulk_holds >= REPEATED_BULK_HOLDS:
            why.append(f"{u.bulk_holds} bulk searches held in {LOOKBACK_DAYS} days")
        if why:
            rows.append(
                NearCeiling(
                    u.user_id,
                    u.agency_id,
                    u.reads_today,
                    u.ceiling,
                    round(share * 100),
                    u.bulk_holds,
                    "; ".join(why),
                )  # fmt: skip
            )
    return CeilingCheck(
        "near_ceilings",
        "Users near the bulk-extraction ceilings",
        "Users returned many reads today (UTC) against their agency's daily read ceiling, or "
        "whose searches were repeatedly held as bulk (too many plates, too large a place × time "
        "window, or the daily ceiling reached).",
        f">= {NEAR_SHARE:.0%} of the daily read ceiling, or >= {REPEATED_BULK_HOLDS} bulk holds "
        f"in {LOOKBACK_DAYS} days",
        tuple(sorted(rows, key=lambda r: (-r.share_pct, -r.bulk_holds, r.user_id))),
    )
