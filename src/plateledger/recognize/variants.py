"""Test-time variants of a plate's text line, for the ``accurate`` preset.

The plate line found in the crop (a quadrilateral) is warped again a few ways: a tighter and a
looser box, turned by ±3°, a coarser resampling (a smaller plate), and a contrast-equalised copy
(CLAHE). Each variant is read by the same line recogniser in one batch; ``fusion.fuse_lines``
then scores every candidate by its CTC likelihood under all readings at once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from plateledger.recognize.base import Image

Quad = npt.NDArray[np.float32]
#: (name, horizontal scale, vertical scale, degrees): box changes about the line's centre
BOX_VARIANTS: tuple[tuple[str, float, float, float], ...] = (
    ("tight", 0.97, 0.88, 0.0),
    ("loose", 1.04, 1.15, 0.0),
    ("rot+3", 1.0, 1.0, 3.0),
    ("rot-3", 1.0, 1.0, -3.0),
)
_COARSE = 0.6  # the "smaller plate" variant: resampled to 60 % and back


def transform_quad(quad: Quad, sx: float, sy: float, degrees: float) -> Quad:
    """``quad`` scaled about its centre along its own axes, then turned by ``degrees``."""
    centre = quad.mean(axis=0)
    across = (quad[1] - quad[0] + quad[2] - quad[3]) / 2
    down = (quad[3] - quad[0] + quad[2] - quad[1]) / 2
    u = across / max(1e-6, float(np.linalg.norm(across)))
    v = down / max(1e-6, float(np.linalg.norm(down)))
    rel = quad - centre
    a, b = rel @ u, rel @ v
    out = centre + np.outer(a * sx, u) + np.outer(b * sy, v)
    theta = math.radians(degrees)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    turned: Quad = ((out - centre) @ rot.T + centre).astype(np.float32)
    return turned


def line_variants(cv2: Any, crop: Image, quad: Quad, line: Image, warp: Any) -> list[Image]:
    """The variant line images of one plate line (the original ``line`` not included).

    ``warp(crop, quad)`` cuts a line image out of the crop, as for the original reading.
    """
    images = [warp(crop, transform_quad(quad, sx, sy, deg)) for _, sx, sy, deg in BOX_VARIANTS]
    height, width = line.shape[:2]
    small = (max(4, round(width * _COARSE)), max(4, round(height * _COARSE)))
    coarse = cv2.resize(line, small, interpolation=cv2.INTER_AREA)
    images.append(cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR))
    images.append(clahe(cv2, line))
    return images


def clahe(cv2: Any, image: Image) -> Image:
    """Contrast-limited histogram equalisation of the lightness channel."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)
    equaliser = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(2, 8))
    lab[:, :, 0] = equaliser.apply(lab[:, :, 0])
    out: Image = cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)
    return out
