"""Video files (OpenCV / ffmpeg) and frame sequences: sampled frames, read, grouped into sightings.

A frame in which nothing moved (mean absolute difference of a 64x36 grey thumbnail against the
last processed frame below ``STILL_THRESHOLD`` grey levels) is not processed at all; it only keeps
the open tracks alive. A detection where a settled track's vehicle stands still is not read again
(see ``tracker``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from plateledger.errors import ValidationError
from plateledger.recognize._deps import require
from plateledger.recognize.base import Image
from plateledger.recognize.images import VIDEO_SUFFIXES
from plateledger.recognize.pipeline import Recognizer
from plateledger.recognize.tracker import Sighting, Tracker

#: ``(frame index, seconds from the start, image)``
Frame = tuple[int, float, Image]
STILL_THRESHOLD = 1.5


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def iter_frames(path: Path, every: int = 3) -> Iterator[Frame]:
    """``(frame index, seconds from start, image)`` for every ``every``-th frame."""
    cv2 = require("cv2")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValidationError(f"video {str(path)!r}: cannot open", {"field": "source"})
    fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
    index = 0
    decoded = False
    try:
        while True:
            ok = capture.grab()
            if not ok:
                break
            if index % every == 0:
                ok, frame = capture.retrieve()
                if ok and frame is not None:
                    decoded = True
                    yield index, (index / fps if fps > 0 else 0.0), frame
            index += 1
    finally:
        capture.release()
    if not decoded:
        raise ValidationError(
            f"video {str(path)!r}: no decodable frames (corrupt or unsupported)",
            {"field": "source"},
        )


def frame_sightings(
    recognizer: Recognizer,
    frames: Iterable[Frame],
    source: str,
    max_gap_frames: int = 30,
    emit_settled: bool = False,
) -> Iterator[tuple[Sighting, float]]:
    """Sightings in a frame sequence, each with the time offset (s) of its best frame.

    ``emit_settled`` (live cameras): a sighting is emitted once it has three reads, not only
    when the vehicle has left.
    """
    cv2 = require("cv2")
    tracker = Tracker(max_gap=max_gap_frames, emit_settled=emit_settled)
    offsets: dict[int, float] = {}
    previous: npt.NDArray[np.float32] | None = None
    for index, offset, image in frames:
        thumb = cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), (64, 36)).astype(np.float32)
        if previous is not None and float(np.abs(thumb - previous).mean()) < STILL_THRESHOLD:
            tracker.keep_alive(index)
            continue
        previous = thumb
        offsets[index] = offset
        reads = []
        for detection in recognizer.detect(image):
            if tracker.stationary(detection.bbox):
                tracker.touch(detection.bbox, index)
            else:
                reads.append(recognizer.read(image, detection, source, index))
        for sighting in tracker.observe(index, reads):
            yield sighting, offsets.get(sighting.best.frame or 0, 0.0)
    for sighting in tracker.flush():
        yield sighting, offsets.get(sighting.best.frame or 0, 0.0)


def video_sightings(
    recognizer: Recognizer, path: Path, every: int = 3, max_gap_frames: int = 30
) -> Iterator[tuple[Sighting, float]]:
    """Sightings in a video file, each with the time offset (s) of its best frame."""
    return frame_sightings(recognizer, iter_frames(path, every), str(path), max_gap_frames)
