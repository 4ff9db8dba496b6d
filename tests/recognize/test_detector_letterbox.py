"""The detector's letterbox: its input size (square or rect with a margin) and the input values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from recognize_synth import needs_extra, render_scene, to_bgr

pytestmark = needs_extra


class _Recording:
    """The real onnxruntime session, recording the shape of each input it runs on."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.shapes: list[tuple[int, ...]] = []

    def run(self, outputs: Any, feeds: dict[str, np.ndarray]) -> Any:
        self.shapes.extend(tuple(value.shape) for value in feeds.values())
        return self.session.run(outputs, feeds)


def test_blob_has_the_values_of_the_plain_conversion() -> None:
    from plateledger.recognize.detector import _blob

    canvas = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    plain = canvas[:, :, ::-1].transpose(2, 0, 1)[np.newaxis].astype(np.float32) / 255.0
    blob = _blob(canvas)
    assert blob.dtype == np.float32
    assert np.array_equal(blob, plain)


@pytest.mark.parametrize(
    ("rect", "size", "expected"),
    [
        (True, (1280, 720), (1, 3, 608, 960)),  # 540 rounded to 544, plus the 64 px margin
        (True, (918, 1632), (1, 3, 960, 608)),  # portrait: the margin on the width
        (True, (1280, 960), (1, 3, 800, 960)),  # 4:3
        (True, (1000, 960), (1, 3, 960, 960)),  # capped at imgsz
        (False, (1280, 720), (1, 3, 960, 960)),
    ],
)
def test_letterbox_size(rect: bool, size: tuple[int, int], expected: tuple[int, ...]) -> None:
    from plateledger.recognize.detector import YoloPlateDetector

    detector = YoloPlateDetector(threads=1, rect=rect)
    recording = _Recording(detector._session)
    detector._session = recording
    detector.detect(np.full((size[1], size[0], 3), 128, dtype=np.uint8))
    assert recording.shapes == [expected]


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / (a[2] * a[3] + b[2] * b[3] - ix * iy)


def test_rect_and_square_find_the_same_plate() -> None:
    from plateledger.recognize.detector import YoloPlateDetector

    image, box = render_scene("7ABC123", "California", seed=3)
    bgr = to_bgr(image)
    rect, square = (YoloPlateDetector(threads=1, rect=r).detect(bgr)[0].bbox for r in (True, False))
    assert _iou(rect, box) > 0.5
    assert _iou(square, box) > 0.5
    assert _iou(rect, square) > 0.8
