"""The admin's camera page: register, retire and reactivate through the same operation as the
API; bad input re-renders the page naming the field; another agency's camera is out of reach."""

from __future__ import annotations

from fastapi.testclient import TestClient

from plateledger.app.platform import Platform
from web.test_admin_ui import client, main, post  # noqa: F401  (fixture)
from web.ui_client import sign_in

NEW = {"camera_id": "il-c7", "network_id": "il-net", "name": "Canal St NB", "lat": "41.87",
       "lon": "-87.64", "heading": "0"}  # fmt: skip


def camera(platform: Platform, camera_id: str) -> object:
    return next((c for c in platform.store.cameras() if c.id == camera_id), None)


def test_register_retire_and_reactivate_from_the_page(
    client: TestClient,  # noqa: F811
    platform: Platform,
) -> None:
    sign_in(client, platform, "il-admin")
    made = post(client, "/cameras", **NEW)
    assert made.status_code == 200 and "il-c7" in main(made) and "Canal St NB" in main(made)
    assert camera(platform, "il-c7") is not None
    retired = post(client, "/cameras/il-c7/active", active="false")
    assert "il-c7 retired" in main(retired)
    assert camera(platform, "il-c7").active is False  # type: ignore[attr-defined]
    post(client, "/cameras/il-c7/active", active="true")
    assert camera(platform, "il-c7").active is True  # type: ignore[attr-defined]


def test_bad_input_and_other_agencies_cameras(
    client: TestClient,  # noqa: F811
    platform: Platform,
) -> None:
    sign_in(client, platform, "il-admin")
    bad = post(client, "/cameras", **{**NEW, "lat": "north"})
    assert bad.status_code == 422 and "lat: not a number" in main(bad)
    wrong = post(client, "/cameras", **{**NEW, "network_id": "tx-net"})
    assert wrong.status_code == 422 and "network_id" in main(wrong)
    assert camera(platform, "il-c7") is None
    other = post(client, "/cameras/tx-c1/active", active="false")
    assert other.status_code == 404
    assert camera(platform, "tx-c1").active is True  # type: ignore[attr-defined]


def test_an_officer_cannot_change_cameras(
    client: TestClient,  # noqa: F811
    platform: Platform,
) -> None:
    sign_in(client, platform, "il-officer")
    assert post(client, "/cameras", **NEW).status_code == 403
    assert camera(platform, "il-c7") is None
