"""The read model at the recogniser's boundary, and the ``--json`` schema that describes it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from json_schema_subset import SubsetValidator

from plateledger.recognize.base import (
    Candidate,
    Detection,
    PlateText,
    Recognition,
    VehicleColour,
)
from plateledger.recognize.read_model import (
    FileError,
    ReadLine,
    ReadModelError,
    plain,
    read_schema,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "recognition.md"


@pytest.fixture(scope="module")
def validator() -> SubsetValidator:
    return SubsetValidator(read_schema())


def numpy_read(source: str = "cars/1.jpg") -> Recognition:
    """A read as a backend may build it: numpy scalars everywhere (the #19 crash)."""
    f64, f32, i64 = np.float64, np.float32, np.int64
    plate = PlateText(
        text="7ABC123",
        confidence=round(f64(0.91234), 4),  # round() of a numpy float stays numpy
        char_confidences=tuple(f32(0.9) for _ in range(7)),
        candidates=(Candidate("7ABC123", f64(0.9)), Candidate("7A8C123", f32(0.3))),
        state="CA",
        state_confidence=f64(0.8),
    )
    detection = Detection((i64(10), i64(20), i64(90), i64(45)), f32(0.77))
    return Recognition(source, detection, plate, VehicleColour("red", f64(0.6)))


def test_result_types_hold_plain_python_numbers() -> None:
    read = numpy_read()
    assert read.plate is not None and read.colour is not None
    values = [read.plate.confidence, read.plate.state_confidence, read.colour.confidence]
    values += [*read.plate.char_confidences, read.detection.confidence]
    values += [c.confidence for c in read.plate.candidates]
    assert all(type(v) is float for v in values)
    assert all(type(v) is int for v in read.detection.bbox)


def test_a_read_with_numpy_values_serialises_and_validates(validator: SubsetValidator) -> None:
    line = ReadLine.from_recognition(numpy_read(), ts="2026-01-01T00:00:00Z", camera="cam-1")
    obj = orjson.loads(orjson.dumps(line.to_json()))
    assert validator.errors(obj) == []
    assert obj["plate"] == "7ABC123" and obj["bbox"] == [10, 20, 90, 45]
    assert obj["candidates"][1] == {"plate": "7A8C123", "confidence": pytest.approx(0.3)}
    assert len(obj["char_confidences"]) == 7 and obj["vehicle"]["color"] == "red"


def test_the_boundary_converts_numpy_even_when_the_model_is_built_by_hand() -> None:
    line = ReadLine(
        source="x.jpg",
        ts="2026-01-01T00:00:00Z",
        bbox=(1, 2, 3, 4),
        detection_confidence=np.float64(0.5),  # type: ignore[arg-type]
        char_confidences=np.array([0.5, 0.25]),  # type: ignore[arg-type]
    )
    obj = line.to_json()
    assert obj["detection_confidence"] == 0.5 and obj["char_confidences"] == [0.5, 0.25]
    assert type(obj["detection_confidence"]) is float
    orjson.dumps(obj)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (object(), r"read of 'x\.jpg'\.confidence is a object"),
        (float("nan"), r"read of 'x\.jpg'\.confidence is nan, not a finite number"),
        (np.float32("inf"), r"confidence is inf"),
        (b"raw", r"confidence is a bytes"),
        ({1: 2}, r"confidence has a non-text key 1"),
    ],
)
def test_anything_else_is_refused_naming_the_field(value: Any, message: str) -> None:
    line = ReadLine("x.jpg", "2026-01-01T00:00:00Z", (1, 2, 3, 4), 0.5, confidence=value)
    with pytest.raises(ReadModelError, match=message) as caught:
        line.to_json()
    assert caught.value.code == "internal"


def test_plain_converts_nested_numpy() -> None:
    value = {"a": (np.int64(3), np.arange(3)), "b": [np.bool_(True), None, "s"]}
    assert plain(value, "v") == {"a": [3, [0, 1, 2]], "b": [True, None, "s"]}


def sample_lines() -> dict[str, dict[str, Any]]:
    read = ReadLine.from_recognition(
        numpy_read(), ts="2026-01-01T00:00:00Z", camera=None, elapsed_ms=412.34
    )
    unread = ReadLine("a.png", "2026-01-01T00:00:00Z", (0, 0, 9, 9), 0.3)
    sighting = read.as_sighting(1.23456, 4, (3, 12))
    error = FileError("bad.jpg", "not_an_image", "image 'bad.jpg': not a readable image")
    return {
        "read": read.to_json(),
        "unread": unread.to_json(),
        "sighting": sighting.to_json(),
        "with_crop": ReadLine(
            "a", "2026-01-01T00:00:00Z", (0, 0, 1, 1), 0.5, crop=b"\xff"
        ).to_json(),
        "error": error.to_json(),
    }


def test_every_kind_of_line_validates(validator: SubsetValidator) -> None:
    for name, line in sample_lines().items():
        assert validator.errors(orjson.loads(orjson.dumps(line))) == [], name
    lines = sample_lines()
    assert lines["read"]["elapsed_ms"] == 412.3 and "offset_s" not in lines["read"]
    assert lines["sighting"]["offset_s"] == 1.235 and lines["sighting"]["frames"] == [3, 12]
    assert lines["unread"]["plate"] is None and lines["unread"]["candidates"] == []


TAMPERED = [
    ("read", lambda o: o.pop("bbox")),
    ("read", lambda o: o.update(extra=1)),
    ("read", lambda o: o.update(plate="7abc 123")),
    ("read", lambda o: o.update(confidence=1.5)),
    ("read", lambda o: o.update(bbox=[1, 2, 3])),
    ("read", lambda o: o.update(bbox=[1.5, 2, 3, 4])),
    ("read", lambda o: o.update(ts="yesterday")),
    ("read", lambda o: o["candidates"].append({"plate": "X", "confidence": 0.1, "y": 1})),
    ("read", lambda o: o["vehicle"].pop("color")),
    ("read", lambda o: o.update(char_confidences=[True])),
    ("sighting", lambda o: o.update(frames=[1])),
    ("error", lambda o: o["error"].update(code="oops")),
    ("error", lambda o: o.update(plate="ABC")),
    ("error", lambda o: o.pop("file")),
]


@pytest.mark.parametrize(("kind", "tamper"), TAMPERED)
def test_tampered_lines_are_refused(validator: SubsetValidator, kind: str, tamper: Any) -> None:
    line = orjson.loads(orjson.dumps(sample_lines()[kind]))
    tamper(line)
    assert validator.errors(line) != []


def test_the_schema_uses_only_what_the_validator_checks() -> None:
    schema = read_schema()
    schema["$defs"]["read"]["properties"]["plate"]["format"] = "x"
    with pytest.raises(ValueError, match="format"):
        SubsetValidator(schema)


def _schema_fields() -> set[str]:
    defs = read_schema()["$defs"]
    fields = set(defs["read"]["properties"]) | set(defs["file_error"]["properties"])
    fields |= {f"vehicle.{k}" for k in defs["read"]["properties"]["vehicle"]["properties"]}
    return fields | {f"error.{k}" for k in defs["file_error"]["properties"]["error"]["properties"]}


def test_every_field_and_error_code_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z_.0-9]+)`", section))
    assert _schema_fields() - documented == set()
    codes = read_schema()["$defs"]["file_error"]["properties"]["error"]["properties"]["code"]
    assert set(codes["enum"]) - documented == set()
    assert "read.schema.json" in section
