"""A mapping file for other ALPR systems' exports and MQTT JSON: source fields -> read fields.

YAML, checked strictly (unknown keys are errors)::

    source: acme-alpr            # names the source (events are deduplicated per source)
    fields:                      # read field -> source column, or a dotted path in JSON
      event_id: ReadId           # optional: resent rows with the same id are dropped
      camera: Camera             # the source's camera name (see cameras)
      ts: CaptureTime
      plate: Plate.Text
      confidence: Plate.Confidence
      plate_state: State
      lat: Lat
      lon: Lon
    time:
      format: "%m/%d/%Y %H:%M:%S"  # strptime; or "iso", "epoch_s", "epoch_ms"
      zone: America/Chicago      # for times without an offset
    cameras:                     # the source's camera names -> plateledger camera ids
      North Gate: cam-il-001

A row's problem is named after the source's field (``CaptureTime (ts)``), so it can be found
in the export. Values then go through the read rules of ``parse.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from plateledger.errors import ValidationError as PlateledgerValidationError
from plateledger.ingest.events import BadEvent, CameraEvent, Mapped, epoch_iso, event_id, score

MappedField = Literal[
    "event_id", "camera", "camera_id", "ts", "plate", "confidence", "plate_state", "lat", "lon",
    "color", "vehicle_type", "make", "engine",
]  # fmt: skip
_NUMBERS = {"lat", "lon"}


class TimeSpec(BaseModel):
    """How the source writes times."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format: str = Field(
        default="iso", title="Format", description="strptime pattern, or iso, epoch_s, epoch_ms"
    )
    zone: str = Field(
        default="UTC", title="Zone", description="IANA zone for times without an offset"
    )

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class FieldMapping(BaseModel):
    """Source fields to read fields, time format and camera names."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(
        default="mapping", min_length=1, max_length=100, title="Source",
        description="names the source; event ids are unique within it",
    )  # fmt: skip
    fields: dict[MappedField, str] = Field(
        ..., title="Fields", description="read field -> source column or dotted JSON path"
    )
    time: TimeSpec = Field(default=TimeSpec(), title="Time", description="how times are written")
    cameras: dict[str, str] = Field(
        default_factory=dict, title="Cameras", description="source camera name -> camera id"
    )
    confidence_scale: float = Field(
        default=1.0,
        gt=0,
        title="Confidence scale",
        description="divide confidences by this (100: %)",
    )

    @field_validator("fields")
    @classmethod
    def _required(cls, value: dict[str, str]) -> dict[str, str]:
        for name in ("ts", "plate"):
            if name not in value:
                raise ValueError(f"fields.{name} is required")
        if "camera" not in value and "camera_id" not in value:
            raise ValueError("fields.camera (a name mapped by cameras) or fields.camera_id")
        return value

    def apply(self, row: Mapping[str, Any]) -> Mapped:
        """The read record of one source row (a CSV row or a JSON object)."""
        try:
            return self._apply(row)
        except BadEvent as exc:
            return exc.unmapped()

    def _apply(self, row: Mapping[str, Any]) -> CameraEvent:
        record: dict[str, object] = {}
        for name, path in self.fields.items():
            value = lookup(row, path)
            if value is None or value == "" or name in ("event_id", "camera"):
                continue
            record[name] = self._value(name, path, value)
        record["camera_id"] = self._camera(row)
        ident = self.fields.get("event_id")
        key = event_id(lookup(row, ident), ident) if ident else None
        return CameraEvent(key or "", record)

    def _value(self, name: str, path: str, value: object) -> object:
        where = f"{path} ({name})"
        if name == "ts":
            return self._time(value, where)
        if name == "confidence":
            found = score(value, where)
            return None if found is None else found / self.confidence_scale
        if name in _NUMBERS and isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise BadEvent(where, "must be a number") from None
        return value

    def _camera(self, row: Mapping[str, Any]) -> object:
        if "camera_id" in self.fields:
            return lookup(row, self.fields["camera_id"])
        path = self.fields["camera"]
        name = lookup(row, path)
        if name is None or name == "":
            raise BadEvent(f"{path} (camera)", "is required")
        if str(name) not in self.cameras:
            raise BadEvent(f"{path} (camera)", "is not a camera named in the mapping's cameras")
        return self.cameras[str(name)]

    def _time(self, value: object, where: str) -> str:
        spec = self.time
        if spec.format in ("epoch_s", "epoch_ms"):
            number = _number(value, where)
            return epoch_iso(number, where, millis=spec.format == "epoch_ms")
        if not isinstance(value, str):
            raise BadEvent(where, "must be text")
        try:
            when = (datetime.fromisoformat(value.strip()) if spec.format == "iso"
                    else datetime.strptime(value.strip(), spec.format))  # fmt: skip
        except ValueError:
            raise BadEvent(where, f"does not match the time format {spec.format!r}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(spec.zone))
        return when.astimezone(UTC).isoformat()


def _number(value: object, where: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        raise BadEvent(where, "must be a number") from None


def lookup(row: Mapping[str, Any], path: str | None) -> Any:
    """``row[path]`` when that key exists (CSV headers may hold dots), else the dotted path."""
    if path is None:
        return None
    if path in row:
        return row[path]
    value: Any = row
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def load_mapping(path: Path) -> FieldMapping:
    """Read and check a mapping file; a mistake names the key at fault."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return FieldMapping.model_validate(raw)
    except OSError as exc:
        raise PlateledgerValidationError(f"{path}: {exc.strerror}", {"file": str(path)}) from None
    except yaml.YAMLError:
        raise PlateledgerValidationError(f"{path}: not valid YAML", {"file": str(path)}) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "mapping"
        raise PlateledgerValidationError(
            f"{path}: {where}: {first['msg']}", {"file": str(path), "field": where}
        ) from None
