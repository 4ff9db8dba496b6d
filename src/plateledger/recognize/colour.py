"""Vehicle colour from HSV statistics of the body around the plate (no vehicle detector).

Lighting is taken out first with the plate as a white reference (its background is white or a
light colour on most plates): the region is scaled so the plate background reads light grey, and
its colour cast removed when the background is near-neutral. The region is the vehicle body just
above and beside the plate (two plate widths wide, two plate heights above it to half a plate
height below), with the plate box itself masked out. Each pixel
is named by simple HSV rules (black / white / silver / grey / red / orange / yellow / green /
blue / purple); the answer is the most common name. Its confidence is that name's share of the
pixels, scaled down for small regions; below a 35 % share the answer is ``unknown``. Rear
windows, lights, shadows and glare inside the region are counted too, so this is a coarse hint,
not a measurement; maroon vs red or silver vs grey are not reliably told apart.
"""

from __future__ import annotations

import numpy as np

from plateledger.recognize._deps import require
from plateledger.recognize.base import Detection, Image, VehicleColour

_MIN_SHARE = 0.35
_FULL_CONFIDENCE_PIXELS = 4000
_TARGET_WHITE, _MIN_WHITE, _MAX_WHITE_CAST = 230.0, 60.0, 0.4
_MIN_GAIN, _MAX_GAIN = 0.7, 2.5
# Hue upper bounds (OpenCV hue, 0..180) and their names.
_HUES = ((8, "red"), (22, "orange"), (34, "yellow"), (85, "green"), (130, "blue"), (160, "purple"))


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
        names = _name_pixels(hsv)
        labels, counts = np.unique(names, return_counts=True)
        share = counts / counts.sum()
        best = int(share.argmax())
        size_factor = min(1.0, counts.sum() / _FULL_CONFIDENCE_PIXELS)
        confidence = float(share[best]) * size_factor
        if share[best] < _MIN_SHARE:
            return VehicleColour("unknown", round(confidence, 3))
        return VehicleColour(str(labels[best]), round(confidence, 3))


def _plate_white(image: Image, detection: Detection) -> np.ndarray | None:
    """The plate background's colour (BGR): the 80th percentile of the plate's middle."""
    x, y, w, h = detection.bbox
    inner = image[y + h // 6 : y + h - h // 6, x + w // 8 : x + w - w // 8]
    if inner.size == 0:
        return None
    return np.percentile(inner.reshape(-1, 3), 80, axis=0).astype(np.float32)


def _white_balanced(region: Image, white: np.ndarray | None) -> Image:
    """Lighting taken out, with the plate as the white reference.

    Brightness is scaled so the plate background reads as light grey (230); the colour cast is
    removed too when the background is near-neutral (a coloured plate, such as a yellow one, only
    corrects brightness). Dark plates (night, backlight) give no usable reference.
    """
    if white is None or float(white.mean()) < _MIN_WHITE:
        return region
    if (float(white.max()) - float(white.min())) / float(white.max()) > _MAX_WHITE_CAST:
        gains = np.full(3, _TARGET_WHITE / float(white.mean()), np.float32)
    else:
        gains = _TARGET_WHITE / np.maximum(white, 1.0)
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


def _name_pixels(hsv: np.ndarray) -> np.ndarray:
    """One colour name per HSV pixel (array of N x 3 uint8)."""
    hue, sat, val = (hsv[:, i].astype(np.int32) for i in range(3))
    names = np.full(hue.shape, "grey", dtype=object)
    chromatic = (sat >= 70) & (val >= 50)
    lower = 0
    for upper, name in _HUES:
        names[chromatic & (hue >= lower) & (hue < upper)] = name
        lower = upper
    names[chromatic & (hue >= _HUES[-1][0])] = "red"
    names[~chromatic & (val >= 200) & (sat < 30)] = "white"
    names[~chromatic & (val >= 140) & (val < 200) & (sat < 40)] = "silver"
    names[val < 50] = "black"
    return names
