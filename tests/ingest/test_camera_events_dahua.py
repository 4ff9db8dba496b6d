"""A Dahua ITC/ANPR camera's TrafficJunction event pushed to the camera endpoint (issue #21
item 1b, third vendor): the text form and the JSON form, the picture of a multipart body as
the crop, one passage stored once, and errors named after Dahua's fields."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import NOW
from plateledger.api.app import create_app
from plateledger.app.camera_tokens import issue_camera_token
from plateledger.app.platform import Platform
from plateledger.ingest.dahua import dahua
from plateledger.ingest.events import CameraEvent, Skipped, Unmapped

URL = "/api/v1/cameras/il-c1/events"
FIXTURE = Path(__file__).parent / "fixtures" / "dahua_trafficjunction.txt"
WHEN = NOW - timedelta(minutes=4)


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def headers(platform: Platform, content_type: str = "text/plain") -> dict[str, str]:
    secret, _ = issue_camera_token(platform, "il-c1", "il-admin")
    return {"Authorization": f"Bearer {secret}", "Content-Type": content_type}


def text_event(**changes: str) -> bytes:
    """The fixture's lines, with its time moved to four minutes ago and ``changes`` applied
    (``Object.Text="..."``; an empty string drops the line)."""
    fields = {"UTC": str(int(WHEN.timestamp())), **changes}
    out = []
    for line in FIXTURE.read_text().splitlines():
        key = line.split("=", 1)[0].removeprefix("Events[0].")
        if key in fields:
            if fields[key]:
                out.append(f"Events[0].{key}={fields[key]}")
        else:
            out.append(line)
    return ("\r\n".join(out) + "\r\n").encode()


def json_event(**data: Any) -> dict[str, Any]:
    base = {"Code": "TrafficJunction", "Action": "Pulse", "EventID": 516, "GroupID": 175706653,
            "IndexInGroup": 1, "UTC": int(WHEN.timestamp()) + 7 * 3600,
            "RealUTC": int(WHEN.timestamp()), "UTCMS": 305,
            "Object": {"ObjectType": "Plate", "Text": "RZ3832H"},
            "TrafficCar": {"PlateNumber": "RZ3832H", "VehicleColor": "Blue"}}  # fmt: skip
    return {"Code": "TrafficJunction", "Action": "Pulse", "Data": {**base, **data}}


def stored(platform: Platform) -> list[tuple[Any, ...]]:
    return platform.store.execute(
        "SELECT plate, plate_raw, ts, engine, color, crop_ref FROM reads_hot ORDER BY read_id"
    )


def test_a_text_event_is_stored_once_canonical_with_its_audit_entry(
    client: TestClient, platform: Platform
) -> None:
    h = headers(platform)
    before = platform.audit.size
    r = client.post(URL, content=text_event(), headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 1
    again = client.post(URL, content=text_event(), headers=h)
    assert (again.json()["stored"], again.json()["duplicates"]) == (0, 1)
    ((plate, raw, ts, engine, color, crop),) = stored(platform)
    assert (plate, raw, engine, color, crop) == ("KLM4521", "KLM-4521", "dahua-itc", "silver", None)
    assert ts == (WHEN + timedelta(milliseconds=509)).replace(tzinfo=None)
    entries = [orjson.loads(platform.audit.entry(i)) for i in range(before, platform.audit.size)]
    ingest = [e for e in entries if e["event_type"] == "ingest"]
    assert ingest[0]["subject"]["source"] == "camera:dahua"
    assert ingest[0]["user_id"] == "il-admin"


def test_the_json_form_uses_real_utc_and_drops_the_second_picture_of_a_passage(
    client: TestClient, platform: Platform
) -> None:
    h = headers(platform, "application/json")
    body = {"Events": [json_event(), json_event(IndexInGroup=2, EventID=517)]}
    r = client.post(URL, json=body, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["stored"], r.json()["duplicates"]) == (1, 1)
    ((plate, _, ts, _, color, _),) = stored(platform)
    assert (plate, color) == ("RZ3832H", "blue")
    assert ts == (WHEN + timedelta(milliseconds=305)).replace(tzinfo=None)  # RealUTC, not UTC


def test_a_multipart_event_keeps_its_picture_as_the_crop(
    client: TestClient, platform: Platform
) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 200, 200)).save(picture, "JPEG")
    body = b"".join([
        b"--myboundary\r\nContent-Type: text/plain\r\n\r\n", text_event(),
        b"\r\n--myboundary\r\nContent-Type: image/jpeg\r\n\r\n", picture.getvalue(),
        b"\r\n--myboundary--\r\n",
    ])  # fmt: skip
    h = headers(platform, "multipart/x-mixed-replace; boundary=myboundary")
    r = client.post(f"{URL}?vendor=dahua", content=body, headers=h)
    assert r.status_code == 200, r.text
    ((_, _, _, _, _, crop),) = stored(platform)
    assert crop is not None and crop.startswith("sha256:")


def test_errors_name_the_dahua_field_and_other_events_are_skipped(
    client: TestClient, platform: Platform
) -> None:
    h = headers(platform)
    r = client.post(URL, content=text_event(UTC="", UTCMS=""), headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "UTC"
    no_plate = text_event(**{"Object.Text": "", "Object.ObjectType": "", "Object.BoundingBox[0]":
                             "", "TrafficCar.PlateNumber": ""})  # fmt: skip
    r = client.post(URL, content=no_plate, headers=h)
    assert r.json()["errors"][0]["field"] == "TrafficCar.PlateNumber"
    r = client.post(URL, content=text_event(Code=""), headers=h)
    assert r.json()["errors"][0]["field"] == "Code"
    r = client.post(URL, content=text_event(UTCMS="5000"), headers=h)
    assert r.json()["errors"][0]["field"] == "UTCMS"
    other = client.post(URL, content=text_event(Code="TrafficParking"), headers=h)
    blank = text_event(**{"Object.Text": " ", "TrafficCar.PlateNumber": " "})
    unread = client.post(URL, content=blank, headers=h)
    assert other.json()["skipped"] == unread.json()["skipped"] == 1
    assert stored(platform) == []


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    content_type=st.sampled_from([None, "text/plain", "multipart/mixed; boundary=x"]),
)
def test_the_adapter_never_raises(body: bytes, content_type: str | None) -> None:
    for result in dahua(body, content_type, "il-c1") + dahua(
        json.dumps({"Code": "TrafficJunction", "Data": body.decode("latin-1")}).encode(), None,
        "il-c1",
    ):  # fmt: skip
        assert isinstance(result, CameraEvent | Skipped | Unmapped)
        if isinstance(result, Unmapped):
            assert result.field and result.message
