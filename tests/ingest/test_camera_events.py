"""Camera vendors' plate events pushed over HTTP with a per-camera token (issue #21 item 1b):
Hikvision ISAPI ANPR XML and AXIS License Plate Verifier JSON, real-shaped fixtures."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from conftest import NOW, auth
from plateledger.api.app import create_app
from plateledger.app.camera_tokens import issue_camera_token
from plateledger.app.platform import Platform

API = "/api/v1"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def camera_auth(platform: Platform, camera: str = "il-c1") -> dict[str, str]:
    secret, _ = issue_camera_token(platform, camera, "il-admin")
    return {"Authorization": f"Bearer {secret}"}


def hikvision_xml(minutes_ago: int = 5, uuid: str = "a3c1e2f0-0001") -> bytes:
    text = (FIXTURES / "hikvision_anpr.xml").read_text()
    when = (NOW - timedelta(minutes=minutes_ago)).astimezone().isoformat()
    text = re.sub(r"<dateTime>[^<]*</dateTime>", f"<dateTime>{when}</dateTime>", text)
    return re.sub(r"<UUID>[^<]*</UUID>", f"<UUID>{uuid}</UUID>", text).encode()


def axis_packet(**changes: Any) -> dict[str, Any]:
    packet = json.loads((FIXTURES / "axis_lpv.json").read_text())
    packet["capture_timestamp"] = int((NOW - timedelta(minutes=3)).timestamp() * 1000)
    return {**packet, **changes}


def stored(platform: Platform) -> list[tuple[Any, ...]]:
    return platform.store.execute(
        "SELECT plate, conf, engine, crop_ref, ts FROM reads_hot ORDER BY read_id"
    )


def test_a_hikvision_anpr_alert_is_stored_once_with_its_audit_entry(
    client: TestClient, platform: Platform
) -> None:
    headers = {**camera_auth(platform), "Content-Type": "application/xml"}
    before = platform.audit.size
    r = client.post(f"{API}/cameras/il-c1/events", content=hikvision_xml(), headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 1 and r.json()["duplicates"] == 0
    again = client.post(f"{API}/cameras/il-c1/events", content=hikvision_xml(), headers=headers)
    assert again.json() | {"errors": []} == {
        "received": 1, "stored": 0, "duplicates": 1, "skipped": 0, "rejected": 0,
        "first_read_id": None, "last_read_id": None, "errors": [],
    }  # fmt: skip
    ((plate, conf, engine, crop, ts),) = stored(platform)
    assert (plate, conf, engine, crop) == (
        "KLM4521",
        192,
        "hikvision-anpr",
        None,
    )  # 0.96 in 1/200ths
    assert ts == (NOW - timedelta(minutes=5)).replace(tzinfo=None)
    entries = [orjson.loads(platform.audit.entry(i)) for i in range(before, platform.audit.size)]
    ingest = [e for e in entries if e["event_type"] == "ingest"]
    assert ingest[0]["user_id"] == "il-admin"
    assert ingest[0]["subject"]["source"] == "camera:hikvision"


def test_a_hikvision_multipart_alert_keeps_the_plate_picture_as_the_crop(
    client: TestClient, platform: Platform
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 200, 200)).save(buffer, "JPEG")
    boundary = "MIME_boundary"
    body = b"".join([
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"anpr.xml\"; "
        "filename=\"anpr.xml\"\r\nContent-Type: application/xml\r\n\r\n".encode(),
        hikvision_xml(), b"\r\n",
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"licensePlatePicture.jpg\"; "
        "filename=\"licensePlatePicture.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".encode(),
        buffer.getvalue(), f"\r\n--{boundary}--\r\n".encode(),
    ])  # fmt: skip
    headers = {**camera_auth(platform), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    r = client.post(f"{API}/cameras/il-c1/events?vendor=hikvision", content=body, headers=headers)
    assert r.status_code == 200, r.text
    ((_, _, _, crop, _),) = stored(platform)
    assert crop is not None and crop.startswith("sha256:")


def test_an_axis_packet_is_stored_and_its_repeats_are_skipped(
    client: TestClient, platform: Platform
) -> None:
    headers = camera_auth(platform)
    r = client.post(f"{API}/cameras/il-c1/events", json=axis_packet(), headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 1
    lost = client.post(f"{API}/cameras/il-c1/events", json=axis_packet(carState="lost"),
                       headers=headers)  # fmt: skip
    assert lost.json()["skipped"] == 1 and lost.json()["stored"] == 0
    ((plate, conf, engine, _, _),) = stored(platform)
    assert (plate, conf, engine) == ("RZ3832H", 182, "axis-lpv")


def test_errors_name_the_vendor_field(client: TestClient, platform: Platform) -> None:
    headers = camera_auth(platform)
    no_plate = re.sub(rb"<licensePlate>[^<]*</licensePlate>", b"", hikvision_xml())
    r = client.post(f"{API}/cameras/il-c1/events", content=no_plate, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"row": 1, "field": "ANPR.licensePlate", "message": "is required"}
    ]
    late = axis_packet(capture_timestamp=None, datetime="20261207 200305509")
    r = client.post(f"{API}/cameras/il-c1/events", json=late, headers=headers)
    assert r.json()["errors"][0]["field"] == "datetime"
    bad = axis_packet(plateUTF8="!!")
    r = client.post(f"{API}/cameras/il-c1/events", json=bad, headers=headers)
    assert r.json()["errors"][0]["field"] == "plate"


def test_xml_with_a_dtd_is_refused_before_parsing(client: TestClient, platform: Platform) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;">]><EventNotificationAlert>&lol2;'
            b"</EventNotificationAlert>")  # fmt: skip
    r = client.post(f"{API}/cameras/il-c1/events", content=bomb, headers=camera_auth(platform))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body"
    assert "DOCTYPE" in r.json()["errors"][0]["message"]
    assert stored(platform) == []


def test_only_a_token_bound_to_the_camera_may_post_for_it(
    client: TestClient, platform: Platform
) -> None:
    body = hikvision_xml()
    r = client.post(f"{API}/cameras/il-c1/events", content=body, headers=auth(platform, "il-admin"))
    assert r.status_code == 403  # an ordinary token, even the admin's, is bound to no camera
    r = client.post(f"{API}/cameras/il-c2/events", content=body, headers=camera_auth(platform))
    assert r.status_code == 403  # bound to il-c1
    r = client.post(f"{API}/cameras/il-c1/events", content=body)
    assert r.status_code == 401
    assert stored(platform) == []


def test_a_camera_token_cannot_search(client: TestClient, platform: Platform) -> None:
    r = client.get(f"{API}/plates/KLM4521/timeline", headers=camera_auth(platform))
    assert r.status_code == 403


def test_the_same_event_id_from_another_camera_is_not_a_duplicate(
    client: TestClient, platform: Platform
) -> None:
    one = client.post(f"{API}/cameras/il-c1/events", content=hikvision_xml(),
                      headers=camera_auth(platform, "il-c1"))  # fmt: skip
    two = client.post(f"{API}/cameras/il-c2/events", content=hikvision_xml(),
                      headers=camera_auth(platform, "il-c2"))  # fmt: skip
    assert one.json()["stored"] == two.json()["stored"] == 1


def test_the_cli_issues_a_camera_token_that_posts_for_that_camera(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from conftest import setup_registry
    from plateledger.cli.main import app

    data = tmp_path / "data"
    setup = Platform(data)
    setup_registry(setup)
    setup.close()
    runner = CliRunner()
    result = runner.invoke(
        app, ["camera-token", "il-c2", "--user", "il-admin", "--data", str(data)]
    )
    assert result.exit_code == 0, result.stderr
    issued = json.loads(result.stdout)
    assert issued["camera_id"] == "il-c2" and issued["token"]
    refused = runner.invoke(
        app, ["camera-token", "tx-c1", "--user", "il-admin", "--data", str(data)]
    )
    assert refused.exit_code != 0 and "no such camera" in refused.stderr
    platform = Platform(data)
    try:
        with TestClient(create_app(platform, background=False)) as c:
            r = c.post(f"{API}/cameras/il-c2/events", json=axis_packet(),
                       headers={"Authorization": f"Bearer {issued['token']}"})  # fmt: skip
    finally:
        platform.close()
    assert r.status_code == 200 and r.json()["stored"] == 1
