"""The recognition pipeline: detect plates, read each, estimate the vehicle colour."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from plateledger.recognize.base import (
    AttributeEstimator,
    Detection,
    Detector,
    Image,
    PlateReader,
    Recognition,
)
from plateledger.recognize.images import expand_sources, load_image, plate_crop_jpeg
from plateledger.recognize.zone import Zone


class Recognizer:
    """Runs a ``Detector``, a ``PlateReader`` and an optional ``AttributeEstimator``.

    With a ``zone``, plates whose centre lies outside it are dropped before they are read.
    """

    def __init__(
        self,
        detector: Detector,
        reader: PlateReader,
        attributes: AttributeEstimator | None = None,
        max_plates: int = 4,
        zone: Zone | None = None,
        keep_crops: bool = False,
    ) -> None:
        self.keep_crops = keep_crops  # keep each read plate's crop (JPEG) as evidence
        self.detector = detector
        self.reader = reader
        self.attributes = attributes
        self.max_plates = max_plates
        self.zone = zone

    @classmethod
    def default(
        cls,
        threads: int = 1,
        imgsz: int | None = None,
        zone: Zone | None = None,
        rect: bool = False,
        recogniser: bool | None = None,
        int8: bool = True,
        keep_crops: bool = False,
        rec: str = "plate",
    ) -> Recognizer:
        """The default onnxruntime backends (needs the ``recognize`` extra).

        ``int8``: the INT8-quantised detector (default; about 25 % less CPU per image than the
        fp32 one, same detection recall on the benchmark), or ``False`` for fp32.
        ``rect``: letterbox the detector input to the image's aspect ratio rather than a square.
        ``recogniser``: also run plateledger's own plate recogniser (``crnn``) and fuse both
        readings; ``None`` uses it when its weights ship with this installation.
        ``rec``: the line recogniser, ``"plate"`` (PP-OCRv6 fine-tuned on US plates, default) or
        ``"stock"`` (the ``rapidocr`` wheel's PP-OCRv6 as shipped).
        """
        from plateledger.recognize import crnn
        from plateledger.recognize.colour import HsvColourEstimator
        from plateledger.recognize.detector import DEFAULT_IMGSZ, YoloPlateDetector
        from plateledger.recognize.ocr import RapidOcrReader

        detector = YoloPlateDetector(
            imgsz=imgsz or DEFAULT_IMGSZ, threads=threads, rect=rect, int8=int8
        )
        use_crnn = crnn.available() if recogniser is None else recogniser
        second = crnn.CrnnPlateRecogniser(threads=threads) if use_crnn else None
        reader = RapidOcrReader(threads=threads, recogniser=second, rec=rec)
        return cls(detector, reader, HsvColourEstimator(), zone=zone, keep_crops=keep_crops)

    def detect(self, image: Image) -> list[Detection]:
        """The plates to read in ``image``, best first (inside the zone, at most ``max_plates``)."""
        detections = self.detector.detect(image)
        if self.zone is not None:
            height, width = image.shape[:2]
            detections = [d for d in detections if self.zone.contains(d.bbox, width, height)]
        return detections[: self.max_plates]

    def read(
        self, image: Image, detection: Detection, source: str, frame: int | None = None
    ) -> Recognition:
        """Read one detected plate and the vehicle's attributes."""
        plate = self.reader.read(image, detection)
        colour = self.attributes.colour(image, detection) if self.attributes else None
        crop = plate_crop_jpeg(image, detection.bbox) if self.keep_crops and plate else None
        return Recognition(source, detection, plate, colour, frame, crop)

    def recognize(self, image: Image, source: str, frame: int | None = None) -> list[Recognition]:
        """Every detected plate, read or not (``plate`` is ``None`` when nothing legible)."""
        return [self.read(image, d, source, frame) for d in self.detect(image)]

    def recognize_file(self, path: Path) -> list[Recognition]:
        return self.recognize(load_image(path), str(path))

    def recognize_sources(self, sources: Iterable[str]) -> Iterator[Recognition]:
        for path in expand_sources(sources):
            yield from self.recognize_file(path)
