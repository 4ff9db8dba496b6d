"""Camera URLs: RTSP and HTTP MJPEG streams (OpenCV / ffmpeg) and polled JPEG snapshot URLs.

``rtsp://`` and ``rtsps://`` URLs are opened with ``cv2.VideoCapture``. An ``http(s)://`` URL is
probed once: a ``multipart/x-mixed-replace`` answer is an MJPEG stream (read with
``cv2.VideoCapture``), an ``image/*`` answer is a snapshot URL, fetched again every ``interval_s``
seconds with urllib. Anything else is refused with an error naming the URL and its content type.

A dropped connection, a failed read or an unreachable camera is retried with exponential backoff
(``backoff_s``, doubled up to ``max_backoff_s``); after ``max_failures`` consecutive failures the
source raises ``SourceUnavailable``. Passwords inside URLs never appear in messages (``redact``).
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from plateledger.errors import PlateledgerError, ValidationError
from plateledger.recognize._deps import require
from plateledger.recognize.base import Image
from plateledger.recognize.images import MAX_IMAGE_BYTES, ImageError, decode_image
from plateledger.recognize.video import Frame

URL_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://")


class SourceUnavailable(PlateledgerError):
    """A camera URL could not be read, even after reconnecting."""

    code = "source_unavailable"
    status = 503


@dataclass(frozen=True, slots=True)
class StreamOptions:
    every: int = 3  # streams: process every N-th frame
    interval_s: float = 1.0  # snapshot URLs: seconds between fetches
    max_frames: int | None = None  # stop after this many processed frames
    duration_s: float | None = None  # stop after this many seconds
    max_failures: int = 5  # consecutive failures before giving up
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    timeout_s: float = 10.0


def is_url(source: str) -> bool:
    return source.lower().startswith(URL_PREFIXES)


def redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe for messages and outputs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def url_kind(url: str, timeout_s: float = 10.0) -> str:
    """``rtsp``, ``mjpeg`` or ``snapshot``; an unreachable URL raises ``SourceUnavailable``."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in {"rtsp", "rtsps"}:
        return "rtsp"
    if scheme not in {"http", "https"}:
        raise ValidationError(
            f"source {redact(url)!r}: unsupported URL scheme", {"field": "source"}
        )
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            content_type = (response.headers.get("Content-Type") or "").lower()
    except urllib.error.HTTPError as exc:
        raise SourceUnavailable(
            f"camera {redact(url)!r}: HTTP {exc.code} {exc.reason}", {"field": "source"}
        ) from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise SourceUnavailable(
            f"camera {redact(url)!r}: unreachable ({_reason(exc)})", {"field": "source"}
        ) from None
    if content_type.startswith("multipart/"):
        return "mjpeg"
    if content_type.startswith("image/"):
        return "snapshot"
    raise ValidationError(
        f"source {redact(url)!r}: answered {content_type or 'no content type'!r}, "
        "not an MJPEG stream (multipart/x-mixed-replace) or a JPEG snapshot (image/*)",
        {"field": "source"},
    )


def iter_url_frames(
    url: str,
    options: StreamOptions,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Frame]:
    """``(frame index, seconds since start, image)`` from a camera URL, reconnecting as needed."""
    kind = url_kind(url, options.timeout_s)
    frames = _snapshots(url, options, sleep) if kind == "snapshot" else _capture(url, options)
    start = clock()
    failures = 0
    produced = 0
    for index, image in frames:
        if image is None:
            failures += 1
            if failures >= options.max_failures:
                raise SourceUnavailable(
                    f"camera {redact(url)!r}: no frame after {failures} attempts "
                    "(stream dropped or camera unreachable)",
                    {"field": "source", "attempts": failures},
                )
            sleep(min(options.max_backoff_s, options.backoff_s * 2 ** (failures - 1)))
            continue
        failures = 0
        yield index, clock() - start, image
        produced += 1
        if options.max_frames is not None and produced >= options.max_frames:
            return
        if options.duration_s is not None and clock() - start >= options.duration_s:
            return


def _capture(url: str, options: StreamOptions) -> Iterator[tuple[int, Image | None]]:
    """Frames from ``cv2.VideoCapture``; ``None`` marks a failure (the capture is reopened)."""
    # ffmpeg's own messages ("Stream ends prematurely") would interleave with the reads on
    # stderr; failures are reported by us instead. Read once, when ffmpeg is first used.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")
    cv2 = require("cv2")
    timeout_ms = int(options.timeout_s * 1000)
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        timeout_ms,
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        timeout_ms,
    ]
    index = 0
    while True:
        capture: Any = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
        try:
            if not capture.isOpened():
                yield index, None
                continue
            while True:
                if not capture.grab():
                    break
                if index % options.every == 0:
                    ok, image = capture.retrieve()
                    if ok and image is not None:
                        yield index, np.ascontiguousarray(image, dtype=np.uint8)
                index += 1
            yield index, None  # the stream ended or dropped: reconnect
        finally:
            capture.release()


def _snapshots(
    url: str, options: StreamOptions, sleep: Callable[[float], None]
) -> Iterator[tuple[int, Image | None]]:
    """One decoded JPEG per ``interval_s``; ``None`` marks a failed fetch or decode."""
    index = 0
    while True:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=options.timeout_s) as response:
                data = response.read(MAX_IMAGE_BYTES + 1)
            too_large = len(data) > MAX_IMAGE_BYTES  # and the pixel count, from the header:
            image: Image | None = None if too_large else decode_image(data, redact(url))
        except (urllib.error.URLError, OSError, TimeoutError, ImageError):
            image = None
        yield index, None if image is None else np.ascontiguousarray(image, dtype=np.uint8)
        index += 1
        sleep(max(0.0, options.interval_s - (time.monotonic() - started)))


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return str(reason)[:120]
