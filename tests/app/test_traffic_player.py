"""The demo's live traffic against a real server: a small demo built in a temp directory, served
by uvicorn on a free port, and the player posting through the real ingest API. Its reads land
with their crops stored and served to the owner's officers, and a hotlisted pass raises an alert
that a Chicago officer reads from the alerts API. Nothing is mocked."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import orjson
import pytest
import uvicorn

from conftest import free_port
from plateledger.api.app import create_app
from plateledger.app.demo_build import build_demo
from plateledger.app.platform import Platform
from plateledger.app.traffic_player import PlayerSettings, TrafficPlayer
from plateledger.app.traffic_script import TrafficScript, prepare_script
from plateledger.store.crops import image_kind, sha_of_ref

READS = 5_000
CHICAGO = "il-chicago-pd"


@dataclass(frozen=True)
class Live:
    url: str
    platform: Platform
    script: TrafficScript
    tokens: dict[str, str]  # user id -> token


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data = tmp_path_factory.mktemp("live-demo")
    platform = Platform(data)
    build_demo(platform, READS, seed=5)
    creds = orjson.loads((data / "demo-credentials.json").read_bytes())
    port = free_port()
    config = uvicorn.Config(create_app(platform, background=False), port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", platform, prepare_script(platform, seed=5),
                   {c["user"]: c["token"] for c in creds})  # fmt: skip
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        platform.close()


def _get(live: Live, user: str, path: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {live.tokens[user]}"}
    return httpx.get(f"{live.url}/api/v1{path}", headers=headers, timeout=30)


def test_the_script_follows_the_demo(live: Live) -> None:
    script = live.script
    assert len(script.passing) > 1_000
    hot = script.hotlisted[CHICAGO]
    assert hot and all(r.agency_id == CHICAGO for r in hot)
    listed = {r.plate for reads in script.hotlisted.values() for r in reads}
    assert not listed & {r.plate for r in script.passing}  # listed plates pass on cue only
    assert script.hit_order()[:4] == [CHICAGO, "tx-houston-pd", CHICAGO, "ca-san-mateo-pd"]
    cameras = {str(c.id): c for c in live.platform.store.cameras()}
    assert all(not cameras[r.camera_id].mobile for r in script.passing[:200])


def test_live_reads_land_with_crops_and_a_chicago_alert_arrives(live: Live) -> None:
    officer = f"{CHICAGO}-officer1"
    before = {a["alert_id"] for a in _get(live, officer, "/alerts").json()}
    settings = PlayerSettings(rate=4.0, first_hit_s=0.5, hit_every_s=3.0, seed=1)
    player = TrafficPlayer(live.url, live.script, settings)
    player.start()
    try:
        alert = None
        deadline = time.monotonic() + 60
        while alert is None and time.monotonic() < deadline:
            fresh = [a for a in _get(live, officer, "/alerts").json()
                     if a["alert_id"] not in before]  # fmt: skip
            alert = fresh[0] if fresh else None
            time.sleep(0.5)
        while player.posted < 10 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        player.stop()
    assert not player.running
    assert alert is not None, "no alert for Chicago within 60 s"
    assert alert["plate"] in {r.plate for r in live.script.hotlisted[CHICAGO]}
    assert sha_of_ref(alert["crop_ref"])
    crop = _get(live, officer, f"/crops/{sha_of_ref(alert['crop_ref'])}")
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/jpeg"
    assert image_kind(crop.content) == "jpg"
    _posted_reads_carry_served_crops(live, player.posted)


def _posted_reads_carry_served_crops(live: Live, posted: int) -> None:
    rows = live.platform.store.execute(
        "SELECT r.crop_ref, n.agency_id FROM reads_hot r JOIN networks n ON n.key = r.network_key "
        "WHERE r.engine = 'demo-live/1' UNION ALL SELECT r.crop_ref, n.agency_id FROM reads r "
        "JOIN networks n ON n.key = r.network_key WHERE r.engine = 'demo-live/1'"
    )
    assert len(rows) == posted >= 10
    assert all(sha_of_ref(str(ref)) for ref, _ in rows)
    ref, owner = rows[-1]
    officer = next(u for u in live.tokens if u.startswith(f"{owner}-officer"))
    stranger = next(u for u in live.tokens if "-officer" in u and not u.startswith(owner))
    sha = sha_of_ref(str(ref))
    assert _get(live, officer, f"/crops/{sha}").status_code == 200
    assert _get(live, stranger, f"/crops/{sha}").status_code == 404  # bound to its owner


def test_refusals_are_logged_without_plate_text_and_never_stop_it(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    bad = dataclasses.replace(live.script, tokens=dict.fromkeys(live.script.tokens, "plt_bogus"))
    player = TrafficPlayer(live.url, bad, PlayerSettings(rate=5.0, first_hit_s=0.0, seed=2))
    with caplog.at_level(logging.WARNING, logger="plateledger.app.traffic_player"):
        player.start()
        deadline = time.monotonic() + 20
        while player.failures < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert player.running  # refused posts do not end it
        player.stop()
    assert player.failures >= 3 and player.posted == 0
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "HTTP 401" in messages
    plates = {r.plate for r in bad.passing} | {r.plate for v in bad.hotlisted.values() for r in v}
    assert not any(p in messages for p in plates)


def test_no_server_ends_quietly(live: Live) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    player = TrafficPlayer(url, live.script, PlayerSettings(ready_timeout_s=1.0))
    player.start()
    time.sleep(1.5)
    player.stop()
    assert not player.running and player.posted == 0
