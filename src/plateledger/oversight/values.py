"""Cell values as found in real exports: redaction markers, Flock ``M/D/YYYY, h:mm:ss AM UTC``
times, ISO times with ``Z``, two-line time frames, counts with thousands separators."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

MARKERS = frozenset({"***", "redacted", "[redacted]", "n/a", "null", "none"})
_FLOCK = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}),?\s+(\d{1,2}):(\d\d)(?::(\d\d))?\s*([AP]M)?\s*(?:UTC)?", re.I
)
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6})\d*)?)?")


def clean(cell: str | None) -> str | None:
    """The cell's text, or None when empty or a redaction marker (``***``, `` REDACTED``)."""
    if cell is None:
        return None
    text = str(cell).strip()
    if not text or text.lower() in MARKERS:
        return None
    return text


_OFFSET = re.compile(r"\d\d(?::\d\d(?:\.\d+)?)?\s*([+-])(\d\d):?(\d\d)\s*$")
_ZONED = re.compile(r"(?:Z|UTC|GMT|[+-]\d\d:?\d\d)\s*$", re.I)


def parse_time(cell: object, local: tzinfo | None = None) -> datetime | None:
    """A UTC datetime from the encodings seen in exports; None if empty or unreadable.
    ``local``: the zone of times that name none (``Z``, ``UTC`` or an offset win)."""
    if isinstance(cell, datetime):
        return (cell if cell.tzinfo else cell.replace(tzinfo=local or UTC)).astimezone(UTC)
    text = clean(None if cell is None else str(cell))
    if text is None:
        return None
    at = _parse_text(text)
    if at is None:
        return None
    offset = _OFFSET.search(text)
    if offset:  # the time names its own offset: 10:00+02:00 is 08:00 UTC
        sign, hours, minutes = offset.groups()
        shift = timedelta(hours=int(hours), minutes=int(minutes))
        return at - shift if sign == "+" else at + shift
    if local is None or _ZONED.search(text):
        return at
    return at.replace(tzinfo=local).astimezone(UTC)


def _parse_text(text: str) -> datetime | None:
    m = _ISO.match(text)
    if m:
        y, mo, d, h, mi, s, frac = m.groups()
        micro = int((frac or "0").ljust(6, "0"))
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro, tzinfo=UTC)
    m = _FLOCK.match(text)
    if m:
        mo, d, y, h, mi, s, half = m.groups()
        hour = int(h)
        if half:
            hour = hour % 12 + (12 if half.upper() == "PM" else 0)
        return datetime(int(y), int(mo), int(d), hour, int(mi), int(s or 0), tzinfo=UTC)
    return None


def parse_int(cell: object) -> int | None:
    if isinstance(cell, int | float):
        return int(cell)
    text = clean(None if cell is None else str(cell))
    if text is None:
        return None
    digits = text.replace(",", "")
    return int(digits) if digits.isdigit() else None


def time_frame(cell: object) -> tuple[datetime | None, datetime | None]:
    """``<start> UTC`` / ``<end> UTC`` on two lines, or ``<start> UTC to <end> UTC``."""
    text = clean(None if cell is None else str(cell))
    if text is None:
        return None, None
    parts = [p for p in re.split(r"\n| to ", text) if p.strip()]
    if len(parts) < 2:
        return parse_time(parts[0]) if parts else None, None
    return parse_time(parts[0]), parse_time(parts[1])
