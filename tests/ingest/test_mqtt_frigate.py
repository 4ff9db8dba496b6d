"""Frigate over a real MQTT broker (Debian's mosquitto, started here on a free port): a plate
event appears as a read within a second, a duplicate id is stored once, the snapshot becomes
the crop, and a subscriber killed with SIGKILL loses no event (issue #21 item 1a)."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from PIL import Image

from conftest import free_port, setup_registry
from plateledger.app.mqtt_ingest import MqttIngest
from plateledger.app.platform import Platform
from plateledger.ingest.events import CameraEvent, Unmapped
from plateledger.ingest.frigate import frigate_message
from plateledger.ingest.mapping import FieldMapping
from plateledger.ingest.mqtt_config import Broker, Frigate, MqttConfig, TopicMapping

FIXTURES = Path(__file__).parent / "fixtures"
MOSQUITTO = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")
CAMERAS = {"driveway": "il-c1"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[int]:
    """A mosquitto of our own on a free loopback port; its port."""
    if MOSQUITTO is None:
        if os.environ.get("PLATELEDGER_REQUIRE_MQTT") == "1":
            pytest.fail("mosquitto is not installed and PLATELEDGER_REQUIRE_MQTT=1")
        pytest.skip(
            "mosquitto is not installed (make browser installs it: apt-get install mosquitto)"
        )
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def publisher(port: int) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{port}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def publish(client: mqtt.Client, topic: str, payload: bytes | str) -> None:
    client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)


def lpr_update(event_id: str, plate: str = "KLM4521") -> str:
    message = json.loads((FIXTURES / "frigate_lpr_update.json").read_text())
    return json.dumps({**message, "id": event_id, "plate": plate,
                       "timestamp": datetime.now(UTC).timestamp() - 2})  # fmt: skip


def events_message(event_id: str) -> str:
    message = json.loads((FIXTURES / "frigate_events.json").read_text())
    message["after"] |= {"id": event_id, "frame_time": datetime.now(UTC).timestamp() - 2}
    return json.dumps(message)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (90, 90, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def config(port: int, client_id: str, wait: float = 0.2) -> MqttConfig:
    return MqttConfig(
        broker=Broker(port=port, client_id=client_id, host="127.0.0.1"),
        frigate=Frigate(cameras=CAMERAS, snapshot_wait_s=wait),
    )


def count(platform: Platform) -> int:
    return int(platform.store.execute("SELECT count(*) FROM reads_hot")[0][0])


class Running:
    """An in-process subscriber on its own thread."""

    def __init__(self, platform: Platform, settings: MqttConfig) -> None:
        self.ready, self.stop = threading.Event(), threading.Event()
        subscriber = MqttIngest(platform, settings, on_ready=self.ready.set)
        self.thread = threading.Thread(target=subscriber.run, args=(self.stop,), daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the subscriber did not subscribe"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)


def wait_for(platform: Platform, n: int, timeout: float) -> float:
    started = time.monotonic()
    while count(platform) < n and time.monotonic() - started < timeout:
        time.sleep(0.02)
    return time.monotonic() - started


def test_both_plate_forms_and_named_errors() -> None:
    listed = frigate_message("events", events_message("1-a").encode(), CAMERAS)
    assert isinstance(listed, CameraEvent)
    assert (listed.record["plate"], listed.record["confidence"]) == ("KLM4521", 0.93)
    message = json.loads(events_message("1-b"))
    message["after"] |= {"recognized_license_plate": "KLM4521",
                         "recognized_license_plate_score": 0.88}  # fmt: skip
    split = frigate_message("events", json.dumps(message).encode(), CAMERAS)
    assert isinstance(split, CameraEvent) and split.record["confidence"] == 0.88
    message["after"]["camera"] = "garage"
    assert frigate_message("events", json.dumps(message).encode(), CAMERAS) == Unmapped(
        "after.camera", "is a Frigate camera not mapped to a plateledger camera"
    )


def test_a_frigate_event_is_a_read_within_a_second_stored_once_with_its_snapshot(
    platform: Platform, broker: int
) -> None:
    running = Running(platform, config(broker, "within-a-second"))
    pub = publisher(broker)
    try:
        publish(pub, "frigate/driveway/car/snapshot", jpeg())
        started = time.monotonic()
        publish(pub, "frigate/events", events_message("1796673785.1-abc123"))
        publish(pub, "frigate/tracked_object_update", lpr_update("1796673785.1-abc123"))
        wait_for(platform, 1, timeout=5)
        elapsed = time.monotonic() - started
        assert count(platform) == 1 and elapsed < 1.0, f"took {elapsed:.2f} s"
        time.sleep(0.6)  # the lpr update of the same object is a duplicate
        rows = platform.store.execute("SELECT plate, crop_ref, engine FROM reads_hot")
    finally:
        pub.loop_stop()
        running.close()
    assert len(rows) == 1
    plate, crop, engine = rows[0]
    assert plate == "KLM4521" and engine == "frigate"
    assert crop is not None and crop.startswith("sha256:")


def test_a_subscriber_killed_after_publishing_loses_no_event(tmp_path: Path, broker: int) -> None:
    data = tmp_path / "data"
    setup = Platform(data)
    setup_registry(setup)
    setup.close()
    settings = tmp_path / "mqtt.yaml"
    settings.write_text(json.dumps({
        "broker": {"host": "127.0.0.1", "port": broker, "client_id": "killed"},
        "frigate": {"cameras": CAMERAS, "snapshot_wait_s": 0},
    }))  # fmt: skip
    cli = Path(sys.executable).parent / "plateledger"
    proc = subprocess.Popen([str(cli), "ingest-mqtt", "--config", str(settings), "--data",
                             str(data)], stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr is not None
    assert "subscribed" in proc.stderr.readline(), "the subscriber did not start"
    pub = publisher(broker)
    ids = [f"1796673785.{i}-kill{i:02d}" for i in range(40)]
    for event_id in ids:
        publish(pub, "frigate/tracked_object_update", lpr_update(event_id, f"KIL{len(event_id)}"))
    proc.send_signal(signal.SIGKILL)  # mid-batch: some stored, some not yet acknowledged
    proc.wait(10)
    pub.loop_stop()
    platform = Platform(data)
    try:
        running = Running(platform, config(broker, "killed", wait=0))
        wait_for(platform, len(ids), timeout=10)
        time.sleep(0.5)
        running.close()
        stored = count(platform)
    finally:
        platform.close()
    assert stored == len(ids)


def test_a_mapped_json_topic_is_stored_and_a_bad_payload_refused(
    platform: Platform, broker: int
) -> None:
    mapping = FieldMapping.model_validate({
        "source": "acme", "fields": {"event_id": "id", "camera": "cam", "ts": "time",
                                     "plate": "plate.text"},
        "time": {"format": "epoch_s"}, "cameras": {"gate-1": "il-c2"},
    })  # fmt: skip
    settings = MqttConfig(
        broker=Broker(port=broker, client_id="mapped", host="127.0.0.1"),
        topics=[TopicMapping(topic="alpr/+/reads", mapping=mapping)],
    )
    running = Running(platform, settings)
    pub = publisher(broker)
    try:
        read = {"id": "r-1", "cam": "gate-1", "time": datetime.now(UTC).timestamp() - 5,
                "plate": {"text": "GATE11"}}  # fmt: skip
        publish(pub, "alpr/gate-1/reads", b"not json")
        publish(pub, "alpr/gate-1/reads", json.dumps(read))
        publish(pub, "alpr/gate-1/reads", json.dumps(read))
        wait_for(platform, 1, timeout=5)
        time.sleep(0.3)
        rows = platform.store.execute("SELECT plate FROM reads_hot")
    finally:
        pub.loop_stop()
        running.close()
    assert rows == [("GATE11",)]
