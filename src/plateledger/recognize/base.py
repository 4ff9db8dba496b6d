"""Recognition contracts: detector, plate reader and attribute estimator, and their results.

Everything here is pure data and ``Protocol`` definitions (no onnxruntime import), so callers and
tests can depend on it without the optional ``recognize`` extra. Boxes are ``(x, y, w, h)`` in
integer pixels of the source image; confidences are in 0..1. The result types turn the numbers
they are given into plain Python ``int``/``float`` (a backend may hand over numpy scalars).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

#: A decoded image: H x W x 3, uint8, BGR channel order (OpenCV's convention).
Image = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]
#: The characters of a canonical plate, in the column order of ``OcrLine.emissions``.
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True, slots=True)
class Detection:
    """One plate found in an image."""

    bbox: Box
    confidence: float

    def __post_init__(self) -> None:
        x, y, w, h = self.bbox
        object.__setattr__(self, "bbox", (int(x), int(y), int(w), int(h)))
        object.__setattr__(self, "confidence", float(self.confidence))


@dataclass(frozen=True, slots=True)
class Candidate:
    plate: str
    confidence: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "plate", str(self.plate))
        object.__setattr__(self, "confidence", float(self.confidence))


@dataclass(frozen=True, slots=True)
class PlateText:
    """The text read from one plate, already canonical (``[A-Z0-9]``).

    ``char_confidences`` has one entry per character of ``text``. ``candidates`` holds up to five
    alternative readings, best first; the first is ``text`` itself. ``state`` is the issuing
    state estimated from what the plate shows (state name or slogan), or ``None``.
    """

    text: str
    confidence: float
    char_confidences: tuple[float, ...]
    candidates: tuple[Candidate, ...]
    state: str | None = None
    state_confidence: float | None = None
    raw: str | None = None

    def __post_init__(self) -> None:  # plain Python numbers, whatever numpy handed in
        object.__setattr__(self, "confidence", float(self.confidence))
        object.__setattr__(self, "char_confidences", tuple(map(float, self.char_confidences)))
        if self.state_confidence is not None:
            object.__setattr__(self, "state_confidence", float(self.state_confidence))


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One text line of the plate crop: raw text and its alphanumeric reading."""

    raw: str
    text: str
    char_confidences: tuple[float, ...]
    alternatives: tuple[tuple[tuple[str, float], ...], ...]  # per character, best first
    height: float
    centre_y: float
    #: T x 37 CTC probabilities: column 0 blank or a non-plate glyph, then ``ALNUM`` (see ``ctc``)
    emissions: npt.NDArray[np.float32] | None = field(default=None, compare=False, repr=False)
    #: where each character's peak lies across the line image, 0..1 (empty when unknown)
    positions: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class VehicleColour:
    """A coarse colour name for the vehicle body near the plate; ``unknown`` when unsure."""

    name: str
    confidence: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "confidence", float(self.confidence))


@dataclass(frozen=True, slots=True)
class Recognition:
    """One plate read from one image (or frame)."""

    source: str
    detection: Detection
    plate: PlateText | None
    colour: VehicleColour | None
    frame: int | None = None
    crop: bytes | None = None  # JPEG of the plate region, when the recognizer keeps crops


class Detector(Protocol):
    def detect(self, image: Image) -> list[Detection]:
        """Plates in the image, best first."""
        ...


class PlateReader(Protocol):
    def read(self, image: Image, detection: Detection) -> PlateText | None:
        """The plate text inside ``detection``, or ``None`` when nothing plate-like is legible."""
        ...


class AttributeEstimator(Protocol):
    def colour(self, image: Image, detection: Detection) -> VehicleColour:
        """The colour of the vehicle carrying the plate in ``detection``."""
        ...
