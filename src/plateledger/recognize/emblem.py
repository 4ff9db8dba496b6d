"""Drop a coloured emblem that the recogniser read as a character inside the serial.

Several plates print a small coloured graphic between the groups of the serial (an orange on
Florida plates, a state outline, a heart or a flag elsewhere); the recogniser often reads it as a
letter (``SH0 L R7X``). Each recognised character's place in the line image is known, so the
pixels of its glyph can be checked: an inner character whose ink is strongly saturated while the
other characters' ink is not (dark serial, coloured emblem) is removed. At most one character is
removed and only from inside the serial (not the first or last character), and never when the
whole serial is coloured.
"""

from __future__ import annotations

import dataclasses
import statistics
from typing import TYPE_CHECKING

import numpy as np

from plateledger.recognize._deps import require
from plateledger.recognize.base import Image

if TYPE_CHECKING:
    from plateledger.recognize.ocr import OcrLine

_MIN_CHARS = 5
_EMBLEM_SATURATION = 100.0  # mean HSV saturation of the glyph's ink (0..255)
_MARGIN = 60.0  # ... and this much above the median of the other glyphs
_HALF_WIDTH = 0.3  # half the examined band, in character pitches


def drop_emblems(line: OcrLine, image: Image) -> OcrLine:
    """``line`` without the character that is a coloured emblem, if there is exactly one."""
    count = len(line.text)
    if count < _MIN_CHARS or len(line.positions) != count or image.size == 0:
        return line
    saturation = _glyph_saturations(line.positions, image)
    inner = [i for i in range(1, count - 1) if saturation[i] is not None]
    others = [s for s in saturation if s is not None]
    if len(others) < _MIN_CHARS - 1:
        return line
    emblems = []
    for i in inner:
        value = saturation[i]
        rest = [s for j, s in enumerate(saturation) if j != i and s is not None]
        if value is not None and value >= max(
            _EMBLEM_SATURATION, statistics.median(rest) + _MARGIN
        ):
            emblems.append(i)
    if len(emblems) != 1:
        return line
    k = emblems[0]
    return dataclasses.replace(
        line,
        text=line.text[:k] + line.text[k + 1 :],
        char_confidences=line.char_confidences[:k] + line.char_confidences[k + 1 :],
        alternatives=line.alternatives[:k] + line.alternatives[k + 1 :],
        positions=line.positions[:k] + line.positions[k + 1 :],
    )


def _glyph_saturations(positions: tuple[float, ...], image: Image) -> list[float | None]:
    """Mean saturation of each glyph's ink (``None`` when its band holds almost no ink)."""
    cv2 = require("cv2")
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV).astype(np.float32)
    height, width = hsv.shape[:2]
    rows = hsv[height // 8 : height - height // 8]
    value, sat = rows[:, :, 2], rows[:, :, 1]
    background = float(np.percentile(value, 75))
    ink = (value < 0.7 * background) | (sat > 110)
    half = max(1, round(_HALF_WIDTH * width / (len(positions) + 1)))
    result: list[float | None] = []
    for where in positions:
        x = round(where * width)
        band = slice(max(0, x - half), min(width, x + half + 1))
        mask = ink[:, band]
        if mask.sum() < 0.05 * mask.size:
            result.append(None)
        else:
            result.append(float(sat[:, band][mask].mean()))
    return result
