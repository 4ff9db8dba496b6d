"""Webhook delivery re-checks DNS (issue 16, item 7): a host registered as public that later
resolves to an internal address (DNS rebinding) is refused at delivery and recorded as a failed
delivery; the request goes to the very address that was checked (the client never resolves the
name again). The resolver is the process boundary stubbed here; the receiver is a real HTTP
server on loopback."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from plateledger.alerts.delivery import WebhookSender
from plateledger.alerts.webhook_pin import WebhookRefused, pin_webhook_url

PUBLIC = "93.184.216.34"
INTERNAL = [
    "127.0.0.1", "127.8.9.10", "::1", "10.0.0.7", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "::", "fe80::1%eth0", "fc00::1", "::ffff:127.0.0.1",
    "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "224.0.0.1", "ff02::1",
    "240.0.0.1", "255.255.255.255", "198.18.0.1",
]  # fmt: skip


def resolver(*answers: Sequence[str]) -> Any:
    """A resolver giving each answer in turn (the last one forever); records its calls."""
    calls: list[str] = []

    def resolve(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        return answers[min(len(calls), len(answers)) - 1]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize("internal", INTERNAL)
def test_a_name_resolving_to_an_internal_address_is_refused(internal: str) -> None:
    for answer in ([internal], [PUBLIC, internal], [internal, PUBLIC]):
        with pytest.raises(WebhookRefused, match="non-public address"):
            pin_webhook_url("https://hooks.example.org/h", resolve=resolver(answer))


def test_unresolvable_or_odd_answers_are_refused() -> None:
    def fails(host: str, port: int) -> Sequence[str]:
        raise OSError("no such host")

    with pytest.raises(WebhookRefused, match="does not resolve"):
        pin_webhook_url("https://hooks.example.org/h", resolve=fails)
    with pytest.raises(WebhookRefused, match="does not resolve"):
        pin_webhook_url("https://hooks.example.org/h", resolve=resolver([]))
    with pytest.raises(WebhookRefused, match="not an address"):
        pin_webhook_url("https://hooks.example.org/h", resolve=resolver(["evil.example"]))
    with pytest.raises(WebhookRefused, match="must be https"):  # registration rules apply too
        pin_webhook_url("http://hooks.example.org/h", resolve=resolver([PUBLIC]))


def test_a_public_answer_is_pinned_with_the_original_host_and_tls_name() -> None:
    target = pin_webhook_url("https://Hooks.Example.org:8443/h?x=1", resolve=resolver([PUBLIC]))
    assert target.url == f"https://{PUBLIC}:8443/h?x=1"
    assert target.host_header == "hooks.example.org:8443"
    assert target.sni_hostname == "hooks.example.org"
    v6 = pin_webhook_url("https://hooks.example.org/", resolve=resolver(["2606:2800:220:1::"]))
    assert v6.url == "https://[2606:2800:220:1::]/"


def test_development_http_reaches_loopback_only() -> None:
    local = pin_webhook_url("http://localhost:9000/h", resolve=resolver(["127.0.0.1", "::1"]),
                            allow_loopback_http=True)  # fmt: skip
    assert local.url == "http://127.0.0.1:9000/h" and local.sni_hostname is None
    with pytest.raises(WebhookRefused):
        pin_webhook_url("http://localhost:9000/h", resolve=resolver(["127.0.0.1", "10.0.0.1"]),
                        allow_loopback_http=True)  # fmt: skip
    with pytest.raises(WebhookRefused):
        pin_webhook_url("http://localhost:9000/h", resolve=resolver(["127.0.0.1"]))


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(dict(self.headers))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[int]:
    _Receiver.received = []
    server = HTTPServer(("127.0.0.2", 0), _Receiver)  # not where "localhost" resolves
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def deliver(sender: WebhookSender, url: str) -> None:
    sender.send(url, "s3cret-s3cret-s3cret", {"alert_id": "al-1", "event": "alert"})
    deadline = time.monotonic() + 5
    while sender.delivered + sender.failed == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    sender.close()


def test_the_request_goes_to_the_checked_address_not_a_fresh_lookup(receiver: int) -> None:
    """The receiver listens on 127.0.0.2 only, where no real resolver sends ``localhost``: the
    request can only have arrived through the address the delivery checked."""
    resolve = resolver(["127.0.0.2"], ["10.0.0.1"])
    sender = WebhookSender(resolve=resolve, backoff_s=0.01)
    sender.loopback_allowed = lambda: True  # development receivers (the registration flag)
    deliver(sender, f"http://localhost:{receiver}/hook")
    assert sender.delivered == 1 and resolve.calls == ["localhost"]
    assert _Receiver.received[0]["Host"] == f"localhost:{receiver}"


def test_a_rebound_name_is_a_recorded_failed_delivery(
    receiver: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the development flag a loopback receiver is refused; a public name now
    answering with the cloud metadata address is refused; neither is retried."""
    sender = WebhookSender(resolve=resolver(["127.0.0.2"]), backoff_s=0.01)  # dev flag off
    with caplog.at_level(logging.WARNING, logger="plateledger.alerts.delivery"):
        deliver(sender, f"http://localhost:{receiver}/hook")
    assert sender.failed == 1 and sender.delivered == 0 and _Receiver.received == []
    assert any("al-1" in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)
    rebinding = WebhookSender(resolve=resolver(["169.254.169.254"]), backoff_s=0.01)
    deliver(rebinding, "https://hooks.example.org/hook")
    assert rebinding.failed == 1 and rebinding.delivered == 0
