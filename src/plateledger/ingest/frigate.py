"""Frigate's MQTT plate messages, mapped to :class:`CameraEvent` values.

Facts (Frigate 0.16-0.18, code and docs; /work/shared/research/frigate-mqtt.md, docs/ingest.md):

* ``<prefix>/tracked_object_update``: ``{"type": "lpr", "id", "camera", "plate", "score",
  "timestamp"}`` (other ``type`` values are not plates);
* ``<prefix>/events``: ``{"type": "new"|"update"|"end", "after": {...}}`` with
  ``after.recognized_license_plate`` either ``[plate, score]`` (what the code sends) or a string
  with ``after.recognized_license_plate_score`` (what the docs and the HTTP API show);
* ``<prefix>/<camera>/<label>/snapshot``: JPEG bytes (handled by the subscriber).

Both plate messages of one tracked object carry the same id, so it is the event id: whichever
comes first is stored, the other dropped as already seen. Times are Unix seconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from plateledger.ingest.events import (
    BadEvent,
    CameraEvent,
    Mapped,
    Skipped,
    epoch_iso,
    event_id,
    score,
)


def frigate_message(
    kind: str, payload: bytes, cameras: Mapping[str, str], engine: str = "frigate"
) -> Mapped:
    """Map one ``tracked_object_update`` or ``events`` payload (``kind``: that topic's name);
    ``cameras``: Frigate camera names -> plateledger camera ids."""
    try:
        message = json.loads(payload)
        if not isinstance(message, dict):
            raise BadEvent("payload", "must be a JSON object")
        if kind == "tracked_object_update":
            return _lpr_update(message, cameras, engine)
        return _event(message, cameras, engine)
    except BadEvent as exc:
        return exc.unmapped()
    except (ValueError, UnicodeDecodeError):
        return BadEvent("payload", "is not valid JSON").unmapped()


def _camera(name: object, cameras: Mapping[str, str], field: str) -> str:
    if not isinstance(name, str) or not name:
        raise BadEvent(field, "is required")
    if name not in cameras:
        raise BadEvent(field, "is a Frigate camera not mapped to a plateledger camera")
    return cameras[name]


def _lpr_update(message: dict[str, Any], cameras: Mapping[str, str], engine: str) -> Mapped:
    if message.get("type") != "lpr":
        return Skipped("not an lpr update")
    if not message.get("plate"):
        return Skipped("no plate")
    record: dict[str, object] = {
        "camera_id": _camera(message.get("camera"), cameras, "camera"),
        "ts": epoch_iso(message.get("timestamp"), "timestamp"),
        "plate": message["plate"],
        "confidence": score(message.get("score"), "score"),
        "engine": engine,
    }
    return CameraEvent(event_id(message.get("id"), "id"), record)


def _plate(after: dict[str, Any]) -> tuple[object, object]:
    """``(plate, score)`` from ``recognized_license_plate`` in either of its two forms."""
    value = after.get("recognized_license_plate")
    if isinstance(value, list):
        if len(value) != 2:  # noqa: PLR2004 -- [plate, score]
            raise BadEvent("after.recognized_license_plate", "must be [plate, score]")
        return value[0], value[1]
    return value, after.get("recognized_license_plate_score")


def _event(message: dict[str, Any], cameras: Mapping[str, str], engine: str) -> Mapped:
    after = message.get("after")
    if not isinstance(after, dict):
        raise BadEvent("after", "is required (an object)")
    plate, plate_score = _plate(after)
    if not plate:
        return Skipped("no recognised plate yet")
    when = after.get("frame_time") or after.get("start_time")
    record: dict[str, object] = {
        "camera_id": _camera(after.get("camera"), cameras, "after.camera"),
        "ts": epoch_iso(when, "after.frame_time"),
        "plate": plate,
        "confidence": score(plate_score, "after.recognized_license_plate_score"),
        "engine": engine,
    }
    return CameraEvent(event_id(after.get("id"), "after.id"), record)
