"""The report's headline figures: what the summary paragraph and ``report.json`` show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Summary:
    searches: int
    rows_read: int
    duplicates: int
    agencies: int
    first: str
    last: str
    with_reason: int
    nothing_published: int
    flagged_rows: int
    with_user: int
    with_plate: int
    timezone: str = "UTC"  # the zone the report shows times in (--tz), stored times are UTC
