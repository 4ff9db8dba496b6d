"""Timestamps as people read them, with the zone named: ``7 Dec 2026, 14:03 UTC``.

One helper for every page that prints a time (the transparency portal, the UI's audit pages):
the human form goes between the tags, the exact ISO 8601 form in ``<time datetime>``. Times are
kept in UTC throughout, so UTC is the zone shown.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["human_stamp", "iso_stamp", "parse_stamp", "utc"]


def utc(ts: datetime) -> datetime:
    """``ts`` in UTC (a naive time is taken to be UTC already, as the store keeps them)."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def parse_stamp(value: datetime | str) -> datetime | None:
    """A datetime, or an ISO 8601 string (``Z`` or an offset; naive is UTC); None when the
    string is no time at all."""
    if isinstance(value, datetime):
        return utc(value)
    try:
        return utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def human_stamp(value: datetime | str, *, seconds: bool = False) -> str:
    """``7 Dec 2026, 14:03 UTC`` (``14:03:12`` with ``seconds``); a string that is no time is
    returned as it is."""
    t = parse_stamp(value)
    if t is None:
        return str(value)
    clock = f"{t:%H:%M:%S}" if seconds else f"{t:%H:%M}"
    return f"{t.day} {t:%b %Y}, {clock} UTC"


def iso_stamp(value: datetime | str) -> str:
    """The machine-readable form for ``<time datetime>``: ISO 8601 in UTC, ending in ``Z``
    (a string that is no time is returned as it is)."""
    t = parse_stamp(value)
    if t is None:
        return str(value)
    return t.isoformat().replace("+00:00", "Z")
