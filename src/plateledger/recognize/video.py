"""Video files (OpenCV / ffmpeg): sampled frames, read and grouped into sightings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from plateledger.errors import ValidationError
from plateledger.recognize._deps import require
from plateledger.recognize.base import Image, Recognition
from plateledger.recognize.images import VIDEO_SUFFIXES
from plateledger.recognize.pipeline import Recognizer
from plateledger.recognize.tracker import Sighting, track


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def iter_frames(path: Path, every: int = 3) -> Iterator[tuple[int, float, Image]]:
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


def video_sightings(
    recognizer: Recognizer, path: Path, every: int = 3, max_gap_frames: int = 30
) -> Iterator[tuple[Sighting, float]]:
    """Sightings in a video file, each with the time offset (s) of its best frame."""
    offsets: dict[int, float] = {}

    def reads() -> Iterator[Recognition]:
        for index, offset, frame in iter_frames(path, every):
            offsets[index] = offset
            yield from recognizer.recognize(frame, str(path), frame=index)

    for sighting in track(reads(), max_gap=max_gap_frames):
        yield sighting, offsets.get(sighting.best.frame or 0, 0.0)
