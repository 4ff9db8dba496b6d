"""Self-made fixtures: a plate rendered with PIL on a simple car-like background; skip marker."""

from __future__ import annotations

import importlib
import random
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pytest
import typer

if TYPE_CHECKING:
    from PIL import Image

EXTRA = ("onnxruntime", "cv2", "rapidocr", "PIL")


def _missing() -> list[str]:
    missing = []
    for name in EXTRA:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


MISSING = _missing()
needs_extra = pytest.mark.skipif(
    bool(MISSING),
    reason=f"optional extra not installed ({', '.join(MISSING)}): pip install -e '.[recognize]'",
)


def cli_app() -> typer.Typer:
    """A Typer app with ``recognize`` as a sub-command (as in ``plateledger recognize``)."""
    from plateledger.cli.recognize_cmd import recognize_cmd

    app = typer.Typer()
    app.command("recognize")(recognize_cmd)

    @app.command("noop")
    def noop() -> None:  # a second command keeps "recognize" as a sub-command
        """Unused."""

    return app


def to_bgr(image: Image.Image) -> npt.NDArray[np.uint8]:
    """PIL RGB to the BGR array the pipeline takes."""
    array: npt.NDArray[np.uint8] = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    return array


def render_plate(text: str, top_line: str = "", width: int = 360, height: int = 180) -> Image.Image:
    """A US-style plate: white, dark border, large dark serial, optional state name on top."""
    from PIL import Image, ImageDraw, ImageFont

    plate = Image.new("RGB", (width, height), (245, 245, 240))
    draw = ImageDraw.Draw(plate)
    draw.rectangle((3, 3, width - 4, height - 4), outline=(30, 30, 90), width=6)
    size = int(height * 0.5)
    font = ImageFont.load_default(size=size)
    box = draw.textbbox((0, 0), text, font=font)
    while box[2] - box[0] > width * 0.86 and size > 10:
        size -= 2
        font = ImageFont.load_default(size=size)
        box = draw.textbbox((0, 0), text, font=font)
    x = (width - (box[2] - box[0])) // 2 - box[0]
    y = int(height * 0.58) - (box[3] - box[1]) // 2 - box[1]
    draw.text((x, y), text, fill=(20, 20, 60), font=font)
    if top_line:
        small = ImageFont.load_default(size=int(height * 0.16))
        box = draw.textbbox((0, 0), top_line, font=small)
        draw.text(((width - (box[2] - box[0])) // 2, 14), top_line, fill=(150, 20, 20), font=small)
    return plate


def render_scene(
    text: str,
    top_line: str = "",
    body: tuple[int, int, int] = (200, 30, 30),
    seed: int = 0,
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A 1280x720 scene: grey road, a coloured car body, the plate on its rear; returns the box."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    scene = Image.new("RGB", (1280, 720), (90, 92, 95))
    draw = ImageDraw.Draw(scene)
    draw.rounded_rectangle((340, 180, 940, 650), radius=40, fill=body)
    draw.rectangle((420, 220, 860, 330), fill=(40, 50, 60))  # rear window
    draw.rectangle((360, 420, 420, 470), fill=(220, 40, 40))  # lights
    draw.rectangle((860, 420, 920, 470), fill=(220, 40, 40))
    plate = render_plate(text, top_line, width=260, height=130)
    px, py = 510 + rng.randint(-10, 10), 470 + rng.randint(-5, 5)
    scene.paste(plate, (px, py))
    noise = np.asarray(scene, dtype=np.int16) + np.random.default_rng(seed).integers(
        -6, 7, (720, 1280, 3)
    )
    scene = Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8))
    return scene.filter(ImageFilter.GaussianBlur(0.8)), (px, py, 260, 130)


def write_video(path: str, text: str, top_line: str = "", frames: int = 18) -> None:
    """A short MJPEG .avi: the scene drifting right 6 px a frame, then two empty frames."""
    import cv2

    scene, _ = render_scene(text, top_line, seed=5)
    base = to_bgr(scene)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (1280, 720))
    try:
        for i in range(frames):
            matrix = np.float32([[1, 0, 6 * i - 50], [0, 1, 0]])
            writer.write(cv2.warpAffine(base, matrix, (1280, 720), borderValue=(95, 92, 90)))
        for _ in range(2):
            writer.write(np.full((720, 1280, 3), 90, np.uint8))
    finally:
        writer.release()
