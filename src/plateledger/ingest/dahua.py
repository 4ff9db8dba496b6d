"""Dahua ITC / ANPR cameras' ``TrafficJunction`` event, mapped to :class:`CameraEvent` values.

The event's fields are those of Dahua's HTTP API (``eventManager.cgi`` /
``snapManager.cgi?action=attachFileProc&Events=[TrafficJunction]``; cited in
``docs/ingest.md``), accepted in the shapes a relay or the camera sends them:

* text, one ``Events[N].Path.To.Field=value`` per line (the ``text/plain`` part of the
  camera's event stream);
* JSON: one event (``{"Code": "TrafficJunction", "Data": {...}}``, or its ``Data`` object with
  a ``Code``), ``{"Events": [...]}``, or an array of events;
* either of those as the first text/JSON part of a multipart body whose first image part (the
  ``image/jpeg`` part of the stream) is kept as the crop when it is at most 256 KiB.

Mapped: ``Object.Text`` when ``Object.ObjectType`` is ``Plate``, else
``TrafficCar.PlateNumber`` -> ``plate`` (an empty plate is skipped: a vehicle without a
readable plate); ``RealUTC`` (else ``UTC``), plus ``UTCMS`` milliseconds -> ``ts``;
``TrafficCar.VehicleColor`` -> ``color``; ``CommInfo.StandardVehicleType`` (else
``Vehicle.Category``) -> ``vehicle_type``; ``GroupID`` (else ``EventID`` with the time) -> the
event id, so the several pictures of one passage (``IndexInGroup``) are stored once. Events
whose ``Code`` is not ``TrafficJunction`` are skipped.

``Object.Confidence`` -> ``confidence`` (divided by 255) when the plate is the plate object's
text: Dahua's NetSDK documents an object's confidence as 0 to 255, higher is surer
(``NET_MSG_OBJECT.nConfidence``; cited in ``docs/ingest.md``). 0, or no value, is stored as no
confidence (in a captured event, a plate object that read no text carried 0); a value outside
0-255 refuses the event naming ``Object.Confidence``. Colour and type labels that are
"Unknown", not text, or longer than the read model's 40 characters are left out rather than
refusing the read.
"""

from __future__ import annotations

import json
import math
import re
from email.message import Message
from typing import Any

from plateledger.ingest.events import (
    BadEvent,
    CameraEvent,
    Mapped,
    Skipped,
    epoch_iso,
    event_id,
    label,
)
from plateledger.ingest.vendors import crop_b64_of, multipart_parts

MAX_EVENTS = 100
CONFIDENCE_SCALE = 255  # NetSDK: an object's confidence is 0 to 255
_ABSENT = frozenset({"unknown", "unknow"})  # as Dahua cameras spell "none"
_TYPE_FIELDS = (("CommInfo", "StandardVehicleType"), ("Vehicle", "Category"))
_LINE = re.compile(r"^(?:Return)?Events\[(\d{1,3})\]\.([^=]+)=(.*)$")


def dahua(body: bytes, content_type: str | None, camera_id: str) -> list[Mapped]:
    """Map a Dahua ``TrafficJunction`` event body (text, JSON, or multipart with a picture)."""
    try:
        image = None
        if content_type and content_type.lower().startswith("multipart/"):
            body, image = _dahua_parts(multipart_parts(body, content_type))
        events = _events(body)
    except BadEvent as exc:
        return [exc.unmapped()]
    return [_one(event, camera_id, image) for event in events]


def _dahua_parts(parts: list[Message]) -> tuple[bytes, bytes | None]:
    text = next((p for p in parts if p.get_content_type().startswith(("text/", "application/"))),
                None)  # fmt: skip
    if text is None:
        raise BadEvent("body", "multipart body without a text or JSON event part")
    images = [p for p in parts if p.get_content_type().startswith("image/")]
    raw = images[0].get_payload(decode=True) if images else None
    payload = text.get_payload(decode=True)
    return (payload if isinstance(payload, bytes) else b""), (
        raw if isinstance(raw, bytes) else None
    )


def _events(body: bytes) -> list[dict[str, Any]]:
    """The body's events as nested dicts (text lines are turned into the same nesting)."""
    try:
        text = body.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise BadEvent("body", "is not UTF-8 text") from None
    if not text:
        raise BadEvent("body", "is empty")
    if text[0] in "[{":
        try:
            value = json.loads(text)
        except ValueError:
            raise BadEvent("body", "is not valid JSON") from None
        found = _json_events(value)
    else:
        found = _text_events(text)
    if not found:
        raise BadEvent("Events", "no event in the body")
    if len(found) > MAX_EVENTS:
        raise BadEvent("Events", f"at most {MAX_EVENTS} events per body")
    return found


def _json_events(value: object) -> list[dict[str, Any]]:
    if isinstance(value, dict) and isinstance(value.get("Events"), list):
        value = value["Events"]
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise BadEvent("Events", "each event must be a JSON object")
        data = item.get("Data")
        out.append({**item, **data} if isinstance(data, dict) else item)
    return out


