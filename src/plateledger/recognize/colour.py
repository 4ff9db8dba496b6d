"""Vehicle colour from HSV statistics of the body around the plate (no vehicle detector).

Lighting is taken out first with the plate as a white reference (its background is white or a
light colour on most plates): its colour cast is removed when the background is near-neutral,
and the brightness is scaled so the plate background reads light grey only when that background
is dark (below 130 of 255: dusk, shade) or clipped (250 and up: glare); otherwise the brightness
is kept, since scaling it up made black cars read grey on the labelled photos. The region is
the vehicle body just above and beside the plate (two plate widths wide, two plate heights above
it to half a plate height below), with the plate box itself masked out.

The region is then named as a whole: when at least 35 % of its pixels are coloured
(saturation >= 90 and value >= 50 of 255), the answer is the most common hue name among them
(red / orange / yellow / green / blue / purple); otherwise it is the median brightness of the
neutral pixels: black below 70, grey below 130, silver below 200, else white. The confidence is
the share of the region's pixels that agree with the answer, scaled down for small regions;
below a 15 % share the answer is ``unknown``. These thresholds were chosen on the tuning half of
``bench/colour_labels.csv`` (``bench/bench_colour.py``; figures in docs/recognition.md). Rear
windows, lights, shadows and glare inside the region are counted too, so this is a coarse hint,
not a measurement; maroon vs red or silver vs grey are not reliably told apart.
"""

from __future__ import annotations

import numpy as np

from plateledger.recognize._deps import require
from plateledger.recognize.base import Detection, Image, VehicleColour

_MIN_SHARE = 0.15
# Coloured pixels (OpenCV saturation and value, 0..255) and the share of them that makes the
# region coloured; brightness bands of the neutral median (black / grey / silver / white).
_CHROMA_SAT, _CHROMA_VAL, _CHROMA_SHARE = 90, 50, 0.35
_NEUTRALS = ((70, "black"), (130, "grey"), (200, "silver"), (256, "white"))
# Brightness is normalised only when the plate background is darker than this, or clipped.
_DARK_PLATE, _CLIPPED_PLATE = 130.0, 250.0
_FULL_CONFIDENCE_PIXELS = 4000
_TARGET_WHITE, _MIN_WHITE, _MAX_WHITE_CAST = 230.0, 60.0, 0.4
_MIN_GAIN, _MAX_GAIN = 0.7, 2.5
# Hue upper bounds (OpenCV hue, 0..180) and their names.
_HUES = ((8, "red"), (22, "orange"), (34, "yellow"), (95, "green"), (130, "blue"), (160, "purple"))


class HsvColourEstimator:
    """``AttributeEstimator`` backend: colour only."""

    def __init__(self) -> None:
        self._cv2 = require("cv2")

    def colour(self, image: Image, detection: Detection) -> VehicleColour:
        region, mask = _body_region(image, detection)
        if region.size == 0 or not mask.any():
            return VehicleColour("unknown", 0.0)
        region = _white_balanced(region, _plate_white(image, detection))
        hsv = self._cv2.cvtColor(region, self._cv2.COLOR_BGR2HSV)[mask]
        name, share = _name_region(hsv)
        confidence = share * min(1.0, len(hsv) / _FULL_CONFIDENCE_PIXELS)
        if share < _MIN_SHARE:
            return VehicleColour("unknown", round(confidence, 3))
        return VehicleColour(name, round(confidence, 3))


def _plate_white(image: Image, detection: Detection) -> np.ndarray | None:
    """The plate background's colour (BGR): the 80th percentile of the plate's middle."""
    x, y, w, h = detection.bbox
    inner = image[y + h // 6 : y + h - h // 6, x + w // 8 : x + w - w // 8]
    if inner.size == 0:
        return None
    return np.percentile(inner.reshape(-1, 3), 80, axis=0).astype(np.float32)


def _white_balanced(region: Image, white: np.ndarray | None) -> Image:
    """Lighting taken out, with the plate as the white reference.

    The colour cast is removed when the background is near-neutral (a coloured plate, such as a
    yellow one, gives no cast); the brightness is scaled so the background reads as light grey
    (230) only when it is darker than ``_DARK_PLATE`` or clipped (glare). Very dark plates
    (night, backlight) give no usable reference.
    """
    level = float(white.mean()) if white is not None else 0.0
    if white is None or level < _MIN_WHITE:
        return region
    gains = np.ones(3, np.float32)
    if (float(white.max()) - float(white.min())) / float(white.max()) <= _MAX_WHITE_CAST:
        gains = level / np.maximum(white, 1.0)
    if level < _DARK_PLATE or level >= _CLIPPED_PLATE:
        gains = gains * (_TARGET_WHITE / level)
    gains = np.clip(gains, _MIN_GAIN, _MAX_GAIN)
    balanced: Image = np.clip(region.astype(np.float32) * gains, 0, 255).astype(np.uint8)
    return balanced


def _body_region(image: Image, detection: Detection) -> tuple[Image, np.ndarray]:
    x, y, w, h = detection.bbox
    height, width = image.shape[:2]
    x0, x1 = max(0, x - w // 2), min(width, x + w + w // 2)
    y0, y1 = max(0, y - 2 * h), min(height, y + h // 2)
    region = image[y0:y1, x0:x1]
    mask = np.ones(region.shape[:2], dtype=bool)
    pad_x, pad_y = w // 6, h // 3
    mask[
        max(0, y - pad_y - y0) : max(0, y + h + pad_y - y0),
        max(0, x - pad_x - x0) : max(0, x + w + pad_x - x0),
    ] = False
    return region, mask


def _name_region(hsv: np.ndarray) -> tuple[str, float]:
    """The region's colour name and the share of its pixels (N x 3 HSV uint8) that agree."""
    hue, sat, val = (hsv[:, i].astype(np.int32) for i in range(3))
    chromatic = (sat >= _CHROMA_SAT) & (val >= _CHROMA_VAL)
    if chromatic.mean() >= _CHROMA_SHARE:
        bounds = np.array([upper for upper, _ in _HUES])
        bins = np.searchsorted(bounds, hue[chromatic], side="right") % len(_HUES)  # 160+ is red
        counts = np.bincount(bins, minlength=len(_HUES))
        best = int(counts.argmax())
        return _HUES[best][1], float(counts[best]) / len(hsv)
    neutral = val[~chromatic]
    level = float(np.median(neutral))
    lower = 0
    for upper, name in _NEUTRALS:
        if level < upper:
            agree = np.count_nonzero((neutral >= lower) & (neutral < upper))
            return name, agree / len(hsv)
        lower = upper
    raise AssertionError(level)  # unreachable: value is at most 255
