"""Image inputs: files and folders of images, checked from their header, then decoded.

A file is refused with a named ``ImageError`` (the file, a machine-readable ``code`` and a reason)
before any pixel is decoded when it is empty, larger than ``MAX_IMAGE_BYTES``, declares more than
``MAX_IMAGE_PIXELS`` pixels in its header, is not an image Pillow can identify, or cannot be read.
Decoding is OpenCV's (EXIF orientation applied, 16-bit, grey, palette and alpha converted to BGR
uint8), with Pillow for what OpenCV cannot decode (GIF, animated WebP: first frame; CMYK).
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from plateledger.errors import ValidationError
from plateledger.recognize._deps import require
from plateledger.recognize.base import Box, Image

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm", ".mpg", ".ts"})
_URL_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://")
#: The largest image file read (bytes): a 48-megapixel phone photo is 15-25 MB as JPEG.
MAX_IMAGE_BYTES = 100 * 1024 * 1024
#: The most pixels an image may declare (its BGR copy is 3 bytes a pixel: 192 MB at this limit).
MAX_IMAGE_PIXELS = 64_000_000

#: Why an image file was refused (the ``error.code`` of a ``--json`` error line).
ImageErrorCode = Literal["unreadable", "not_a_file", "empty", "too_large", "not_an_image"]


class ImageError(ValidationError):
    """An image file that cannot be read; ``code`` says why and the message names the file."""

    def __init__(self, path: str | Path, code: ImageErrorCode, reason: str) -> None:
        super().__init__(
            f"image {str(path)!r}: {reason}", {"field": "source", "file": str(path), "code": code}
        )
        self.code = code


def expand_sources(sources: Iterable[str]) -> Iterator[Path]:
    """Files as given, folders expanded to their image and video files (sorted, recursive).

    Missing paths raise ``ValidationError`` naming the source; so do camera URLs, which are read
    frame by frame with ``streams.iter_url_frames`` instead. Inside a folder, what is not a
    regular file (a sub-folder named ``x.jpg``, a broken link) is skipped.
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
        elif path.exists():
            yield path  # a file, or something else that ``load_image`` refuses by name
        else:
            raise ValidationError(f"source {source!r}: no such file or folder", {"field": "source"})


def load_image(
    path: Path, *, max_bytes: int = MAX_IMAGE_BYTES, max_pixels: int = MAX_IMAGE_PIXELS
) -> Image:
    """Decode an image file to BGR uint8 (H x W x 3); a file that cannot be read raises
    ``ImageError`` naming it, before decoding when its size or header is at fault."""
    return decode_image(_read_bytes(path, max_bytes), path, max_pixels=max_pixels)


def decode_image(data: bytes, name: str | Path, *, max_pixels: int = MAX_IMAGE_PIXELS) -> Image:
    """Decode image bytes (a file's, a camera snapshot's) to BGR uint8, the header checked
    first; ``ImageError`` naming ``name`` when they are not a readable image of allowed size."""
    if not data:
        raise ImageError(name, "empty", "an empty file (0 bytes)")
    opened = _open_header(name, data, max_pixels)
    image = _decode_opencv(data)
    if image is None:
        image = _decode_pillow(name, opened)
    result: Image = np.ascontiguousarray(image, dtype=np.uint8)
    return result


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        if not path.is_file():
            what = "a folder" if path.is_dir() else "not a regular file"
            raise ImageError(path, "not_a_file", f"{what}, not an image file")
        size = path.stat().st_size
        if size > max_bytes:
            raise ImageError(path, "too_large", f"{size} bytes, more than the {max_bytes} allowed")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ImageError(path, "unreadable", f"cannot read ({exc.strerror or exc})") from None
    if not data:
        raise ImageError(path, "empty", "an empty file (0 bytes)")
    if len(data) > max_bytes:
        raise ImageError(path, "too_large", f"more than the {max_bytes} bytes allowed")
    return data


_NOT_AN_IMAGE = "not a readable image (corrupt, empty or unsupported format)"


def _open_header(path: str | Path, data: bytes, max_pixels: int) -> PilImage:
    """Pillow's lazily opened image: only the header is parsed, so the size is checked first."""
    pil = require("PIL.Image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pil.DecompressionBombWarning)  # our own limit below
            opened: PilImage = pil.open(io.BytesIO(data))
    except pil.DecompressionBombError:
        raise ImageError(
            path, "too_large", f"declares more than the {max_pixels} pixels allowed"
        ) from None
    except _PILLOW_ERRORS:
        raise ImageError(path, "not_an_image", _NOT_AN_IMAGE) from None
    width, height = opened.size
    if width * height > max_pixels:
        raise ImageError(
            path, "too_large", f"{width}x{height} pixels, more than the {max_pixels} allowed"
        )
    if width < 1 or height < 1:
        raise ImageError(path, "not_an_image", f"{width}x{height} pixels, an empty image")
    return opened


#: What Pillow raises on a corrupt header or truncated data.
_PILLOW_ERRORS: tuple[type[Exception], ...] = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    struct.error,
)


def _decode_opencv(data: bytes) -> Image | None:
    """OpenCV's decoding (it applies the EXIF orientation); ``None`` when it cannot (quietly:
    the caller names the file, OpenCV's own warnings would only add noise on stderr)."""
    cv2 = require("cv2")
    log = cv2.utils.logging
    level = log.getLogLevel()
    log.setLogLevel(log.LOG_LEVEL_SILENT)
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        return None
    finally:
        log.setLogLevel(level)
    if image is None or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        return None
    result: Image = image
    return result


def _decode_pillow(path: str | Path, opened: PilImage) -> Image:
    """Pillow's decoding of the first frame, EXIF orientation applied, as BGR uint8."""
    ops = require("PIL.ImageOps")
    try:
        first: PilImage = ops.exif_transpose(opened)  # loads the first frame's pixels
        rgb = np.asarray(_to_rgb(first))
    except require("PIL.Image").DecompressionBombError:
        raise ImageError(path, "too_large", "declares more pixels than allowed") from None
    except _PILLOW_ERRORS as exc:  # truncated or corrupt pixel data: Pillow says which
        raise ImageError(path, "not_an_image", f"not a readable image ({exc})") from None
    bgr: Image = np.ascontiguousarray(rgb[:, :, ::-1], dtype=np.uint8)
    return bgr


def _to_rgb(image: PilImage) -> PilImage:
    """8-bit RGB from any Pillow mode; 16-bit and float images are scaled to 0..255."""
    if image.mode in {"I", "I;16", "I;16B", "I;16L", "F"}:
        values = np.asarray(image, dtype=np.float64)
        top = float(values.max()) if values.size else 0.0
        scaled = np.clip(values * (255.0 / top if top > 0 else 0.0), 0, 255).astype(np.uint8)
        converted: PilImage = require("PIL.Image").fromarray(scaled).convert("RGB")
        return converted
    return image.convert("RGB")


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
