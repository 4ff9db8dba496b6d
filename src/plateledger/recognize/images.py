"""Image inputs: files and folders of images, decoded with OpenCV, with errors naming the file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from plateledger.errors import ValidationError
from plateledger.recognize._deps import require
from plateledger.recognize.base import Image

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
