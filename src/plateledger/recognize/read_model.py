"""What ``plateledger recognize --json`` prints: one read, or one file that could not be read.

``ReadLine`` and ``FileError`` are the typed read model of the output, one object a line, described
by ``read.schema.json`` beside this module (documented in docs/recognition.md, "JSON output").
``to_json`` is the boundary: every value is checked by ``plain``, which turns numpy scalars and
arrays into Python numbers and lists and refuses anything else (and NaN or infinite numbers) with
a ``ReadModelError`` naming the field: a bug in a backend, never a value ``orjson`` cannot write.
"""

from __future__ import annotations

import base64
import dataclasses
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from plateledger.errors import PlateledgerError
from plateledger.recognize.base import Box, Recognition

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
ENGINE = "plateledger-recognize yolov8n+pp-ocrv6"
SCHEMA_RESOURCE = "read.schema.json"


class ReadModelError(PlateledgerError):
    """A value the recogniser produced is not plain data (a bug, reported for that file)."""

    code = "internal"
    status = 500


def plain(value: object, where: str) -> JsonValue:
    """``value`` as plain JSON data; numpy scalars and arrays are converted, the rest refused."""
    if isinstance(value, np.generic):  # before float: numpy.float64 is a float subclass
        return plain(value.item(), where)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)  # the exact type, as orjson wants for every number
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ReadModelError(f"internal: {where} is {value}, not a finite number")
        return float(value)
    if isinstance(value, np.ndarray):
        return plain(value.tolist(), where)
    if isinstance(value, list | tuple):
        return [plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        out: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ReadModelError(f"internal: {where} has a non-text key {key!r}")
            out[key] = plain(item, f"{where}.{key}")
        return out
    raise ReadModelError(f"internal: {where} is a {type(value).__name__}, not plain JSON data")


def _plain_object(obj: dict[str, Any], where: str) -> dict[str, JsonValue]:
    checked = plain(obj, where)
    assert isinstance(checked, dict)  # a dict in, a dict out
    return checked


@dataclass(frozen=True, slots=True)
class ReadLine:
    """One plate read from an image, or one sighting (``offset_s``, ``reads``, ``frames``) from a
    video or camera. ``plate`` is ``None`` for a detected plate that could not be read."""

    source: str
    ts: str
    bbox: Box
    detection_confidence: float
    plate: str | None = None
    confidence: float | None = None
    char_confidences: tuple[float, ...] = ()
    candidates: tuple[tuple[str, float], ...] = ()
    plate_state: str | None = None
    state_confidence: float | None = None
    color: str | None = None
    color_confidence: float | None = None
    frame: int | None = None
    camera_id: str | None = None
    elapsed_ms: float | None = None
    offset_s: float | None = None
    reads: int | None = None
    frames: tuple[int, int] | None = None
    crop: bytes | None = None

    @classmethod
    def from_recognition(
        cls, read: Recognition, *, ts: str, camera: str | None, elapsed_ms: float | None = None
    ) -> ReadLine:
        plate, colour = read.plate, read.colour
        return cls(
            source=read.source,
            ts=ts,
            bbox=read.detection.bbox,
            detection_confidence=round(read.detection.confidence, 4),
            plate=plate.text if plate else None,
            confidence=plate.confidence if plate else None,
            char_confidences=plate.char_confidences if plate else (),
            candidates=tuple((c.plate, c.confidence) for c in plate.candidates) if plate else (),
            plate_state=plate.state if plate else None,
            state_confidence=plate.state_confidence if plate else None,
            color=colour.name if colour else None,
            color_confidence=colour.confidence if colour else None,
            frame=read.frame,
            camera_id=camera,
            elapsed_ms=None if elapsed_ms is None else round(elapsed_ms, 1),
            crop=read.crop,
        )

    def as_sighting(self, offset_s: float, reads: int, frames: tuple[int, int]) -> ReadLine:
        return dataclasses.replace(self, offset_s=round(offset_s, 3), reads=reads, frames=frames)

    def to_json(self) -> dict[str, JsonValue]:
        """The output object, every value checked plain (``ReadModelError`` otherwise)."""
        obj: dict[str, Any] = {
            "source": self.source,
            "frame": self.frame,
            "camera_id": self.camera_id,
            "ts": self.ts,
            "plate": self.plate,
            "engine": ENGINE,
            "plate_state": self.plate_state,
            "state_confidence": self.state_confidence,
            "confidence": self.confidence,
            "char_confidences": self.char_confidences,
            "candidates": [{"plate": p, "confidence": c} for p, c in self.candidates],
            "detection_confidence": self.detection_confidence,
            "bbox": self.bbox,
            "vehicle": {"color": self.color, "color_confidence": self.color_confidence},
        }
        optional = {
            "elapsed_ms": self.elapsed_ms,
            "offset_s": self.offset_s,
            "reads": self.reads,
            "frames": self.frames,
            "crop_b64": base64.b64encode(self.crop).decode() if self.crop else None,
        }
        obj |= {key: value for key, value in optional.items() if value is not None}
        return _plain_object(obj, f"read of {self.source!r}")


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be read: the file, a machine-readable code and a message."""

    file: str
    code: str
    message: str

    @classmethod
    def from_error(cls, file: str, error: PlateledgerError) -> FileError:
        return cls(file, str(error.code), error.message)

    def to_json(self) -> dict[str, JsonValue]:
        return {"file": self.file, "error": {"code": self.code, "message": self.message}}

    def to_text(self) -> str:
        return f"error ({self.code}): {self.message}"


def read_schema() -> dict[str, Any]:
    """The JSON Schema of one output line (``read.schema.json``, shipped in the package)."""
    import json

    text = resources.files("plateledger.recognize").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
