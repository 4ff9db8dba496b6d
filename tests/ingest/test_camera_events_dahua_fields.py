"""A Dahua TrafficJunction event's plate confidence and vehicle type (issue #21 item 1b):
``Object.Confidence`` on Dahua's documented 0-255 scale becomes the read's confidence when the
plate is the plate object's text, ``CommInfo.StandardVehicleType`` (else ``Vehicle.Category``)
its vehicle type; unknown labels are left out and a confidence off the scale is refused naming
Dahua's field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import NOW
from plateledger.api.app import create_app
from plateledger.app.camera_tokens import issue_camera_token
from plateledger.app.platform import Platform
from plateledger.ingest.dahua import dahua
from plateledger.ingest.events import CameraEvent, Skipped, Unmapped
from plateledger.store.read_query import CONF_SCALE

URL = "/api/v1/cameras/il-c1/events"
FIXTURE = Path(__file__).parent / "fixtures" / "dahua_trafficjunction.txt"
WHEN = NOW - timedelta(minutes=4)


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def event(**data: Any) -> bytes:
    """The JSON form (as a camera's notifyEventStream sends it), with ``data`` merged in."""
    base = {"Code": "TrafficJunction", "Action": "Pulse", "EventID": 516, "GroupID": 175706653,
            "IndexInGroup": 1, "RealUTC": int(WHEN.timestamp()), "UTCMS": 305,
            "Object": {"ObjectType": "Plate", "Text": "RZ3832H", "Confidence": 204},
            "TrafficCar": {"PlateNumber": "RZ3832H", "VehicleColor": "Blue"},
            "CommInfo": {"StandardVehicleType": "SaloonCar"}}  # fmt: skip
    return orjson.dumps({"Code": "TrafficJunction", "Data": {**base, **data}})


def mapped(body: bytes) -> CameraEvent | Skipped | Unmapped:
    (one,) = dahua(body, "application/json", "il-c1")
    return one


def record(body: bytes) -> dict[str, object]:
    one = mapped(body)
    assert isinstance(one, CameraEvent), one
    return one.record


def test_confidence_type_and_colour_are_mapped() -> None:
    r = record(event())
    assert r["confidence"] == pytest.approx(204 / 255)
    assert (r["vehicle_type"], r["color"]) == ("SaloonCar", "Blue")
    full = record(event(Object={"ObjectType": "Plate", "Text": "RZ3832H", "Confidence": 255}))
    assert full["confidence"] == 1.0


def test_the_captured_shape_takes_the_vehicle_category_and_no_unscored_confidence() -> None:
    # As in the captured notifyEventStream event: the plate object scored 0, the standard
    # type "Unknown", the vehicle object's category and confidence (160) set.
    r = record(event(
        Object={"ObjectType": "Plate", "Text": "RZ3832H", "Confidence": 0},
        CommInfo={"StandardVehicleType": "Unknown", "VehicleTypeByFunc": "Unknown"},
        Vehicle={"ObjectType": "NonMotor", "Category": "NoMannedConvertibleTricycle",
                 "Confidence": 160},
    ))  # fmt: skip
    assert "confidence" not in r
    assert r["vehicle_type"] == "NoMannedConvertibleTricycle"


def test_no_confidence_when_the_plate_is_not_the_plate_objects_text() -> None:
    from_car = record(event(Object={"ObjectType": "Vehicle", "Text": "", "Confidence": 200}))
    assert from_car["plate"] == "RZ3832H" and "confidence" not in from_car
    unscored = record(event(Object={"ObjectType": "Plate", "Text": "RZ3832H"}))
    assert "confidence" not in unscored


@pytest.mark.parametrize("value", [256, -1, "high", True, float("inf")])
def test_a_confidence_off_dahuas_scale_names_the_field(value: object) -> None:
    body = event(Object={"ObjectType": "Plate", "Text": "RZ3832H", "Confidence": value})
    if value == float("inf"):
        body = body.replace(b"null", b"1e999")  # orjson writes inf as null
    one = mapped(body)
    assert isinstance(one, Unmapped) and one.field == "Object.Confidence", one


@pytest.mark.parametrize("label", ["Unknown", "Unknow", " ", "", 22, None, "x" * 41])
def test_unknown_or_unusable_labels_are_left_out_not_refused(label: object) -> None:
    r = record(event(
        TrafficCar={"PlateNumber": "RZ3832H", "VehicleColor": label},
        CommInfo={"StandardVehicleType": label},
    ))  # fmt: skip
    assert "color" not in r and "vehicle_type" not in r


def test_the_text_form_is_stored_with_confidence_and_type(
    client: TestClient, platform: Platform
) -> None:
    lines = [
        f"Events[0].UTC={int(WHEN.timestamp())}" if line.startswith("Events[0].UTC=") else line
        for line in FIXTURE.read_text().splitlines()
    ]
    lines += ["Events[0].Object.Confidence=230", "Events[0].CommInfo.StandardVehicleType=SUV"]
    secret, _ = issue_camera_token(platform, "il-c1", "il-admin")
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "text/plain"}
    r = client.post(URL, content="\r\n".join(lines).encode(), headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 1
    ((conf, vtype, color),) = platform.store.execute("SELECT conf, vtype, color FROM reads_hot")
    assert conf == round(230 / 255 * CONF_SCALE)
    assert (vtype, color) == ("suv", "silver")
