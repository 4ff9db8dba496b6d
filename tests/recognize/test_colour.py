"""Vehicle colour under changed lighting, with the plate as the white reference (no OCR needed)."""

from __future__ import annotations

import numpy as np
import pytest
from recognize_synth import needs_extra, render_scene, to_bgr

from plateledger.recognize.base import Detection

pytestmark = needs_extra

LIGHTING = {  # BGR gains
    "daylight": (1.0, 1.0, 1.0),
    "dusk": (0.45, 0.45, 0.45),
    "sodium lamp": (0.7, 0.85, 1.05),
    "overcast blue": (1.1, 0.95, 0.75),
    "glare": (1.3, 1.3, 1.3),
}


@pytest.mark.parametrize("light", LIGHTING)
@pytest.mark.parametrize(
    ("body", "name"),
    [((235, 235, 235), "white"), ((150, 150, 155), "silver"), ((220, 200, 30), "yellow"),
     ((200, 30, 30), "red"), ((30, 60, 170), "blue"), ((25, 25, 25), "black")],
)  # fmt: skip
def test_colour_survives_lighting(body: tuple[int, int, int], name: str, light: str) -> None:
    from plateledger.recognize.colour import HsvColourEstimator

    scene, box = render_scene("ABC123", "", body, seed=2)
    lit = np.clip(to_bgr(scene).astype(np.float32) * np.float32(LIGHTING[light]), 0, 255)
    colour = HsvColourEstimator().colour(lit.astype(np.uint8), Detection(box, 0.9))
    assert colour.name == name
    assert 0.35 <= colour.confidence <= 1.0


def test_the_plate_itself_does_not_colour_the_vehicle() -> None:
    from plateledger.recognize.colour import HsvColourEstimator

    scene, box = render_scene("ABC123", "", (30, 60, 170), seed=2)
    image = to_bgr(scene).copy()
    x, y, w, h = box
    image[y : y + h, x : x + w] = (0, 200, 255)  # a bright yellow plate on a blue car
    assert HsvColourEstimator().colour(image, Detection(box, 0.9)).name == "blue"
