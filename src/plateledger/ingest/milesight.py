"""Milesight LPR cameras' HTTP Post recognition event, mapped to :class:`CameraEvent` values.

The camera posts one JSON object per recognition (its "HTTP Post" integration; cited in
``docs/ingest.md``): every value is a string, ``"-"`` where the camera has none, the plate
picture as base64 in ``plate_image``. Mapped:

* ``plate`` -> ``plate`` (``"-"`` or empty: skipped, no plate was read);
* ``time_msec`` (else ``time``), ``YYYY-MM-DD HH:MM:SS[.fff]`` -> ``ts``. The camera sends its
  own clock without an offset: it is read as UTC, so the camera's time zone must be UTC
  (a time with an explicit offset is converted);
* ``confidence`` (``"0.70"``; a percentage is scaled) -> ``confidence``;
* ``vehicle_color`` -> ``color``, ``vehicle_type`` -> ``vehicle_type``, ``Vehicle Brand`` ->
  ``make`` (``"-"``, "Unknown", or over 40 characters: left out, the read kept);
* ``plate_image`` -> the crop (a JPEG/PNG of at most 256 KiB, else left out).

The body names no event id: the time, the detection region and the plate's coordinates in
the picture (``detection_region``, ``coordinate_x1`` ... ``coordinate_y2``) make one, never
the plate text, so a resent event is dropped. ``region`` (the plate's country or region) and
``direction`` are not mapped.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from plateledger.ingest.events import BadEvent, CameraEvent, Mapped, Skipped, event_id, label, score
from plateledger.ingest.vendors import crop_b64_of

NONE = "-"  # the camera's value for a field it has nothing for
_COORDINATES = ("coordinate_x1", "coordinate_y1", "coordinate_x2", "coordinate_y2")
_ABSENT = frozenset({NONE, "unknown"})
_LABELS = (("vehicle_color", "color"), ("vehicle_type", "vehicle_type"), ("Vehicle Brand", "make"))


def milesight(body: bytes, content_type: str | None, camera_id: str) -> list[Mapped]:
    """Map a Milesight LPR HTTP Post body (one JSON object, or an array of them)."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return [BadEvent("body", "is not valid JSON").unmapped()]
    items = value if isinstance(value, list) else [value]
    if not items:
        return [BadEvent("body", "no event in the body").unmapped()]
    return [_one(item, camera_id) for item in items]


def _one(item: object, camera_id: str) -> Mapped:
    try:
        if not isinstance(item, dict):
            raise BadEvent("body", "must be a JSON object")
        plate = _text(item, "plate")
        if plate is None:
            raise BadEvent("plate", "is required")
        if plate in ("", NONE):
            return Skipped("no plate was read")
        raw_time, when = _time(item)
        record: dict[str, object] = {"camera_id": camera_id, "ts": when, "plate": plate,
                                     "engine": "milesight-lpr"}  # fmt: skip
        confidence = _text(item, "confidence")
        if confidence not in (None, "", NONE):
            record["confidence"] = score(confidence, "confidence")
        for source, target in _LABELS:
            value = label(item.get(source), _ABSENT)
            if value is not None:
                record[target] = value
        crop = crop_b64_of(_picture(item.get("plate_image")))
        if crop is not None:
            record["crop_b64"] = crop
        return CameraEvent(event_id(_ident(item, raw_time), "time"), record)
    except BadEvent as exc:
        return exc.unmapped()


def _text(item: dict[str, object], field: str) -> str | None:
    value = item.get(field)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BadEvent(field, "must be text")
    return str(value).strip()


def _time(item: dict[str, object]) -> tuple[str, str]:
    """``(time as sent, ISO time)`` from ``time_msec``, else ``time``; naive times are UTC."""
    field = "time_msec" if _text(item, "time_msec") not in (None, "", NONE) else "time"
    raw = _text(item, field)
    if raw is None or raw in ("", NONE):
        raise BadEvent("time", "is required (YYYY-MM-DD HH:MM:SS, the camera's clock in UTC)")
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise BadEvent(field, "must be YYYY-MM-DD HH:MM:SS[.fff]") from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return raw, when.isoformat()


def _ident(item: dict[str, object], raw_time: str) -> str:
    """The event's id: its time, detection region and plate position (never plate text)."""
    region = _text(item, "detection_region") or NONE
    box = ",".join(_text(item, c) or NONE for c in _COORDINATES)
    return f"{raw_time}@{region}:{box}"


def _picture(value: object) -> bytes | None:
    """The base64 plate picture's bytes, or None (absent, ``"-"`` or not base64)."""
    if not isinstance(value, str) or value.strip() in ("", NONE):
        return None
    text = value.strip().removeprefix("data:image/jpeg;base64,")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
