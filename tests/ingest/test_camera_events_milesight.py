"""A Milesight LPR camera's HTTP Post recognition event pushed to the camera endpoint (issue #21
item 1b, fourth vendor): told apart by its body, stored once with its picture as the crop, its
"-" values left out, its local time read as UTC, and errors named after Milesight's fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NOW
from plateledger.api.app import create_app
from plateledger.app.camera_tokens import issue_camera_token
from plateledger.app.platform import Platform
from plateledger.ingest.events import CameraEvent, Skipped, Unmapped
from plateledger.ingest.milesight import milesight
from plateledger.store.read_query import CONF_SCALE

URL = "/api/v1/cameras/il-c1/events"
FIXTURE = Path(__file__).parent / "fixtures" / "milesight_lpr.json"
WHEN = (NOW - timedelta(minutes=4)).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def headers(platform: Platform) -> dict[str, str]:
    secret, _ = issue_camera_token(platform, "il-c1", "il-admin")
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}


def event(**changes: Any) -> dict[str, Any]:
    """The fixture with its time moved to four minutes ago and ``changes`` applied (None drops
    a field)."""
    when = WHEN.isoformat(sep=" ", timespec="milliseconds")
    body: dict[str, Any] = {**json.loads(FIXTURE.read_text()), "time": when, "time_msec": when}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def stored(platform: Platform) -> list[tuple[Any, ...]]:
    return platform.store.execute(
        "SELECT plate, ts, conf, color, vtype, make, engine, crop_ref FROM reads_hot "
        "ORDER BY read_id"
    )


def test_an_event_is_told_apart_stored_once_with_its_picture(
    client: TestClient, platform: Platform
) -> None:
    h = headers(platform)
    before = platform.audit.size
    r = client.post(URL, json=event(), headers=h)  # no ?vendor=: told apart by the body
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 1
    again = client.post(URL, json=event(), headers=h)
    assert (again.json()["stored"], again.json()["duplicates"]) == (0, 1)
    ((plate, ts, conf, color, vtype, make, engine, crop),) = stored(platform)
    assert (plate, ts) == ("RZ3832H", WHEN)
    assert conf == round(0.91 * CONF_SCALE)
    assert (color, vtype, make, engine) == ("blue", "sedan", None, "milesight-lpr")
    assert crop is not None and crop.startswith("sha256:")
    entries = [orjson.loads(platform.audit.entry(i)) for i in range(before, platform.audit.size)]
    ingest = [e for e in entries if e["event_type"] == "ingest"]
    assert ingest[0]["subject"]["source"] == "camera:milesight"


def test_another_passage_at_the_same_millisecond_is_not_a_duplicate(
    client: TestClient, platform: Platform
) -> None:
    h = headers(platform)
    client.post(URL, json=event(), headers=h)
    other = client.post(f"{URL}?vendor=milesight", json=event(detection_region="2"), headers=h)
    assert other.json()["stored"] == 1


def test_dashes_are_left_out_and_a_missing_plate_is_skipped(
    client: TestClient, platform: Platform
) -> None:
    h = headers(platform)
    bare = event(confidence="-", vehicle_type="-", vehicle_color="-", plate_image="-")
    assert client.post(URL, json=bare, headers=h).json()["stored"] == 1
    ((_, _, conf, color, vtype, _, _, crop),) = stored(platform)
    assert (conf, color, vtype, crop) == (None, None, None, None)
    unread = client.post(URL, json=event(plate="-", detection_region="3"), headers=h)
    assert (unread.json()["skipped"], unread.json()["stored"]) == (1, 0)


def test_an_explicit_offset_is_converted_and_the_id_holds_no_plate() -> None:
    local = (WHEN + timedelta(hours=2)).isoformat(sep=" ", timespec="milliseconds")
    (one,) = milesight(orjson.dumps(event(time_msec=local + "+02:00")), None, "il-c1")
    assert isinstance(one, CameraEvent)
    assert one.record["ts"] == WHEN.replace(tzinfo=UTC).isoformat()
    assert "RZ3832H" not in one.event_id


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"time": None, "time_msec": None}, "time"),
        ({"time_msec": "2024-02-01 06:0005.509"}, "time_msec"),  # as in ex_nvr's error test
        ({"plate": None}, "plate"),
        ({"confidence": "high"}, "confidence"),
        ({"plate": {"text": "RZ3832H"}}, "plate"),
    ],
)
def test_errors_name_the_milesight_field(
    client: TestClient, platform: Platform, changes: dict[str, Any], field: str
) -> None:
    r = client.post(f"{URL}?vendor=milesight", json=event(**changes), headers=headers(platform))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == field
    assert stored(platform) == []


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=300)
    | st.dictionaries(
        st.sampled_from(
            [
                "plate",
                "time",
                "time_msec",
                "confidence",
                "plate_image",
                "vehicle_type",
                "detection_region",
                "coordinate_x1",
            ]
        ),
        st.none()
        | st.booleans()
        | st.text(max_size=30)
        | st.integers()
        | st.floats()
        | st.lists(st.text(max_size=5), max_size=2)
        | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    ).map(lambda d: json.dumps(d).encode())
)
def test_the_adapter_never_raises(body: bytes) -> None:
    for result in milesight(body, "application/json", "il-c1"):
        assert isinstance(result, CameraEvent | Skipped | Unmapped)
        if isinstance(result, Unmapped):
            assert result.field and result.message
