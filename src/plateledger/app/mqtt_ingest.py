"""The MQTT subscriber of ``plateledger ingest-mqtt``: Frigate's topics and mapped JSON topics.

paho's network thread only queues messages; this loop maps them, holds a Frigate event up to
``snapshot_wait_s`` for its camera's snapshot (attached as the crop when it is a JPEG/PNG of at
most 256 KiB and no older than ``snapshot_max_age_s``), stores the due events as one batch
through :class:`EventIntake`, and only then acknowledges them (QoS 1, manual acks, persistent
session): a message whose read is not yet durable is never acknowledged, and the broker sends
it again to the next subscriber with the same ``client_id``. Refused, skipped and duplicate
messages are acknowledged too (sending them again would change nothing); their counts are
logged, never their plates.

:class:`MqttService` runs the same loop on a thread of the server's process (``plateledger serve
--mqtt``), on the server's platform and its event intake: DuckDB lets one process hold a data
directory, so a subscriber beside a running server must live inside it.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from plateledger.app.event_intake import EventIntake
from plateledger.app.platform import Platform
from plateledger.errors import PlateledgerError
from plateledger.ingest.events import CameraEvent, Mapped, Unmapped
from plateledger.ingest.frigate import frigate_message
from plateledger.ingest.mapping import FieldMapping
from plateledger.ingest.mqtt_config import MqttConfig
from plateledger.ingest.vendors import crop_b64_of

log = logging.getLogger(__name__)
RETRY_S = 1.0


@dataclass(frozen=True, slots=True)
class _Pending:
    due: float
    message: mqtt.MQTTMessage
    mapped: Mapped
    source: str


class MqttIngest:
    """Subscribe, map, store, then acknowledge; until ``stop`` is set."""

    def __init__(
        self, platform: Platform, config: MqttConfig, *,
        on_ready: Callable[[], None] | None = None, intake: EventIntake | None = None,
    ) -> None:  # fmt: skip
        self._config = config
        self._intake = intake if intake is not None else EventIntake(platform)
        self._on_ready = on_ready
        self._inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self._pending: list[_Pending] = []
        self._snapshots: dict[str, tuple[float, bytes]] = {}  # camera id -> (when, image)
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        broker = self._config.broker
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=broker.client_id,
                             clean_session=False, manual_ack=True)  # fmt: skip
        if broker.username is not None:
            secret = broker.password_file.read_text().strip() if broker.password_file else None
            client.username_pw_set(broker.username, secret)
        client.on_connect = self._connected
        client.on_subscribe = self._subscribed
        client.on_message = lambda _c, _u, message: self._inbox.put(message)
        return client

    def _connected(self, client: mqtt.Client, *_: Any) -> None:
        client.subscribe([(topic, 1) for topic in self._config.filters()])

    def _subscribed(self, *_: Any) -> None:
        log.info("subscribed to %d topic filters", len(self._config.filters()))
        if self._on_ready is not None:
            self._on_ready()

    def run(self, stop: threading.Event, *, wait_for_broker: bool = False) -> None:
        """Connect and work until ``stop`` is set; then store what was received, acknowledge
        it and disconnect. ``wait_for_broker``: a broker not (yet) reachable is retried in the
        background instead of raising (the server keeps serving meanwhile)."""
        broker = self._config.broker
        if wait_for_broker:
            self._client.connect_async(broker.host, broker.port, keepalive=30)
        else:
            self._client.connect(broker.host, broker.port, keepalive=30)
        self._client.loop_start()
        try:
            while not stop.is_set():
                self._drain(timeout=0.05)
                self._flush(time.monotonic())
            self._drain(timeout=0)
            self._flush(time.monotonic(), everything=True)  # a failed batch stays unacked
        finally:
            self._client.disconnect()  # after the acknowledgements queued above
            self._client.loop_stop()

    def _drain(self, timeout: float) -> None:
        try:
            message = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            self._take(message)
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                return

    def _take(self, message: mqtt.MQTTMessage) -> None:
        now, frigate = time.monotonic(), self._config.frigate
        if frigate is not None and message.topic.startswith(frigate.topic_prefix + "/"):
            kind = message.topic[len(frigate.topic_prefix) + 1 :]
            if kind.endswith("/snapshot"):
                camera = frigate.cameras.get(kind.split("/", 1)[0])
                if camera is not None:
                    self._snapshots[camera] = (now, bytes(message.payload))
                self._ack(message)
                return
            mapped = frigate_message(kind, bytes(message.payload), frigate.cameras)
            self._pending.append(_Pending(now + frigate.snapshot_wait_s, message, mapped,
                                          frigate.source))  # fmt: skip
            return
        for entry in self._config.topics:
            if mqtt.topic_matches_sub(entry.topic, message.topic):
                mapped = _mapped(entry.mapping, bytes(message.payload))
                self._pending.append(_Pending(now, message, mapped, entry.mapping.source))
                return
        self._ack(message)  # not ours (a filter overlap): nothing to keep

    def _flush(self, now: float, *, everything: bool = False) -> None:
        due = [p for p in self._pending if everything or p.due <= now]
        if not due:
            return
        self._pending = [] if everything else [p for p in self._pending if p.due > now]
        for source in sorted({p.source for p in due}):
            batch = [p for p in due if p.source == source]
            events = [self._with_snapshot(p.mapped, now) for p in batch]
            try:
                report = self._intake.ingest(events, source=source, audit_source=f"mqtt:{source}")
            except (PlateledgerError, OSError):
                log.exception("storing %d MQTT events failed; retrying", len(batch))
                self._pending += [replace(p, due=now + RETRY_S) for p in batch]
                continue
            for pending in batch:  # stored (durable), refused, skipped or duplicate
                self._ack(pending.message)
            log.info("mqtt %s: %d received, %d stored, %d duplicates, %d skipped, %d refused",
                     source, report.received, report.stored, report.duplicates, report.skipped,
                     report.rejected)  # fmt: skip

    def _with_snapshot(self, mapped: Mapped, now: float) -> Mapped:
        frigate = self._config.frigate
        if not isinstance(mapped, CameraEvent) or frigate is None:
            return mapped
        snap = self._snapshots.get(str(mapped.record.get("camera_id")))
        if snap is None or now - snap[0] > frigate.snapshot_max_age_s + frigate.snapshot_wait_s:
            return mapped
        crop = crop_b64_of(snap[1])
        if crop is None:
            return mapped
        return CameraEvent(mapped.event_id, {**mapped.record, "crop_b64": crop})

    def _ack(self, message: mqtt.MQTTMessage) -> None:
        if message.qos > 0:
            self._client.ack(message.mid, message.qos)


def _mapped(mapping: FieldMapping, payload: bytes) -> Mapped:
    """A JSON payload through a mapping; one that is no JSON object is refused as such."""
    try:
        value = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return Unmapped("payload", "is not valid JSON")
    if not isinstance(value, dict):
        return Unmapped("payload", "must be a JSON object")
    return mapping.apply(value)


class MqttService:
    """:class:`MqttIngest` on its own thread of the server's process, from :meth:`start` to
    :meth:`stop` (``plateledger serve --mqtt``). A broker that is down is retried; a loop that
    fails is logged and the server keeps serving."""

    def __init__(
        self, platform: Platform, config: MqttConfig, *, intake: EventIntake | None = None,
        on_ready: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        self._ingest = MqttIngest(platform, config, on_ready=on_ready, intake=intake)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._ingest.run(self._stop, wait_for_broker=True)
        except Exception:  # keep serving HTTP; the log says why MQTT ingest stopped
            log.exception("the MQTT subscriber stopped")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the batch in hand is stored and acknowledged (or left unacknowledged,
        for the broker to send again); call before the platform closes."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
