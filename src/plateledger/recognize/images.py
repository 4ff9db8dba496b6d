"""Image inputs: files and folders of images, decoded with OpenCV, with errors naming the file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from plateledger.errors import ValidationError
from plateledger.recognize._deps import require
from plateledger.recognize.base import Box, Image

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm", ".mpg", ".ts"})
_URL_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://")


def expand_sources(sources: Iterable[str]) -> Iterator[Path]:
    """Files as given, folders expanded to their image and video files (sorted, recursive).

    Missing paths raise ``ValidationError`` naming the source; so do camera URLs, which are read
    frame by frame with ``streams.iter_url_frames`` instead.
    """
    for source in sources:
        if source.lower().startswith(_URL_PREFIXES):
            raise ValidationError(
                f"source {source!r}: a camera URL, not a file; read it with "
                "plateledger.recognize.streams.iter_url_frames",
                {"field": "source"},
            )
        path = Path(source)
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES
            )
        elif path.is_file():
            yield path
        else:
            raise ValidationError(f"source {source!r}: no such file or folder", {"field": "source"})


def load_image(path: Path) -> Image:
    """Decode an image file to BGR uint8; a corrupt or non-image file raises ``ValidationError``."""
    cv2 = require("cv2")
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ValidationError(
            f"image {str(path)!r}: cannot read ({exc.strerror})", {"field": "source"}
        ) from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ValidationError(
            f"image {str(path)!r}: not a readable image (corrupt, empty or unsupported format)",
            {"field": "source"},
        )
    result: Image = np.ascontiguousarray(image, dtype=np.uint8)
    return result


#: The server's limit for one evidence crop (``crop_b64`` on ``POST /api/v1/reads``).
MAX_CROP_BYTES = 256 * 1024


def plate_crop_jpeg(image: Image, bbox: Box, pad: float = 0.15, quality: int = 85) -> bytes | None:
    """The plate region (with a margin) as JPEG bytes small enough to post as evidence."""
    cv2 = require("cv2")
    x, y, w, h = bbox
    height, width = image.shape[:2]
    dx, dy = int(w * pad), int(h * pad)
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(width, x + w + dx), min(height, y + h + dy)
    if x1 <= x0 or y1 <= y0:
        return None
    region = image[y0:y1, x0:x1]
    while True:
        ok, encoded = cv2.imencode(".jpg", region, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            return None
        data = bytes(encoded.tobytes())
        if len(data) <= MAX_CROP_BYTES or min(region.shape[:2]) < 16:
            return data if len(data) <= MAX_CROP_BYTES else None
        region = cv2.resize(region, (region.shape[1] // 2, region.shape[0] // 2))
