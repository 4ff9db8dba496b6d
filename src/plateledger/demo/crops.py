"""Synthetic evidence crops for the demo: a licence plate as a rear camera would frame it.

:func:`render_crop` draws, with Pillow only (its bundled font, no downloads), a plate styled
after its issuing state (background and text colours, the state's name on top, a slogan below,
the characters large and centred with the state's separator, four bolts) on a strip of bumper
in the vehicle's colour, then turns it slightly (rotation and a little perspective), softens it
(blur) and adds sensor noise. The result is a JPEG, the same bytes for the same
``(plate, state, colour, variant)``, well under the crop store's 256 KiB.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from plateledger.demo.plates import FORMATS

WIDTH, HEIGHT = 320, 160  # the crop
PLATE_W, PLATE_H = 232, 116  # a 12 x 6 inch plate, 2:1
JPEG_QUALITY = 82

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class PlateStyle:
    name: str  # printed on top
    slogan: str  # printed below the characters
    background: RGB
    text: RGB
    header: RGB


_NAVY, _BLACK, _MAROON = (24, 36, 92), (20, 20, 24), (110, 24, 30)
STYLES: dict[str, PlateStyle] = {
    "IL": PlateStyle("Illinois", "Land of Lincoln", (246, 246, 250), _MAROON, (176, 30, 36)),
    "CA": PlateStyle("California", "dmv.ca.gov", (250, 250, 250), _NAVY, (190, 32, 40)),
    "VA": PlateStyle("Virginia", "Virginia is for Lovers", (250, 250, 252), _NAVY, _NAVY),
    "WA": PlateStyle(
        "Washington", "Evergreen State", (236, 242, 248), (30, 60, 130), (30, 60, 130)
    ),  # fmt: skip
    "TX": PlateStyle("TEXAS", "The Lone Star State", (248, 248, 246), _BLACK, _BLACK),
    "OR": PlateStyle("OREGON", "", (238, 244, 240), (60, 40, 100), (30, 90, 60)),
    "MO": PlateStyle("MISSOURI", "Show-Me State", (238, 242, 250), (20, 50, 120), (20, 50, 120)),
    "DC": PlateStyle(
        "DISTRICT OF COLUMBIA",
        "End Taxation Without Representation",
        (250, 250, 250),
        (180, 30, 40),
        (30, 50, 130),
    ),  # fmt: skip
    "WI": PlateStyle("WISCONSIN", "America's Dairyland", (246, 246, 240), _NAVY, _NAVY),
    "IA": PlateStyle("IOWA", "", (248, 248, 248), _BLACK, (30, 80, 150)),
    "MI": PlateStyle("Pure Michigan", "", (250, 250, 250), (20, 40, 110), (20, 40, 110)),
    "AZ": PlateStyle("ARIZONA", "Grand Canyon State", (244, 226, 184), _MAROON, _MAROON),
    "MD": PlateStyle("Maryland", "", (250, 250, 250), _BLACK, (170, 30, 30)),
    "NC": PlateStyle("NORTH CAROLINA", "First in Flight", (248, 248, 250), _NAVY, (170, 30, 40)),
    "PA": PlateStyle("PENNSYLVANIA", "visitPA.com", (246, 246, 236), _NAVY, (230, 170, 20)),
    "NY": PlateStyle("NEW YORK", "Excelsior", (248, 214, 110), _NAVY, _NAVY),
    "OK": PlateStyle("OKLAHOMA", "Native America", (228, 238, 246), _NAVY, _NAVY),
    "KS": PlateStyle("KANSAS", "", (246, 246, 248), _NAVY, _NAVY),
}
DEFAULT_STYLE = PlateStyle("", "", (244, 244, 244), _BLACK, _BLACK)

COLOR_RGB: dict[str, RGB] = {
    "white": (226, 228, 230), "black": (28, 28, 32), "gray": (110, 112, 116),
    "silver": (176, 180, 186), "blue": (34, 64, 140), "red": (160, 28, 32),
    "green": (34, 96, 56), "brown": (96, 62, 40), "beige": (204, 188, 150),
    "orange": (214, 110, 30), "yellow": (222, 190, 40), "gold": (188, 156, 80),
    "purple": (90, 48, 120),
}  # fmt: skip
DEFAULT_BUMPER: RGB = (120, 122, 126)
_SEPARATOR = {f.state: f.separator for f in FORMATS}


def plate_seed(plate: str, state: str | None, color: str | None, variant: int) -> int:
    digest = hashlib.sha256(f"{plate}|{state or ''}|{color or ''}|{variant}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def printed_text(plate: str, state: str | None) -> str:
    """The plate as printed: the state's separator put back when the length fits its format."""
    fmt = next((f for f in FORMATS if f.state == state), None)
    pos, code = _SEPARATOR.get(state or "", (-1, 0))
    if fmt is None or pos < 0 or len(plate) != len(fmt.chars):
        return plate
    return plate[:pos] + chr(code) + plate[pos:]


_FONTS = threading.local()  # a FreeType face is not shared between threads; nor tiles


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    cache: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = _FONTS.__dict__.setdefault(
        "by_size", {}
    )
    if size not in cache:
        cache[size] = ImageFont.load_default(size=size)
    return cache[size]


