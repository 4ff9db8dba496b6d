"""Posting reads: retry with backoff, spool on failure, flush the spool next time (no models)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from plateledger.recognize.uplink import PENDING, Uplink, UplinkRejected


class FakeServer:
    def __init__(self) -> None:
        self.statuses: list[int] = []  # answers to give, in order; 200 once exhausted
        self.bodies: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                server.bodies.append((self.headers["Authorization"], body))
                status = server.statuses.pop(0) if server.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    thread = threading.Thread(target=fake.httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


READ = {"camera_id": "cam-1", "ts": "2026-11-28T14:03:05Z", "plate": "7ABC123"}


def test_retries_with_backoff_then_delivers(server: FakeServer, tmp_path: Path) -> None:
    server.statuses = [503, 500]
    sleeps: list[float] = []
    result = Uplink(server.url, "tok", tmp_path / "spool", sleep=sleeps.append).post([READ])
    assert (result.sent, result.spooled) == (1, 0)
    assert sleeps == [0.5, 1.0]
    assert len(server.bodies) == 3
    assert server.bodies[-1][0] == "Bearer tok"
    assert '"plate":"7ABC123"' in server.bodies[-1][1]


def test_unreachable_server_spools_and_next_run_flushes(server: FakeServer, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    down = Uplink("http://127.0.0.1:9", "tok", spool, retries=2, sleep=lambda _: None)
    assert down.post([READ]).spooled == 1
    assert (spool / PENDING).read_text().count("7ABC123") == 1
    up = Uplink(server.url, "tok", spool, sleep=lambda _: None)
    result = up.post([{**READ, "plate": "KX4R92"}])
    assert (result.sent, result.spooled) == (2, 0)
    assert not (spool / PENDING).exists()
    assert server.bodies[-1][1].count("\n") == 2


def test_permanent_rejection_is_raised_not_spooled(server: FakeServer, tmp_path: Path) -> None:
    server.statuses = [401]
    with pytest.raises(UplinkRejected, match="HTTP 401"):
        Uplink(server.url, "bad", tmp_path / "spool", sleep=lambda _: None).post([READ])
    assert not (tmp_path / "spool" / PENDING).exists()
