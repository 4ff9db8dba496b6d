"""Camera URLs against a local HTTP server: MJPEG stream, JPEG snapshots, reconnects, errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import orjson
import pytest
from recognize_synth import cli_app, needs_extra, render_scene, to_bgr
from typer.testing import CliRunner

from plateledger.errors import ValidationError
from plateledger.recognize.streams import (
    SourceUnavailable,
    StreamOptions,
    iter_url_frames,
    redact,
    url_kind,
)

pytestmark = needs_extra


class Camera:
    """A fake IP camera: ``/video.mjpg`` (MJPEG, ``per_connection`` frames, then it drops),
    ``/snap.jpg`` (one JPEG; 503 once ``snap_ok`` runs out), ``/page`` (HTML)."""

    def __init__(self, jpegs: list[bytes], per_connection: int) -> None:
        self.jpegs = jpegs
        self.per_connection = per_connection
        self.connections = 0
        self.snap_ok = 10**6
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/video.mjpg":
                    camera.stream(self)
                elif self.path == "/snap.jpg":
                    camera.snapshot(self)
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    self.wfile.write(b"<html>login</html>")

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stream(self, handler: BaseHTTPRequestHandler) -> None:
        start = self.connections * self.per_connection
        self.connections += 1
        handler.send_response(200)
        handler.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        handler.end_headers()
        for i in range(start, start + self.per_connection):
            jpeg = self.jpegs[i % len(self.jpegs)]
            head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
            try:
                handler.wfile.write(head + jpeg + b"\r\n")
            except OSError:
                return

    def snapshot(self, handler: BaseHTTPRequestHandler) -> None:
        self.snap_ok -= 1
        if self.snap_ok < 0:
            handler.send_error(503)
            return
        jpeg = self.jpegs[0]
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Content-Length", str(len(jpeg)))
        handler.end_headers()
        handler.wfile.write(jpeg)


def _serve(jpegs: list[bytes], per_connection: int) -> Iterator[Camera]:
    camera = Camera(jpegs, per_connection)
    thread = threading.Thread(target=camera.httpd.serve_forever, daemon=True)
    thread.start()
    yield camera
    camera.httpd.shutdown()
    camera.httpd.server_close()


def _jpeg(image: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(data.tobytes())


@pytest.fixture
def grey_camera() -> Iterator[Camera]:
    frames = [_jpeg(np.full((120, 160, 3), 10 * i, np.uint8)) for i in range(8)]
    yield from _serve(frames, per_connection=4)


@pytest.fixture(scope="module")
def plate_camera() -> Iterator[Camera]:
    import cv2

    scene, _ = render_scene("8GHJ305", "Florida", seed=5)
    base = to_bgr(scene)
    frames = []
    for i in range(8):  # the car drifts right 8 px a frame
        matrix = np.float32([[1, 0, 8 * i - 30], [0, 1, 0]])
        frames.append(_jpeg(cv2.warpAffine(base, matrix, (1280, 720), borderValue=(95, 92, 90))))
    yield from _serve(frames, per_connection=8)


def test_url_kind_from_content_type(grey_camera: Camera) -> None:
    assert url_kind(grey_camera.url + "/video.mjpg") == "mjpeg"
    assert url_kind(grey_camera.url + "/snap.jpg") == "snapshot"
    assert url_kind("rtsp://cam.local/stream") == "rtsp"
    with pytest.raises(ValidationError, match=r"text/html.*not an MJPEG stream"):
        url_kind(grey_camera.url + "/page")


def test_mjpeg_stream_reconnects_when_it_drops(grey_camera: Camera) -> None:
    sleeps: list[float] = []
    options = StreamOptions(every=1, max_frames=10)
    frames = list(iter_url_frames(grey_camera.url + "/video.mjpg", options, sleep=sleeps.append))
    assert len(frames) == 10
    assert grey_camera.connections >= 4  # the probe, then 4 frames per connection
    assert sleeps and sleeps[0] == 0.5
    levels = [int(image[0, 0, 0]) for _, _, image in frames]
    assert levels[:4] == sorted(levels[:4]) and len(set(levels)) >= 4


def test_snapshot_polling_and_giving_up_after_backoff(grey_camera: Camera) -> None:
    grey_camera.snap_ok = 4  # the probe and three snapshots succeed, then 503s
    sleeps: list[float] = []
    options = StreamOptions(interval_s=0.0, max_failures=4)
    got = []
    with pytest.raises(SourceUnavailable, match=r"snap\.jpg.*no frame after 4 attempts"):
        for frame in iter_url_frames(grey_camera.url + "/snap.jpg", options, sleep=sleeps.append):
            got.append(frame)
    assert len(got) == 3
    assert [s for s in sleeps if s > 0] == [0.5, 1.0, 2.0]


def test_unreachable_rtsp_camera_gives_up_cleanly() -> None:
    options = StreamOptions(max_failures=2, timeout_s=2.0)
    with pytest.raises(SourceUnavailable, match=r"rtsp://admin:\*\*\*@127\.0\.0\.1:9"):
        list(iter_url_frames("rtsp://admin:secret@127.0.0.1:9/live", options, sleep=lambda _: None))


def test_password_is_redacted() -> None:
    assert redact("rtsp://admin:hunter2@10.0.0.5:554/s1") == "rtsp://admin:***@10.0.0.5:554/s1"
    assert redact("http://cam.local/snap.jpg") == "http://cam.local/snap.jpg"


def test_cli_reads_the_plate_from_an_mjpeg_stream(plate_camera: Camera) -> None:
    url = plate_camera.url + "/video.mjpg"
    args = ["recognize", url, "--json", "--every", "2", "--max-frames", "4", "--camera", "c1"]
    result = CliRunner().invoke(cli_app(), args)
    assert result.exit_code == 0, result.output
    sightings = [orjson.loads(row) for row in result.stdout.splitlines()]
    assert len(sightings) == 1
    assert sightings[0]["plate"] == "8GHJ305"
    assert sightings[0]["plate_state"] == "FL"
    assert sightings[0]["source"] == url and sightings[0]["camera_id"] == "c1"
    assert sightings[0]["reads"] >= 3 and sightings[0]["ts"].endswith("Z")


def test_cli_snapshot_of_a_parked_car_is_read_once(plate_camera: Camera) -> None:
    url = plate_camera.url + "/snap.jpg"
    args = ["recognize", url, "--json", "--interval", "0", "--max-frames", "4"]
    result = CliRunner().invoke(cli_app(), args)
    assert result.exit_code == 0, result.output
    sightings = [orjson.loads(row) for row in result.stdout.splitlines()]
    assert [s["plate"] for s in sightings] == ["8GHJ305"]
    assert sightings[0]["reads"] == 1  # the same picture four times: read once


def test_cli_unreachable_url_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app(), ["recognize", "http://127.0.0.1:9/snap.jpg"])
    assert result.exit_code == 2
    assert "unreachable" in result.stderr and "Traceback" not in result.output


def test_a_huge_header_snapshot_is_a_failed_frame_not_a_crash() -> None:
    from image_kinds import png_header_only

    for camera in _serve([png_header_only(60000, 60000)], per_connection=1):
        options = StreamOptions(interval_s=0.0, max_failures=2)
        with pytest.raises(SourceUnavailable, match=r"no frame after 2 attempts"):
            list(iter_url_frames(camera.url + "/snap.jpg", options, sleep=lambda _: None))
