"""`plateledger serve --mqtt`: the MQTT subscriber inside the server's process (DuckDB lets one
process hold a data directory, so a Frigate user runs both in one). A Frigate event published to
a real mosquitto shows up through the server's HTTP API; SIGTERM stops the server cleanly; and a
standalone `ingest-mqtt` on the held directory says to use `serve --mqtt` (issue #21)."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from test_mqtt_frigate import CAMERAS, broker, lpr_update, publish, publisher  # noqa: F401 (broker: a fixture)

from conftest import free_port, setup_registry, wait_ready
from plateledger.app.mqtt_ingest import MqttService
from plateledger.app.platform import Platform
from plateledger.ingest.mqtt_config import Broker, Frigate, MqttConfig

CLI = [sys.executable, "-m", "plateledger.cli.main"]


def stderr_lines(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    """The process's stderr, line by line, read on a thread (so waiting never blocks)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_line(lines: queue.Queue[str], text: str, timeout: float) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.1))
        except queue.Empty:
            continue
        if text in seen[-1]:
            return seen
    raise AssertionError(f"no {text!r} on stderr: {seen!r}")


def reads_seen(url: str, token: str, want: int, timeout: float) -> int:
    """Poll GET /api/v1/stats until it counts ``want`` reads (or the time is up)."""
    deadline, reads = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        r = httpx.get(f"{url}/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        reads = int(r.json()["reads"])
        if reads >= want:
            return reads
        time.sleep(0.05)
    return reads


@pytest.mark.slow
def test_serve_with_mqtt_stores_a_frigate_event_and_stops_on_sigterm(
    tmp_path: Path,
    broker: int,  # noqa: F811 -- the mosquitto fixture of test_mqtt_frigate
) -> None:
    data = tmp_path / "data"
    setup = Platform(data)
    token = setup_registry(setup)["il-admin"]
    setup.close()
    settings = tmp_path / "mqtt.yaml"
    settings.write_text(json.dumps({
        "broker": {"host": "127.0.0.1", "port": broker, "client_id": "in-server"},
        "frigate": {"cameras": CAMERAS, "snapshot_wait_s": 0},
    }))  # fmt: skip
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--data", str(data), "--port", str(port), "--mqtt",
                             str(settings)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    lines = stderr_lines(proc)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_line(lines, "mqtt: subscribed", timeout=60)
        wait_ready(url, proc)
        pub = publisher(broker)
        publish(pub, "frigate/tracked_object_update", lpr_update("1796673785.1-inserver"))
        pub.loop_stop()
        assert reads_seen(url, token, 1, timeout=10) == 1
        standalone = subprocess.run(
            [*CLI, "ingest-mqtt", "--config", str(settings), "--data", str(data)],
            check=False, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert standalone.returncode == 2
        assert "is in use" in standalone.stderr and "serve --mqtt" in standalone.stderr
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # uvicorn shuts down (the lifespan stops the subscriber), then re-raises SIGTERM
    assert code in (0, -signal.SIGTERM)
    rest = [lines.get_nowait() for _ in range(lines.qsize())]
    assert not [line for line in rest if "Traceback" in line or "ERROR" in line], rest
    after = Platform(data)
    try:
        assert after.store.stats().reads == 1  # stored once (hot or compacted)
    finally:
        after.close()


def test_the_service_stops_promptly_while_the_broker_is_unreachable(platform: Platform) -> None:
    config = MqttConfig(
        broker=Broker(host="127.0.0.1", port=free_port(), client_id="nobody-listens"),
        frigate=Frigate(cameras=CAMERAS),
    )
    service = MqttService(platform, config)
    service.start()
    time.sleep(0.2)  # let it try (and fail) to connect at least once
    service.stop(timeout=10)
    assert service._thread is not None and not service._thread.is_alive()
