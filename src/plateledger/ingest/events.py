"""Plate events from cameras plateledger does not make, mapped onto read records.

An adapter (``vendors.py`` for HTTP bodies, ``frigate.py`` for Frigate's MQTT messages,
``mapping.py`` for other systems' exports) turns each event into one :data:`Mapped` value:

* :class:`CameraEvent`: the source's event id and a read record as ``POST /api/v1/reads`` takes
  it (``camera_id``, ``ts``, ``plate``, optional fields, ``crop_b64``); it then goes through
  the same validation, durable append and ``ingest`` audit entry as any read;
* :class:`Unmapped`: the event could not be mapped; ``field`` names the source's field at fault;
* :class:`Skipped`: a well-formed message that is not a new read (a Frigate ``new`` event
  without a plate yet, an Axis ``lost`` packet).

Event ids are the source's own (Frigate's ``<start>-<random>``, Hikvision's ``UUID``): never
plate text, since they are kept (in ``ingest_seen``) to drop resent events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from plateledger.ingest.fields import MAX_LABEL

MAX_EVENT_ID = 200


@dataclass(frozen=True, slots=True)
class CameraEvent:
    """One plate event: the source's id for it and the read record it maps to."""

    event_id: str
    record: dict[str, object]


@dataclass(frozen=True, slots=True)
class Unmapped:
    """An event that could not be mapped: ``field`` (the source's name) and why."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A message that carries no new read (why, for the counts)."""

    reason: str


Mapped = CameraEvent | Unmapped | Skipped


class BadEvent(Exception):
    """Raised inside an adapter: the source field at fault and the message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def unmapped(self) -> Unmapped:
        return Unmapped(self.field, self.message)


def event_id(value: object, field: str) -> str:
    """A source's event id: a non-empty string or integer, at most 200 characters."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadEvent(field, "is required (the event's id, to drop resent events)")
    text = str(value).strip()
    if not text or len(text) > MAX_EVENT_ID:
        raise BadEvent(field, f"must be 1 to {MAX_EVENT_ID} characters")
    return text


def epoch_iso(value: object, field: str, *, millis: bool = False) -> str:
    """A Unix time (seconds, or milliseconds with ``millis``) as an ISO 8601 UTC string."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadEvent(field, "must be a Unix time (a number)")
    seconds = value / 1000 if millis else value
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        raise BadEvent(field, "is not a valid Unix time") from None


def score(value: object, field: str) -> float | None:
    """A confidence as a number in [0, 1]; percentages (1 < x <= 100) are scaled down."""
    if value is None or value == "":
        return None
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        raise BadEvent(field, "must be a number") from None
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise BadEvent(field, "must be a number")
    if 1 < number <= 100:
        return float(number) / 100
    return float(number)


def label(value: object, absent: frozenset[str]) -> str | None:
    """A vendor's colour, type or make label as sent, or None when it is not text, blank, one of
    the vendor's words for "none" (``absent``, lower case), or longer than the read model's
    ``MAX_LABEL``: such a label is left out and the read kept."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or text.lower() in absent or len(text) > MAX_LABEL:
        return None
    return text


# --- XML without DTDs ------------------------------------------------------------------------

MAX_XML_BYTES = 1 << 20
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def safe_xml(body: bytes) -> ET.Element:
    """Parse an XML event body, refusing any DTD: no entities (no "billion laughs", no external
    entity reads), at most 1 MiB. Raises :class:`BadEvent` on field ``body``."""
    if len(body) > MAX_XML_BYTES:
        raise BadEvent("body", "XML over 1 MiB")
    if _DTD.search(body):
        raise BadEvent("body", "XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        return ET.fromstring(body)  # noqa: S314 -- DTDs refused above, so no entities
    except ET.ParseError as exc:
        raise BadEvent(
            "body", f"is not well-formed XML ({exc.position[0]}:{exc.position[1]})"
        ) from None
    except (LookupError, ValueError):  # an unknown or impossible declared encoding
        raise BadEvent("body", "is XML in an unknown encoding") from None


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def child_text(element: ET.Element, name: str) -> str | None:
    """The stripped text of the first child named ``name`` (any namespace), or None."""
    for child in element:
        if local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def child(element: ET.Element, name: str) -> ET.Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None
