"""The recognition pipeline: detect plates, read each, estimate the vehicle colour."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from plateledger.recognize.base import (
    AttributeEstimator,
    Detector,
    Image,
    PlateReader,
    Recognition,
)
from plateledger.recognize.images import expand_sources, load_image


class Recognizer:
    """Runs a ``Detector``, a ``PlateReader`` and an optional ``AttributeEstimator``."""

    def __init__(
        self,
        detector: Detector,
        reader: PlateReader,
        attributes: AttributeEstimator | None = None,
        max_plates: int = 4,
    ) -> None:
        self.detector = detector
        self.reader = reader
        self.attributes = attributes
        self.max_plates = max_plates

    @classmethod
    def default(cls, threads: int = 1, imgsz: int | None = None) -> Recognizer:
        """The default onnxruntime backends (needs the ``recognize`` extra)."""
        from plateledger.recognize.colour import HsvColourEstimator
        from plateledger.recognize.detector import DEFAULT_IMGSZ, YoloPlateDetector
        from plateledger.recognize.ocr import RapidOcrReader

        detector = YoloPlateDetector(imgsz=imgsz or DEFAULT_IMGSZ, threads=threads)
        return cls(detector, RapidOcrReader(threads=threads), HsvColourEstimator())

    def recognize(self, image: Image, source: str, frame: int | None = None) -> list[Recognition]:
        """Every detected plate, read or not (``plate`` is ``None`` when nothing legible)."""
        results = []
        for detection in self.detector.detect(image)[: self.max_plates]:
            plate = self.reader.read(image, detection)
            colour = self.attributes.colour(image, detection) if self.attributes else None
            results.append(Recognition(source, detection, plate, colour, frame))
        return results

    def recognize_file(self, path: Path) -> list[Recognition]:
        return self.recognize(load_image(path), str(path))

    def recognize_sources(self, sources: Iterable[str]) -> Iterator[Recognition]:
        for path in expand_sources(sources):
            yield from self.recognize_file(path)
