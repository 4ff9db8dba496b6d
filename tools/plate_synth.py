"""Synthetic US-style plates rendered with PIL, and the augmentation shared with real crops.

Used only by ``tools/train_recogniser.py`` (training time); nothing here ships in the package.
A plate is a coloured background (flat, gradient or with a faint scenic band), a border, a large
serial in a condensed sans font drawn from a random US-like layout (groups split by a space, a
dash or a small coloured emblem), a small state name on top, an optional slogan at the bottom and
optional stickers in the corners. Augmentation then mimics a detector crop from a traffic camera:
loose or tight framing, slight rotation and shear, low resolution, blur, JPEG artefacts, lighting.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ALPHABET = "0123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"  # no letter O: written as the digit 0
LETTERS = "ABCDEFGHIJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"
# L letter, D digit, X either; "-" a gap (space, dash or emblem).
LAYOUTS = (
    "LLL-DDDD", "LLL-DDD", "DLLL-DDD", "LL-DDDDD", "DDD-LLL", "LLL-DDL", "LL-DLL",
    "DDD-DDD", "LLLDDD", "DDDDDDD", "LLL-DLL", "DL-DDDD", "LLL-LDD", "DD-LLLL",
    "LL-DDDD", "LD-LLLL", "LDL-DDD", "LLLL-DD", "LL-DL-DL", "XXXXX", "XXXXXX", "XXXX",
)  # fmt: skip
STATE_WORDS = (
    "CALIFORNIA", "Texas", "FLORIDA", "New York", "ILLINOIS", "Ohio", "Pennsylvania",
    "GEORGIA", "Michigan", "NEW JERSEY", "Virginia", "Washington", "ARIZONA", "Maryland",
    "Massachusetts", "Tennessee", "INDIANA", "Missouri", "Wisconsin", "Colorado", "Oregon",
    "NEVADA", "Utah", "Kentucky", "Louisiana", "IOWA", "Kansas", "Idaho", "Maine", "Alaska",
)  # fmt: skip
SLOGANS = (
    "Sunshine State", "Land of Lincoln", "Empire State", "Garden State", "dmv.ca.gov",
    "Live Free or Die", "Great Lakes", "America's Dairyland", "Famous Potatoes", "",
    "Lone Star State", "Virginia is for Lovers", "Keystone State", "",
)  # fmt: skip
FONT_DIR = Path("/usr/share/fonts/truetype")
SERIAL_FONTS = (
    "dejavu/DejaVuSansCondensed-Bold.ttf", "dejavu/DejaVuSansCondensed.ttf",
    "liberation/LiberationSansNarrow-Bold.ttf", "liberation/LiberationSansNarrow-Regular.ttf",
    "dejavu/DejaVuSansMono-Bold.ttf", "liberation/LiberationMono-Bold.ttf",
    "dejavu/DejaVuSans-Bold.ttf", "liberation/LiberationSans-Bold.ttf",
)  # fmt: skip
SMALL_FONTS = ("dejavu/DejaVuSerif-Bold.ttf", "dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif.ttf")


def serial(rng: random.Random) -> tuple[str, list[int]]:
    """A random serial and the indices (in the serial) before which a gap is drawn."""
    layout = rng.choice(LAYOUTS)
    text, gaps = "", []
    for code in layout:
        if code == "-":
            gaps.append(len(text))
        elif code == "L":
            text += rng.choice(LETTERS)
        elif code == "D":
            text += rng.choice(DIGITS)
        else:
            text += rng.choice(ALPHABET)
    return text, gaps


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _background(rng: random.Random, w: int, h: int) -> Image.Image:
    base = [rng.randint(170, 255) for _ in range(3)]
    if rng.random() < 0.3:  # coloured plates (yellow, blue-ish, green-ish)
        base = [rng.randint(120, 255), rng.randint(120, 255), rng.randint(40, 220)]
    top = np.array(base, np.float32)
    bottom = np.clip(top + [rng.randint(-60, 30) for _ in range(3)], 0, 255)
    ramp = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    array = top * (1 - ramp) + bottom * ramp
    array = np.repeat(array, w, axis=1)
    if rng.random() < 0.4:  # a faint scenic band (mountains, waves)
        xs = np.arange(w)
        band = (np.sin(xs / rng.uniform(8, 30) + rng.random() * 6) * h * 0.08 + h * 0.55).astype(
            int
        )
        colour = np.array([rng.randint(60, 255) for _ in range(3)], np.float32)
        below = np.arange(h)[:, None] >= band[None, :]
        array[below] = array[below] * 0.6 + colour * 0.4
    return Image.fromarray(array.astype(np.uint8))


def render_plate(rng: random.Random) -> tuple[Image.Image, str]:
    """One synthetic plate (RGB, about 2:1) and its serial."""
    w, h = 320, 160
    plate = _background(rng, w, h)
    draw = ImageDraw.Draw(plate)
    ink = tuple(rng.randint(0, 90) for _ in range(3))
    if rng.random() < 0.25:
        ink = (rng.randint(100, 200), rng.randint(0, 40), rng.randint(0, 60))  # red/maroon
    if rng.random() < 0.7:
        draw.rectangle((2, 2, w - 3, h - 3), outline=ink, width=rng.randint(2, 6))
    text, gaps = serial(rng)
    font = _font(rng.choice(SERIAL_FONTS), rng.randint(70, 92))
    gap_kind = rng.choice(("space", "dash", "emblem", "none"))
    widths = [draw.textlength(c, font=font) for c in text]
    spacing = rng.uniform(-2, 6)
    gap_w = {"space": 22, "dash": 26, "emblem": 34, "none": 0}[gap_kind]
    total = sum(widths) + spacing * (len(text) - 1) + gap_w * len(gaps)
    scale = min(1.0, (w * rng.uniform(0.8, 0.93)) / max(total, 1))
    font = font.font_variant(size=max(20, int(font.size * scale)))
    widths = [draw.textlength(c, font=font) for c in text]
    gap_w = int(gap_w * scale)
    total = sum(widths) + spacing * (len(text) - 1) + gap_w * len(gaps)
    x = (w - total) / 2 + rng.uniform(-8, 8)
    ascent, descent = font.getmetrics()
    y = h * rng.uniform(0.48, 0.56) - (ascent + descent) / 2
    for i, char in enumerate(text):
        if i in gaps:
            cx, cy = x + gap_w / 2, y + ascent * 0.6
            if gap_kind == "dash":
                draw.rectangle((cx - gap_w * 0.3, cy - 3, cx + gap_w * 0.3, cy + 3), fill=ink)
            elif gap_kind == "emblem":
                colour = (rng.randint(150, 255), rng.randint(60, 160), rng.randint(0, 60))
                r = gap_w * 0.45
                shape = rng.choice((draw.ellipse, draw.rectangle))
                shape((cx - r, cy - r * 1.2, cx + r, cy + r), fill=colour)
            x += gap_w
        draw.text((x, y), char, font=font, fill=ink)
        x += widths[i] + spacing
    _small_text(rng, draw, w, h, ink)
    return plate, text


def _small_text(rng: random.Random, draw: ImageDraw.ImageDraw, w: int, h: int, ink: tuple) -> None:
    top_colour = tuple(rng.randint(0, 200) for _ in range(3))
    if rng.random() < 0.85:
        word = rng.choice(STATE_WORDS)
        font = _font(rng.choice(SMALL_FONTS), rng.randint(18, 30))
        width = draw.textlength(word, font=font)
        draw.text(((w - width) / 2, rng.randint(4, 12)), word, font=font, fill=top_colour)
    slogan = rng.choice(SLOGANS)
    if slogan:
        font = _font(rng.choice(SMALL_FONTS), rng.randint(12, 20))
        width = draw.textlength(slogan, font=font)
        draw.text(((w - width) / 2, h - rng.randint(22, 30)), slogan, font=font, fill=ink)
    for _ in range(rng.randint(0, 2)):  # registration stickers in the corners
        sx = rng.choice((rng.randint(6, 30), rng.randint(w - 70, w - 40)))
        sy = rng.choice((rng.randint(6, 20), rng.randint(h - 50, h - 35)))
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.rectangle((sx, sy, sx + rng.randint(28, 44), sy + rng.randint(22, 32)), fill=colour)
        font = _font(SMALL_FONTS[1], 14)
        draw.text((sx + 4, sy + 4), f"{rng.randint(1, 12):02d}", font=font, fill=(0, 0, 0))


def augment(rng: random.Random, plate: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    """A detector-like crop of a tight plate image: framing, geometry, resolution, noise.

    ``plate`` is an RGB uint8 array (a tight plate, about 2:1). Returns ``out_h x out_w x 3``
    uint8 RGB. One perspective warp places the plate as a detector box padded like
    ``recognize/crnn.py`` would see it (box edges off by a few per cent either way, a little
    rotation, shear and perspective), at a traffic-camera resolution (40-160 px wide); then blur,
    JPEG artefacts, lighting, tint and noise.
    """
    import cv2

    h, w = plate.shape[:2]
    # where the output frame's corners fall in plate coordinates (a jittered, padded box)
    left, right = (w * rng.uniform(-0.14, 0.05) for _ in range(2))
    top, bottom = (h * rng.uniform(-0.25, 0.06) for _ in range(2))
    src = np.array(
        [[left, top], [w - right, top], [w - right, h - bottom], [left, h - bottom]], np.float32
    )
    jitter = 0.04 * w
    src += np.array([[rng.uniform(-jitter, jitter) for _ in "xy"] for _ in "abcd"], np.float32)
    angle = np.deg2rad(rng.uniform(-5, 5))
    centre = src.mean(axis=0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    src = (src - centre) @ rot.T + centre
    shear = rng.uniform(-0.15, 0.15)
    src[:, 0] += shear * (src[:, 1] - centre[1])
    low_w = int(rng.choice((rng.uniform(40, 90), rng.uniform(80, 160))))
    low_h = max(8, int(low_w * out_h / out_w * rng.uniform(0.85, 1.2)))
    dst = np.array([[0, 0], [low_w, 0], [low_w, low_h], [0, low_h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    surround = tuple(rng.randint(0, 255) for _ in range(3))
    border = cv2.BORDER_REPLICATE if rng.random() < 0.5 else cv2.BORDER_CONSTANT
    low = cv2.warpPerspective(
        plate, matrix, (low_w, low_h), flags=cv2.INTER_AREA if low_w < w / 2 else cv2.INTER_LINEAR,
        borderMode=border, borderValue=surround,
    )  # fmt: skip
    if rng.random() < 0.5:
        low = cv2.GaussianBlur(low, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.6:
        ok, jpeg = cv2.imencode(".jpg", low, (cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 85)))
        low = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else low
    array = cv2.resize(low, (out_w, out_h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    gain, bias = rng.uniform(0.5, 1.3), rng.uniform(-40, 30)
    tint = np.array([rng.uniform(0.85, 1.15) for _ in range(3)], np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(0, 8), array.shape)
    return np.clip(array * gain * tint + bias + noise, 0, 255).astype(np.uint8)


def as_array(image: Image.Image, width: int = 160) -> np.ndarray:
    """An RGB uint8 array ``width`` px wide (augmentation input; keeps the aspect ratio)."""
    height = max(8, round(width * image.size[1] / image.size[0]))
    return np.asarray(image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS))


def excluded_plates(folders: list[Path]) -> set[str]:
    plates = set()
    for folder in folders:
        for label in folder.glob("*.txt"):
            fields = label.read_text().strip().split("\t")
            if len(fields) >= 6:
                plates.add("".join(c for c in fields[5].upper() if c.isalnum()).replace("O", "0"))
    return plates
