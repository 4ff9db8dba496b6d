"""Awkward image files made in code: every kind the recogniser meets in the wild, and bad ones.

``GOOD`` builds files that must decode (with the BGR colour of their top-left pixel, or the shape
expected after EXIF rotation); ``BAD`` builds files that must be refused with the given code.
Nothing here allocates a huge image: the oversized PNG is a hand-written header.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

RED = (200, 30, 30)  # RGB
W, H = 64, 32


def _rgb(colour: tuple[int, int, int] = RED, size: tuple[int, int] = (W, H)) -> object:
    from PIL import Image

    return Image.new("RGB", size, colour)


def _save(image: object, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` RGB pixels but carries almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    return _save(_rgb(), "JPEG", quality=95)


def cmyk_jpeg() -> bytes:
    return _save(_rgb().convert("CMYK"), "JPEG", quality=95)  # type: ignore[attr-defined]


def png16() -> bytes:
    from PIL import Image

    grey = np.full((H, W), 40000, dtype=np.uint16)  # 40000 / 65535 of white: 155 in 8 bits
    return _save(Image.fromarray(grey), "PNG")


def png_mode(mode: str) -> Callable[[], bytes]:
    return lambda: _save(_rgb().convert(mode), "PNG")  # type: ignore[attr-defined]


def exif_rotated(fmt: str) -> Callable[[], bytes]:
    def build() -> bytes:
        image = _rgb()
        exif = image.getexif()  # type: ignore[attr-defined]
        exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
        return _save(image, fmt, exif=exif)

    return build


def animated(fmt: str) -> Callable[[], bytes]:
    def build() -> bytes:
        first, second = _rgb((0, 0, 255)), _rgb((0, 255, 0))
        return _save(first, fmt, save_all=True, append_images=[second], duration=100, loop=0)

    return build


def plain_format(fmt: str) -> Callable[[], bytes]:
    return lambda: _save(_rgb(), fmt)


def truncated(build: Callable[[], bytes], keep: float) -> Callable[[], bytes]:
    return lambda: build()[: int(len(build()) * keep)]


def corrupted(build: Callable[[], bytes]) -> Callable[[], bytes]:
    def flip() -> bytes:
        data = bytearray(build())
        for i in range(0, 40):  # the signature and header: nothing can identify it any more
            data[i] ^= 0x5A
        return bytes(data)

    return flip


#: name -> (bytes, expected (height, width), expected BGR of the top-left pixel or None)
GOOD: dict[str, tuple[Callable[[], bytes], tuple[int, int], tuple[int, int, int] | None]] = {
    "plain.jpg": (jpeg, (H, W), (30, 30, 200)),
    "cmyk.jpg": (cmyk_jpeg, (H, W), (30, 30, 200)),
    "sixteen-bit.png": (png16, (H, W), (155, 155, 155)),
    "grey.png": (png_mode("L"), (H, W), None),
    "palette.png": (png_mode("P"), (H, W), None),
    "alpha.png": (png_mode("RGBA"), (H, W), (30, 30, 200)),
    "grey-alpha.png": (png_mode("LA"), (H, W), None),
    "exif-rotated.jpg": (exif_rotated("JPEG"), (W, H), (30, 30, 200)),
    "exif-rotated.webp": (exif_rotated("WEBP"), (W, H), None),
    "animated.gif": (animated("GIF"), (H, W), (255, 0, 0)),
    "animated.webp": (animated("WEBP"), (H, W), None),
    "plain.bmp": (plain_format("BMP"), (H, W), (30, 30, 200)),
    "plain.tiff": (plain_format("TIFF"), (H, W), (30, 30, 200)),
}

#: name -> (bytes, expected error code)
BAD: dict[str, tuple[Callable[[], bytes], str]] = {
    "huge-header.png": (lambda: png_header_only(60000, 60000), "too_large"),
    "over-limit.png": (lambda: png_header_only(9000, 9000), "too_large"),
    "zero.jpg": (lambda: b"", "empty"),
    "text.jpg": (lambda: b"GPS log, not a photo\n" * 20, "not_an_image"),
    "header-truncated.png": (lambda: png_header_only(64, 32)[:20], "not_an_image"),
    "truncated.png": (truncated(png_mode("RGB"), 0.6), "not_an_image"),
    "corrupted.jpg": (corrupted(jpeg), "not_an_image"),
    "corrupted.png": (corrupted(png_mode("RGB")), "not_an_image"),
    "truncated.gif": (truncated(animated("GIF"), 0.3), "not_an_image"),
}


def write_all(folder: Path, kinds: Mapping[str, tuple[Any, ...]]) -> list[Path]:
    """Each kind's bytes in ``folder`` under its name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (build, *_) in kinds.items():
        path = folder / name
        path.write_bytes(build())
        paths.append(path)
    return paths
