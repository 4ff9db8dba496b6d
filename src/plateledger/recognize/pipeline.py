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

#: Second detector pass (``accurate``): its input size, and the read confidence below which an
#: image counts as unsure.
SECOND_IMGSZ = 1280
UNSURE_BELOW = 0.5


class Recognizer:
    """Runs a ``Detector``, a ``PlateReader`` and an optional ``AttributeEstimator``.

    With a ``zone``, plates whose centre lies outside it are dropped before they are read.
    With a ``second`` detector (a higher input resolution), an image whose first pass is unsure
    (no plate read with confidence ``>= unsure_below``) is detected again with it; the plates it
    finds that the first pass missed or could not read are added (``recognize``).
    """

    def __init__(
        self,
        detector: Detector,
        reader: PlateReader,
        attributes: AttributeEstimator | None = None,
        max_plates: int = 4,
        zone: Zone | None = None,
        keep_crops: bool = False,
        second: Detector | None = None,
        unsure_below: float = UNSURE_BELOW,
    ) -> None:
        self.second = second
        self.unsure_below = unsure_below
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
        rect: bool = True,
        recogniser: bool | None = None,
        int8: bool = True,
        keep_crops: bool = False,
        rec: str = "plate",
        rerank: bool = True,
        accurate: bool = False,
        second_pass: bool | None = None,
    ) -> Recognizer:
        """The default onnxruntime backends (needs the ``recognize`` extra).

        ``int8``: the INT8-quantised detector (default; about 25 % less CPU per image than the
        fp32 one, same detection recall on the benchmark), or ``False`` for fp32.
        ``rect``: letterbox the detector input to the image's aspect ratio plus a grey margin
        (default; ``detector.RECT_MARGIN``), or ``False`` for a square (the default until
        2026-12-08: about 1.5x the detector's CPU, the same reads within a plate).
        ``recogniser``: also run plateledger's own plate recogniser (``crnn``) and fuse both
        readings; ``None`` uses it when its weights ship with this installation.
        ``rec``: the line recogniser, ``"plate"`` (PP-OCRv6 fine-tuned on US plates, default) or
        ``"stock"`` (the ``rapidocr`` wheel's PP-OCRv6 as shipped).
        ``rerank``: re-order each plate's candidates by its issuing state's formats (default).
        ``accurate``: also read test-time variants of each plate crop and fuse them, and detect
        again at ``SECOND_IMGSZ`` when the first pass is unsure (slower). ``second_pass``: that
        second detector pass alone on or off (``None``: as ``accurate``).
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
        reader = RapidOcrReader(
            threads=threads, recogniser=second, rec=rec, rerank=rerank, accurate=accurate
        )
        hires = (
            YoloPlateDetector(imgsz=SECOND_IMGSZ, threads=threads, rect=rect, int8=int8)
            if (accurate if second_pass is None else second_pass)
            else None
        )
        return cls(
            detector,
            reader,
            HsvColourEstimator(),
            zone=zone,
            keep_crops=keep_crops,
            second=hires,
        )

    def detect(self, image: Image, detector: Detector | None = None) -> list[Detection]:
        """The plates to read in ``image``, best first (inside the zone, at most ``max_plates``)."""
        detections = (detector or self.detector).detect(image)
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
        reads = [self.read(image, d, source, frame) for d in self.detect(image)]
        if self.second is None or any(
            r.plate is not None and r.plate.confidence >= self.unsure_below for r in reads
        ):
            return reads
        for detection in self.detect(image, self.second):
            same = [i for i, r in enumerate(reads) if _iou(r.detection.bbox, detection.bbox) > 0.3]
            if any(reads[i].plate is not None for i in same):
                continue  # read in the first pass: that read stays
            again = self.read(image, detection, source, frame)
            if same and again.plate is not None:
                reads[same[0]] = again
            elif not same:
                reads.append(again)
        return reads[: self.max_plates]

    def recognize_file(self, path: Path) -> list[Recognition]:
        return self.recognize(load_image(path), str(path))

    def recognize_sources(self, sources: Iterable[str]) -> Iterator[Recognition]:
        for path in expand_sources(sources):
            yield from self.recognize_file(path)


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0
