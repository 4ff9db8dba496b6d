"""Alert delivery: an in-process broker for server-sent events, and signed webhooks.

The broker hands each published alert to the SSE queues of the agencies it is addressed to
(``loop.call_soon_threadsafe``: ingest runs in worker threads, streams in the event loop).
Webhooks are POSTed from one background thread, signed with HMAC-SHA256 over the exact body
(header ``X-Plateledger-Signature: sha256=<hex>``, with ``X-Plateledger-Timestamp``), and
retried with exponential backoff. Before each attempt the host is resolved and checked again and
the connection pinned to the checked address (``webhook_pin``: DNS rebinding); a refused target
is a failed delivery (counted in ``failed``, logged with the reason), not retried. Each
delivery is audited: an SSE frame before it is sent (``sse_stream``'s ``before_alert``), a
webhook once it settles (``WebhookSender.on_settled``: delivered, failed or refused); a webhook
revoked while its delivery waited is refused. Logs name alert ids, never plates.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from plateledger.alerts.webhook_pin import (
    PinnedTarget,
    Resolver,
    WebhookRefused,
    pin_webhook_url,
    system_resolve,
)
from plateledger.alerts.webhook_urls import Network

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Plateledger-Signature"
TIMESTAMP_HEADER = "X-Plateledger-Timestamp"


@dataclass(frozen=True, slots=True)
class _Listener:
    agency_id: str
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any]]


class AlertBroker:
    """Fan-out of alerts to SSE listeners, by agency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[_Listener] = []
        # synchronous observers of every published message (agency id, message): other
        # transports (an MQTT bridge), benchmarks and tests
        self.taps: list[Callable[[str, dict[str, Any]], None]] = []

    def listen(self, agency_id: str) -> _Listener:
        listener = _Listener(agency_id, asyncio.get_running_loop(), asyncio.Queue(maxsize=1000))
        with self._lock:
            self._listeners.append(listener)
        return listener

    def leave(self, listener: _Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def publish(self, agency_id: str, message: dict[str, Any]) -> int:
        """Queue ``message`` for every listener of ``agency_id``; returns how many."""
        for tap in self.taps:
            tap(agency_id, message)
        with self._lock:
            targets = [x for x in self._listeners if x.agency_id == agency_id]
        for x in targets:
            try:
                x.loop.call_soon_threadsafe(_put, x.queue, message)
            except RuntimeError:  # the stream's loop is closed: it is going away
                self.leave(x)
        return len(targets)


def _put(q: asyncio.Queue[dict[str, Any]], message: dict[str, Any]) -> None:
    try:
        q.put_nowait(message)
    except asyncio.QueueFull:
        log.warning("alert stream queue full: dropping alert %s", message.get("alert_id"))


def sse_frame(message: dict[str, Any]) -> bytes:
    event = str(message.get("event", "alert"))
    ident = str(message.get("alert_id", ""))
    body = orjson.dumps(message)
    return f"event: {event}\nid: {ident}\n".encode() + b"data: " + body + b"\n\n"


KEEPALIVE_S = 15.0


async def sse_stream(
    broker: AlertBroker,
    agency_id: str,
    disconnected: Callable[[], Awaitable[bool]],
    encode: Callable[[dict[str, Any]], bytes] = sse_frame,
    hello: bytes = b": connected\n\n",
    before_alert: Callable[[dict[str, Any]], Awaitable[object]] | None = None,
) -> AsyncIterator[bytes]:
    """The SSE byte stream of one client: ``hello``, then each alert for ``agency_id`` as
    ``encode`` frames it, with a keepalive comment every ``KEEPALIVE_S`` seconds of silence,
    until the client disconnects (API and UI streams differ only in framing).
    ``before_alert(message)`` runs before each alert frame (the delivery's audit entry): if it
    raises, the stream ends without sending it."""
    listener = broker.listen(agency_id)
    try:
        yield hello
        while not await disconnected():
            try:
                message = await asyncio.wait_for(listener.queue.get(), KEEPALIVE_S)
            except TimeoutError:
                yield b": keepalive\n\n"
                continue
            if before_alert is not None and message.get("event", "alert") == "alert":
                await before_alert(message)
            yield encode(message)
    finally:
        broker.leave(listener)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, timestamp + "." + body)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


