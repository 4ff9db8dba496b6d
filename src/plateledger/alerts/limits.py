"""What a hotlist may say: how far ahead an entry may expire, and whom a list may be shared with.

* **Expiry** (``expires_at`` of an entry, added, imported or changed): at most
  :data:`MAX_ENTRY_DAYS` (366) days after now. There are no permanent entries: a plate stays on
  a list only while someone keeps renewing it (changing the entry or re-importing the list),
  and a year is the longest an agency may let a lead run unreviewed. An expiry in year 9999 is
  refused with an error naming the field. An expiry in the past is allowed (the entry is
  inert: imports of already-expired records stay complete).
* **Sharing** (``share_with``): each value is ``*`` (national), a two-letter US state code, or
  the exact id of a registered agency; anything else is refused naming the field and the value
  (written with escapes, so invisible or look-alike characters show): empty strings, unknown
  ids, paths (``../..``), ids differing from a registered one by case, spacing, a look-alike or
  an invisible character. At most :data:`MAX_SHARE_WITH` values.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from plateledger.domain.types import US_STATES
from plateledger.errors import ValidationError

MAX_ENTRY_DAYS = 366
MAX_SHARE_WITH = 200
NATIONAL = "*"


def check_expiry(expires: datetime, key: str, now: datetime) -> datetime:
    """``expires`` if it is at most :data:`MAX_ENTRY_DAYS` after ``now``; else a
    :class:`ValidationError` naming ``key``."""
    latest = now + timedelta(days=MAX_ENTRY_DAYS)
    try:
        expires.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00: no UTC time
        raise ValidationError(f"{key}: out of range", {"field": key}) from None
    if expires > latest:
        raise ValidationError(
            f"{key}: at most {MAX_ENTRY_DAYS} days ahead (by {latest.date().isoformat()}); "
            f"got {expires.isoformat()}",
            {"field": key, "max_days": MAX_ENTRY_DAYS},
        )
    return expires


def check_share_with(values: object, agencies: Collection[str]) -> tuple[str, ...]:
    """The validated ``share_with`` values (order kept, duplicates dropped)."""
    if not isinstance(values, list | tuple):
        raise ValidationError("share_with: must be a list", {"field": "share_with"})
    if len(values) > MAX_SHARE_WITH:
        raise ValidationError(
            f"share_with: at most {MAX_SHARE_WITH} values", {"field": "share_with"}
        )
    out: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str) or not _known(value, agencies):
            shown = ascii(value)
            raise ValidationError(
                f"share_with: {shown} is not '*', a US state code or a registered agency",
                {"field": "share_with", "value": shown},
            )
        out[value] = None
    return tuple(out)


def _known(value: str, agencies: Collection[str]) -> bool:
    return value == NATIONAL or value in US_STATES or value in agencies