def _fit_text(text: str, size: int, box_w: int, box_h: int, colour: RGB, bold: int) -> Image.Image:
    """``text`` drawn large on a transparent tile, squeezed to ``box_w`` x ``box_h`` if wider."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, stroke_width=bold)
    size_wh = (max(int(right - left), 1), max(int(bottom - top), 1))
    tile = Image.new("RGBA", size_wh, (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((-left, -top), text, font=font, fill=colour, stroke_width=bold,
                              stroke_fill=colour)  # fmt: skip
    return tile.resize((min(tile.width, box_w), box_h), Image.Resampling.LANCZOS)


def _label(text: str, size: int, box_w: int, box_h: int, colour: RGB) -> Image.Image:
    """A state's name or slogan tile, drawn once per thread (only read afterwards)."""
    cache: dict[tuple[object, ...], Image.Image] = _FONTS.__dict__.setdefault("labels", {})
    key = (text, size, box_w, box_h, colour)
    if key not in cache:
        cache[key] = _fit_text(text, size, box_w, box_h, colour, 0)
    return cache[key]


def _paste_centred(base: Image.Image, tile: Image.Image, cy: int) -> None:
    base.alpha_composite(tile, ((base.width - tile.width) // 2, cy - tile.height // 2))


def _plate(plate: str, state: str | None, rng: np.random.Generator) -> Image.Image:
    style = STYLES.get(state or "", DEFAULT_STYLE)
    img = Image.new("RGBA", (PLATE_W, PLATE_H), (*style.background, 255))
    draw = ImageDraw.Draw(img)
    for y in range(PLATE_H // 2, PLATE_H):  # a faint gradient towards the bottom
        shade = int(10 * (y - PLATE_H // 2) / PLATE_H)
        draw.line([(0, y), (PLATE_W, y)], fill=tuple(max(c - shade, 0) for c in style.background))
    draw.rounded_rectangle([1, 1, PLATE_W - 2, PLATE_H - 2], radius=9, outline=(60, 60, 64),
                           width=3)  # fmt: skip
    if style.name:
        _paste_centred(img, _label(style.name, 22, PLATE_W - 70, 17, style.header), 16)
    chars = _fit_text(printed_text(plate, state), 64, PLATE_W - 22, 56, style.text, 2)
    _paste_centred(img, chars, PLATE_H // 2 + 3)
    if style.slogan:
        _paste_centred(img, _label(style.slogan, 14, PLATE_W - 60, 11, style.header), 100)
    for x in (PLATE_W // 2 - 62, PLATE_W // 2 + 62):
        for y in (10, PLATE_H - 11):
            draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(150, 150, 156), outline=(70, 70, 74))
    dirt = int(rng.integers(0, 25))
    if dirt:
        overlay = Image.new("RGBA", img.size, (90, 80, 60, dirt))
        img.alpha_composite(overlay)
    return img


def _pose(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The plate turned a little (rotation, and a keystone: one side a few pixels taller), in
    one bilinear quad transform onto a tile with a transparent margin."""
    w, h = img.size
    pad = 14
    angle = np.radians(rng.uniform(-3.5, 3.5))
    cos, sin = np.cos(angle), np.sin(angle)
    cx, cy = w / 2, h / 2
    out_w, out_h = w + 2 * pad, h + 2 * pad
    corners = ((0, 0), (0, out_h), (out_w, out_h), (out_w, 0))  # NW, SW, SE, NE of the tile
    keystone = rng.uniform(-0.04, 0.04)
    quad: list[float] = []
    for ox, oy in corners:
        dx, dy = ox - out_w / 2, oy - out_h / 2
        dy *= 1 + keystone * (1 if dx > 0 else -1)
        quad += [cx + cos * dx + sin * dy, cy - sin * dx + cos * dy]
    return img.transform((out_w, out_h), Image.Transform.QUAD, tuple(quad),
                         Image.Resampling.BILINEAR)  # fmt: skip


def _bumper(colour: RGB, rng: np.random.Generator) -> Image.Image:
    """The vehicle around the plate: a vertical shading of its colour and a dark recess."""
    shade = np.linspace(1.12, 0.72, HEIGHT)[:, None, None]
    base = np.clip(np.array(colour, np.float64)[None, None, :] * shade, 0, 255)
    pixels = np.broadcast_to(base, (HEIGHT, WIDTH, 3)).astype(np.uint8)
    img = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    draw = ImageDraw.Draw(img)
    top = int(rng.integers(14, 26))
    draw.rounded_rectangle([36, top, WIDTH - 36, HEIGHT - top], radius=14, fill=(34, 34, 38))
    draw.line([(0, HEIGHT - 12), (WIDTH, HEIGHT - 16)], fill=(20, 20, 22), width=3)
    return img


def render_crop(
    plate: str,
    state: str | None,
    color: str | None = None,
    *,
    variant: int = 0,
) -> bytes:
    """A JPEG of ``plate`` (canonical text) on a ``state`` plate on a ``color`` vehicle; the same
    bytes for the same arguments, another framing (angle, light, blur, noise) per ``variant``."""
    rng = np.random.default_rng(plate_seed(plate, state, color, variant))
    scene = _bumper(COLOR_RGB.get(color or "", DEFAULT_BUMPER), rng)
    tag = _pose(_plate(plate, state, rng), rng)
    x = (WIDTH - tag.width) // 2 + int(rng.integers(-10, 11))
    y = (HEIGHT - tag.height) // 2 + int(rng.integers(-6, 7))
    scene.paste(tag, (x, y), tag)
    scene = scene.filter(ImageFilter.BoxBlur(float(rng.uniform(0.5, 0.9))))
    pixels = np.asarray(scene, dtype=np.float32)
    noise = rng.standard_normal((HEIGHT, WIDTH, 1), dtype=np.float32)
    noise *= np.float32(rng.uniform(3.0, 7.0))
    pixels *= np.float32(rng.uniform(0.8, 1.1))
    pixels += noise
    out = np.clip(pixels, 0, 255, out=pixels).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out, "RGB").save(buf, "JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()
