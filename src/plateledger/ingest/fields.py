"""Checkers for the single fields of an incoming read.

Each checker takes the raw JSON value (never ``None``: nulls are skipped by the caller) and returns
the value to store, or raises :class:`Invalid`. Messages never quote the value itself, so plate
text cannot leak into logs or error payloads through them.
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from plateledger.domain.plates import canonicalize
from plateledger.domain.types import US_STATES
from plateledger.errors import ValidationError
from plateledger.store.crops import MAX_CROP_BYTES, CropError, image_kind

MAX_CANDIDATES = 10
MAX_LABEL = 40
MAX_CROP_REF = 500
MAX_ENGINE = 100
FUTURE_SLACK = timedelta(minutes=10)
EARLIEST_TS = datetime(2000, 1, 1, tzinfo=UTC)
TS_EXAMPLE = "2026-11-28T14:03:05Z"

_US_STATES = frozenset(US_STATES)
_REGION = re.compile(r"[A-Z]{2,3}")

Checker = Callable[[object], object]


class Invalid(Exception):
    """A field value is wrong. ``problems`` pairs a field-name suffix with a message.

    The suffix is appended to the JSON key (``""`` for the key itself, ``"[2].confidence"`` for a
    part of a list), so one field can report several problems.
    """

    def __init__(self, message: str, suffix: str = "") -> None:
        super().__init__(message)
        self.problems: list[tuple[str, str]] = [(suffix, message)]

    @classmethod
    def many(cls, problems: list[tuple[str, str]]) -> Invalid:
        """One exception carrying several ``(suffix, message)`` problems."""
        exc = cls(problems[0][1], problems[0][0])
        exc.problems = problems
        return exc


def _type_name(value: object) -> str:
    """A JSON-ish name for the type of ``value``, for error messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def text(value: object, limit: int) -> str:
    """A string of at most ``limit`` characters, surrounding whitespace removed."""
    if not isinstance(value, str):
        raise Invalid(f"must be a string, not {_type_name(value)}")
    value = value.strip()
    if len(value) > limit:
        raise Invalid(f"must be at most {limit} characters (got {len(value)})")
    return value


def number(value: object, low: float, high: float) -> float:
    """A JSON number (not a boolean, not NaN) in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"must be a number in [{low:g}, {high:g}], not {_type_name(value)}")
    if not low <= value <= high:
        raise Invalid(f"must be a number in [{low:g}, {high:g}]")
    return float(value)


def unit(value: object) -> float:
    """A confidence: a number in ``[0, 1]``."""
    return number(value, 0.0, 1.0)


def latitude(value: object) -> float:
    return number(value, -90.0, 90.0)


def longitude(value: object) -> float:
    return number(value, -180.0, 180.0)


def plate(value: object) -> str:
    """The canonical form of a plate string (see :func:`plateledger.domain.plates.canonicalize`)."""
    if not isinstance(value, str):
        raise Invalid(f"must be a string, not {_type_name(value)}")
    try:
        return canonicalize(value)
    except ValidationError as exc:
        message = exc.message  # "plate: ..." -- the field name is carried separately
        raise Invalid(message.removeprefix("plate: ")) from None


def region(value: object) -> str | None:
    """A plate's state or region: 2-3 letters, stored upper-case (``CA``, ``QC``, ``NSW``)."""
    if isinstance(value, str) and value in _US_STATES:  # fast path for the common case
        return value
    code = text(value, 3).upper()
    if not code:
        return None
    if not _REGION.fullmatch(code):
        raise Invalid("must be a 2-3 letter state or region code, e.g. CA")
    return code


def lower_label(value: object) -> str | None:
    """Colour or vehicle type: at most 40 characters, stored lower-case; blank means null."""
    return text(value, MAX_LABEL).lower() or None


def upper_label(value: object) -> str | None:
    """Make: at most 40 characters, stored upper-case; blank means null."""
    return text(value, MAX_LABEL).upper() or None


def crop_ref(value: object) -> str | None:
    return text(value, MAX_CROP_REF) or None


# Longest base64 text of a crop of MAX_CROP_BYTES (padded, plus slack for line breaks).
MAX_CROP_B64 = (MAX_CROP_BYTES + 2) // 3 * 4 + 1024


def crop_b64(value: object) -> bytes:
    """An evidence crop sent inline: base64 of a JPEG or PNG of at most 256 KiB (the bytes)."""
    if not isinstance(value, str):
        raise Invalid(f"must be base64 text, not {_type_name(value)}")
    if len(value) > MAX_CROP_B64:
        raise Invalid(f"is too large: the image must be at most {MAX_CROP_BYTES} bytes (256 KiB)")
    try:
        data = b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("is not valid base64") from None
    try:
        image_kind(data)
    except CropError as exc:
        raise Invalid(exc.message.replace("the crop is", "is", 1)) from None
    return data


def engine(value: object) -> str | None:
    return text(value, MAX_ENGINE) or None


def timestamp_checker(now: datetime) -> Checker:
    """A checker for ``ts`` that rejects instants more than 10 minutes after ``now``."""
    latest = now + FUTURE_SLACK

    def check(value: object) -> datetime:
        if isinstance(value, str):
            try:
                ts = datetime.fromisoformat(value)
            except ValueError:
                raise Invalid(f"must be an ISO 8601 timestamp, e.g. {TS_EXAMPLE}") from None
        elif isinstance(value, datetime):  # Parquet timestamps and Python callers
            ts = value
        else:
            raise Invalid(f"must be an ISO 8601 string, e.g. {TS_EXAMPLE}, not {_type_name(value)}")
        if ts.tzinfo is None or ts.utcoffset() is None:
            raise Invalid(f"has no UTC offset: add one, e.g. {TS_EXAMPLE} or +01:00")
        if ts > latest:
            raise Invalid("is more than 10 minutes in the future")
        if ts < EARLIEST_TS:
            raise Invalid("is before 2000-01-01")
        return ts

    return check


def _candidate(item: object, index: int) -> tuple[dict[str, object] | None, list[tuple[str, str]]]:
    """One ``{"plate": str, "confidence": number}`` candidate: the stored value, or problems."""
    where = f"[{index}]"
    if not isinstance(item, dict):
        return None, [
            (where, f"must be an object with plate and confidence, not {_type_name(item)}")
        ]
    problems: list[tuple[str, str]] = []
    out: dict[str, object] = {}
    for key, check in (("plate", plate), ("confidence", unit)):
        raw = item.get(key)
        if raw is None:
            problems.append((f"{where}.{key}", "is required"))
            continue
        try:
            out[key] = check(raw)
        except Invalid as exc:
            problems.append((f"{where}.{key}", str(exc)))
    return (None, problems) if problems else (out, [])


def candidates(value: object) -> list[dict[str, object]]:
    """Alternative readings: a list of at most 10 ``{"plate", "confidence"}`` objects."""
    if not isinstance(value, list):
        raise Invalid(f"must be a list of objects, not {_type_name(value)}")
    if len(value) > MAX_CANDIDATES:
        raise Invalid(f"must have at most {MAX_CANDIDATES} entries (got {len(value)})")
    out: list[dict[str, object]] = []
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(value):
        checked, bad = _candidate(item, index)
        if checked is not None:
            out.append(checked)
        problems.extend(bad)
    if problems:
        raise Invalid.many(problems)
    return out