@dataclass(frozen=True, slots=True)
class Delivery:
    url: str
    secret: str
    body: bytes
    alert_id: str
    agency_id: str = ""
    read_id: int = 0
    camera_id: str = ""


@dataclass(frozen=True, slots=True)
class HookTarget:
    """A live webhook as delivery needs it: its id and its agency's allowed private ranges."""

    hook_id: str
    private: tuple[Network, ...] = ()


@dataclass(frozen=True, slots=True)
class Settled:
    """How a webhook delivery ended: ``delivered``, ``failed`` or ``refused``."""

    status: str
    attempts: int
    hook_id: str = ""
    reason: str | None = None


class WebhookSender:
    """Delivers signed webhooks from one background thread, with retry and backoff."""

    def __init__(
        self,
        *,
        attempts: int = 5,
        backoff_s: float = 0.5,
        timeout_s: float = 5.0,
        post: Callable[[PinnedTarget, bytes, dict[str, str]], int] | None = None,
        resolve: Resolver = system_resolve,
    ) -> None:
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._timeout = timeout_s
        self._post = post or self._http_post
        self._resolve = resolve
        #: development only (PLATELEDGER_DEV_WEBHOOKS=1): may plain http reach loopback?
        self.loopback_allowed: Callable[[], bool] = lambda: False
        #: the live webhook of (agency, url), or None when it was revoked (then refused)
        self.lookup: Callable[[str, str], HookTarget | None] = lambda _a, _u: HookTarget("")
        #: told once per delivery when it settles (the audit); a failure is logged
        self.on_settled: Callable[[Delivery, Settled], object] = lambda _d, _s: None
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def send(self, url: str, secret: str, message: dict[str, Any]) -> None:
        body = orjson.dumps(message)
        self._queue.put(Delivery(
            url, secret, body, str(message.get("alert_id", "")),
            str(message.get("agency_id", "")), int(message.get("read_id") or 0),
            str(message.get("camera_id") or ""),
        ))  # fmt: skip
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
                self._thread.start()

    def _http_post(self, target: PinnedTarget, body: bytes, headers: dict[str, str]) -> int:
        """POST to the pinned address (never re-resolved), redirects not followed."""
        extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
        with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
            request = client.build_request(
                "POST", target.url, content=body, extensions=extensions,
                headers={**headers, "Host": target.host_header},
            )  # fmt: skip
            return client.send(request).status_code

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            settled = self._deliver(item)
            try:
                self.on_settled(item, settled)
            except Exception:  # the audit failed: say so; the delivery itself has happened
                log.exception("could not audit the webhook delivery of alert %s", item.alert_id)

    def _deliver(self, item: Delivery) -> Settled:
        hook = self.lookup(item.agency_id, item.url)
        if hook is None:
            self.failed += 1
            return Settled("refused", 0, reason="the webhook was revoked")
        for attempt in range(self.attempts):
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: stamp,
                SIGNATURE_HEADER: sign(item.secret, stamp, item.body),
            }
            try:
                target = pin_webhook_url(
                    item.url, resolve=self._resolve, allow_loopback_http=self.loopback_allowed(),
                    private=hook.private,
                )  # fmt: skip
            except WebhookRefused as exc:
                log.warning("webhook for alert %s: refused: %s", item.alert_id, exc)
                self.failed += 1
                return Settled("refused", attempt, hook.hook_id, str(exc))
            try:
                status = self._post(target, item.body, headers)
            except httpx.HTTPError:
                status = 0
            if 200 <= status < 300:
                self.delivered += 1
                return Settled("delivered", attempt + 1, hook.hook_id)
            log.warning("webhook for alert %s: attempt %d got %s", item.alert_id, attempt + 1,
                        status or "no answer")  # fmt: skip
            time.sleep(self.backoff_s * 2**attempt)
        self.failed += 1
        return Settled("failed", self.attempts, hook.hook_id, "no 2xx answer")

    def close(self) -> None:
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)
