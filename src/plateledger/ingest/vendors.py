"""Camera vendors' documented plate-event bodies, mapped to :class:`CameraEvent` values.

Sources (cited with excerpts in ``docs/ingest.md`` and ``tests/ingest/fixtures/``):

* ``hikvision``: ISAPI ``EventNotificationAlert`` XML with ``eventType`` ``ANPR`` and an
  ``ANPR`` element (``licensePlate``, ``confidenceLevel`` 0-100, ``vehicleType``), sent by the
  camera's HTTP listening / alarm server, alone or as the XML part of a multipart body whose
  image parts (``licensePlatePicture.jpg``) carry the crop. Event id: ``UUID``, else channel and
  ``dateTime``.
* ``axis``: the AXIS License Plate Verifier push JSON (FF Group protocol 1.6): ``plateUTF8``,
  ``datetime`` (``YYYYMMDD HHMMSSFFF`` with an optional ``+HHMM``) or ``capture_timestamp``
  (Unix ms), ``plateConfidence``, ``carState`` (``new`` is a read; ``updated`` and ``lost``
  repeat it), ``geotag``, ``carID``. Event id: ``carID`` and the capture time.

Dahua's ``TrafficJunction`` event is mapped in ``ingest.dahua``.

The camera is the one the request names (its token is bound to it); vendors' channel ids and
sensor names are not trusted for it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from xml.etree import ElementTree as ET

from plateledger.ingest.events import (
    BadEvent,
    CameraEvent,
    Mapped,
    Skipped,
    child,
    child_text,
    epoch_iso,
    event_id,
    local,
    safe_xml,
    score,
)
from plateledger.store.crops import MAX_CROP_BYTES, CropError, image_kind

Adapter = Callable[[bytes, str | None, str], list[Mapped]]


def crop_b64_of(data: bytes | None) -> str | None:
    """The image as base64 when it is a JPEG/PNG the crop store takes, else None (too large
    or not an image: the read is kept without its crop)."""
    if not data or len(data) > MAX_CROP_BYTES:
        return None
    try:
        image_kind(data)
    except CropError:
        return None
    return base64.b64encode(data).decode("ascii")


def multipart_parts(body: bytes, content_type: str) -> list[Message]:
    """The parts of a multipart body (stdlib parser; no files written)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = message_from_bytes(head + body)
    if not message.is_multipart():
        raise BadEvent("body", "multipart body without parts")
    return [part for part in message.get_payload() if isinstance(part, Message)]


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


# --- Hikvision ISAPI ANPR ----------------------------------------------------------------------


def hikvision(body: bytes, content_type: str | None, camera_id: str) -> list[Mapped]:
    """Map a Hikvision ANPR alarm (XML, or multipart with the XML and pictures)."""
    try:
        image = None
        if content_type and content_type.lower().startswith("multipart/"):
            xml_body, image = _hikvision_parts(multipart_parts(body, content_type))
        else:
            xml_body = body
        return [_hikvision_alert(safe_xml(xml_body), camera_id, image)]
    except BadEvent as exc:
        return [exc.unmapped()]


def _hikvision_parts(parts: list[Message]) -> tuple[bytes, bytes | None]:
    xml_body, image = None, None
    for part in parts:
        kind, name = part.get_content_type(), (part.get_filename() or part.get_param("name", ""))
        if "xml" in kind and xml_body is None:
            xml_body = _payload(part)
        elif kind.startswith("image/") and (image is None or "licensePlate" in str(name)):
            image = _payload(part)
    if xml_body is None:
        raise BadEvent("body", "multipart body without an XML part (anpr.xml)")
    return xml_body, image


