"""The event adapters never raise on hostile input: every event maps, is skipped, or is an
:class:`Unmapped` naming a field."""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from plateledger.ingest.events import CameraEvent, Skipped, Unmapped
from plateledger.ingest.frigate import frigate_message
from plateledger.ingest.mapping import FieldMapping
from plateledger.ingest.vendors import axis, hikvision

JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = ["carID", "plateUTF8", "capture_timestamp", "datetime", "carState", "plateConfidence",
        "geotag", "type", "id", "camera", "plate", "score", "timestamp", "after"]  # fmt: skip
PACKETS = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=8)
CONTENT_TYPES = st.sampled_from([None, "application/xml", "multipart/form-data; boundary=x",
                                 "multipart/mixed", "application/json"])  # fmt: skip
MAPPING = FieldMapping.model_validate({
    "fields": {"event_id": "id", "camera": "cam", "ts": "t", "plate": "p", "confidence": "c",
               "lat": "lat", "lon": "lon"},
    "time": {"format": "%Y-%m-%d %H:%M", "zone": "America/Chicago"}, "cameras": {"a": "il-c1"},
})  # fmt: skip


def _ok(results: list[object]) -> None:
    for result in results:
        assert isinstance(result, CameraEvent | Skipped | Unmapped)
        if isinstance(result, Unmapped):
            assert result.field and result.message


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=400), content_type=CONTENT_TYPES)
@example(body=b'<?xml version="1.0" encoding="nope"?><a/>', content_type=None)
@example(body=b"--x\r\nContent-Type: application/xml\r\n\r\n<E/>\r\n--x--", content_type=None)
def test_vendor_bodies(body: bytes, content_type: str | None) -> None:
    _ok(hikvision(body, content_type, "il-c1"))
    _ok(axis(body, content_type, "il-c1"))


@settings(max_examples=200, deadline=None)
@given(packet=PACKETS)
@example(packet={"carID": 1, "plateUTF8": "A1", "capture_timestamp": float("nan")})
@example(packet={"type": "lpr", "id": "x", "camera": "d", "plate": "A1", "timestamp": 1e300})
def test_json_packets(packet: dict[str, object]) -> None:
    body = json.dumps(packet).encode()
    _ok(axis(body, None, "il-c1"))
    for kind in ("tracked_object_update", "events"):
        _ok([frigate_message(kind, body, {"d": "il-c1"})])
    _ok([frigate_message("events", json.dumps({"after": packet}).encode(), {"d": "il-c1"})])


@settings(max_examples=200, deadline=None)
@given(row=st.dictionaries(st.sampled_from(["id", "cam", "t", "p", "c", "lat", "lon"]), JSON))
def test_mapped_rows(row: dict[str, object]) -> None:
    _ok([MAPPING.apply(row)])