def _text_events(text: str) -> list[dict[str, Any]]:
    """``Events[0].TrafficCar.PlateNumber=ABC`` lines -> ``[{"TrafficCar": {"PlateNumber": ...}}]``;
    other lines (``Heartbeat``, blank) are ignored."""
    events: dict[int, dict[str, Any]] = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        node = events.setdefault(int(match.group(1)), {})
        *path, last = match.group(2).strip().split(".")
        for key in path:
            child = node.get(key)
            node = child if isinstance(child, dict) else node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[last] = match.group(3).strip()
    return [events[i] for i in sorted(events)]


def _one(event: dict[str, Any], camera_id: str, image: bytes | None) -> Mapped:
    try:
        code = event.get("Code")
        if code is None:
            raise BadEvent("Code", "is required (the event code, TrafficJunction)")
        if code != "TrafficJunction":
            return Skipped("not a TrafficJunction event")
        plate = _plate(event)
        if not plate:
            return Skipped("no plate was read")
        when, seconds = _time(event)
        record: dict[str, object] = {"camera_id": camera_id, "ts": when, "plate": plate,
                                     "engine": "dahua-itc"}  # fmt: skip
        record.update(_details(event, plate))
        crop = crop_b64_of(image)
        if crop is not None:
            record["crop_b64"] = crop
        group = event.get("GroupID")
        if group not in (None, "", 0, "0"):
            return CameraEvent(f"g{event_id(group, 'GroupID')}", record)
        return CameraEvent(f"e{event_id(event.get('EventID'), 'EventID')}@{seconds}", record)
    except BadEvent as exc:
        return exc.unmapped()


def _at(event: dict[str, Any], *path: str) -> object:
    node: object = event
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _plate(event: dict[str, Any]) -> str | None:
    """The plate text: the plate object's, else the traffic car's; None when absent or empty."""
    if _at(event, "Object", "ObjectType") == "Plate":
        text = _at(event, "Object", "Text")
        if isinstance(text, str) and text.strip():
            return text.strip()
    number = _at(event, "TrafficCar", "PlateNumber")
    if number is None and not isinstance(event.get("Object"), dict):
        raise BadEvent("TrafficCar.PlateNumber", "is required")
    if number is not None and not isinstance(number, str):
        raise BadEvent("TrafficCar.PlateNumber", "must be text")
    return number.strip() if isinstance(number, str) and number.strip() else None


def _details(event: dict[str, Any], plate: str) -> dict[str, object]:
    """The optional fields (confidence, colour, vehicle type), each only when sent."""
    kind = next(filter(None, (label(_at(event, *path), _ABSENT) for path in _TYPE_FIELDS)), None)
    values = {
        "confidence": _confidence(event, plate),
        "color": label(_at(event, "TrafficCar", "VehicleColor"), _ABSENT),
        "vehicle_type": kind,
    }
    return {k: v for k, v in values.items() if v is not None}


def _confidence(event: dict[str, Any], plate: str) -> float | None:
    """``Object.Confidence`` on [0, 1] when ``plate`` is the plate object's text; None when
    the plate came from ``TrafficCar`` or the camera sent no score (absent or 0)."""
    obj = event.get("Object")
    if not isinstance(obj, dict) or obj.get("ObjectType") != "Plate":
        return None
    text = obj.get("Text")
    raw = obj.get("Confidence")
    if not isinstance(text, str) or text.strip() != plate or raw in (None, ""):
        return None
    value = _number(raw, "Object.Confidence")
    if not 0 <= value <= CONFIDENCE_SCALE:
        raise BadEvent("Object.Confidence", f"must be 0 to {CONFIDENCE_SCALE} (Dahua's scale)")
    return value / CONFIDENCE_SCALE if value else None


def _time(event: dict[str, Any]) -> tuple[str, str]:
    """``(ISO time, seconds as sent)`` from ``RealUTC`` (else ``UTC``) and ``UTCMS``."""
    field = "RealUTC" if event.get("RealUTC") not in (None, "", 0, "0") else "UTC"
    raw = event.get(field)
    if raw is None or raw == "":
        raise BadEvent("UTC", "is required (the event time, Unix seconds)")
    seconds = _number(raw, field)
    millis = _number(event.get("UTCMS") or 0, "UTCMS")
    if not 0 <= millis < 1000:
        raise BadEvent("UTCMS", "must be 0 to 999 milliseconds")
    return epoch_iso(int(seconds) + millis / 1000, field), str(raw)


def _number(value: object, field: str) -> float:
    if isinstance(value, bool):
        raise BadEvent(field, "must be a number")
    try:
        number = float(value) if isinstance(value, str | int | float) else None
    except ValueError:
        number = None
    if number is None or not math.isfinite(number):
        raise BadEvent(field, "must be a number")
    return number