def _hikvision_alert(root: ET.Element, camera_id: str, image: bytes | None) -> Mapped:
    if local(root.tag) != "EventNotificationAlert":
        raise BadEvent("EventNotificationAlert", "is not the root element")
    if (child_text(root, "eventType") or "").upper() != "ANPR":
        return Skipped("not an ANPR event")
    if (child_text(root, "eventState") or "active").lower() != "active":
        return Skipped("inactive event")
    anpr = child(root, "ANPR")
    if anpr is None:
        raise BadEvent("ANPR", "is required in an ANPR event")
    when = child_text(root, "dateTime")
    if when is None:
        raise BadEvent("dateTime", "is required")
    ident = child_text(root, "UUID") or f"{child_text(root, 'channelID') or '1'}@{when}"
    record: dict[str, object] = {
        "camera_id": camera_id,
        "ts": when,
        "plate": child_text(anpr, "licensePlate"),
        "confidence": score(child_text(anpr, "confidenceLevel"), "ANPR.confidenceLevel"),
        "vehicle_type": child_text(anpr, "vehicleType"),
        "engine": "hikvision-anpr",
    }
    if record["plate"] is None:
        raise BadEvent("ANPR.licensePlate", "is required")
    crop = crop_b64_of(image)
    if crop is not None:
        record["crop_b64"] = crop
    return CameraEvent(event_id(ident, "UUID"), record)


# --- AXIS License Plate Verifier push JSON -----------------------------------------------------

_AXIS_STATES = {"new", ""}


def axis(body: bytes, content_type: str | None, camera_id: str) -> list[Mapped]:
    """Map an AXIS License Plate Verifier push (one JSON packet, or multipart JSON + image)."""
    try:
        image = None
        if content_type and content_type.lower().startswith("multipart/"):
            parts = multipart_parts(body, content_type)
            jsons = [p for p in parts if "json" in p.get_content_type()]
            images = [p for p in parts if p.get_content_type().startswith("image/")]
            if not jsons:
                raise BadEvent("body", "multipart body without a JSON part")
            body, image = _payload(jsons[0]), (_payload(images[0]) if images else None)
        packet = json.loads(body)
    except BadEvent as exc:
        return [exc.unmapped()]
    except (ValueError, UnicodeDecodeError):
        return [BadEvent("body", "is not valid JSON").unmapped()]
    packets = packet if isinstance(packet, list) else [packet]
    return [_axis_one(p, camera_id, image) for p in packets]


def _axis_one(packet: object, camera_id: str, image: bytes | None) -> Mapped:
    try:
        if not isinstance(packet, dict):
            raise BadEvent("body", "must be a JSON object")
        if str(packet.get("carState") or "").lower() not in _AXIS_STATES:
            return Skipped("a repeat of a read (carState updated/lost)")
        when = _axis_time(packet)
        plate = packet.get("plateUTF8") or packet.get("plateUnicode") or packet.get("plateText")
        if plate is None:
            raise BadEvent("plateUTF8", "is required")
        record: dict[str, object] = {
            "camera_id": camera_id, "ts": when, "plate": plate,
            "confidence": score(packet.get("plateConfidence"), "plateConfidence"),
            "engine": "axis-lpv",
        }  # fmt: skip
        geotag = packet.get("geotag")
        if isinstance(geotag, dict):
            record["lat"], record["lon"] = geotag.get("lat"), geotag.get("lon")
        crop = crop_b64_of(image)
        if crop is not None:
            record["crop_b64"] = crop
        capture = packet.get("capture_timestamp") or packet.get("datetime")
        car = event_id(packet.get("carID"), "carID")
        return CameraEvent(event_id(f"{car}@{capture}", "carID"), record)
    except BadEvent as exc:
        return exc.unmapped()


def _axis_time(packet: dict[str, object]) -> str:
    """``capture_timestamp`` (Unix ms, UTC) if present, else ``datetime`` with its offset."""
    if packet.get("capture_timestamp") is not None:
        return epoch_iso(packet["capture_timestamp"], "capture_timestamp", millis=True)
    raw = packet.get("datetime")
    if not isinstance(raw, str):
        raise BadEvent("datetime", "is required (or capture_timestamp)")
    for pattern in ("%Y%m%d %H%M%S%f%z", "%Y%m%d %H%M%S%f"):
        try:
            when = datetime.strptime(raw.strip(), pattern)
        except ValueError:
            continue
        if when.tzinfo is None:
            raise BadEvent("datetime", "has no UTC offset (+HHMM) and capture_timestamp is absent")
        return when.isoformat()
    raise BadEvent("datetime", "must be YYYYMMDD HHMMSSFFF with an offset, e.g. +0000")


VENDORS: dict[str, Adapter] = {"hikvision": hikvision, "axis": axis}
