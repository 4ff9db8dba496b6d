"""Times on the results and timeline pages: ``domain.when``'s stamp with the weekday in front
(``Mon 7 Dec 2026, 14:03:12 UTC``), since an investigator reads a vehicle's movements by day of
the week. The ISO form (``iso_time``) goes in the ``<time datetime>`` attribute beside it.
"""

from __future__ import annotations

from datetime import datetime

from plateledger.domain.when import human_stamp, iso_stamp, utc

__all__ = ["day_key", "human_day", "human_time", "iso_time", "utc"]


def human_time(ts: datetime) -> str:
    """``Mon 7 Dec 2026, 14:03:12 UTC``."""
    return f"{utc(ts):%a} {human_stamp(ts, seconds=True)}"


def human_day(ts: datetime) -> str:
    """``Mon 7 Dec 2026``."""
    t = utc(ts)
    return f"{t:%a} {t.day} {t:%b %Y}"


def iso_time(ts: datetime) -> str:
    """ISO 8601 in UTC, ending in ``Z``."""
    return iso_stamp(ts)


def day_key(ts: datetime) -> str:
    """The UTC calendar day, ``2026-12-07``."""
    return utc(ts).date().isoformat()
