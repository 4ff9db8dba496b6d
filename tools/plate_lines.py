"""Plate text-line images as the pipeline's line recogniser sees them (``lines`` step).

Runs in the project venv (rapidocr, OpenCV). See ``finetune_plate_ocr.py`` for the method.
"""

from __future__ import annotations

import csv
import random
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from plate_synth import augment, excluded_plates

from bench_recognition import levenshtein  # the benchmark's metric (bench/ is on the path)
from plateledger.recognize.base import Detection
from plateledger.recognize.ocr import _REC_HEIGHT, RapidOcrReader

_MAX_WIDTH = 320  # the recogniser's batch width (ocr.py pads every line to at least this)


def plate_line(reader: RapidOcrReader, bgr: np.ndarray, text: str) -> np.ndarray | None:
    """The 48 px line image of ``bgr`` (a detector-like crop) that reads closest to ``text``.

    The crop goes through the reader's own padding, scaling, text detection and line warping.
    """
    h, w = bgr.shape[:2]
    images, lines = reader._lines(bgr, Detection((0, 0, w, h), 1.0))
    best, best_distance = None, len(text) // 2 + 1  # more than half wrong: not the plate line
    for image, line in zip(images, lines, strict=True):
        distance = levenshtein(line.text.replace("O", "0"), text)
        if distance < best_distance or (distance <= 2 and best is None):
            best, best_distance = image, distance
    if best is None:
        return None
    width = max(8, min(_MAX_WIDTH, round(_REC_HEIGHT * best.shape[1] / best.shape[0])))
    return np.asarray(reader._cv2.resize(best, (width, _REC_HEIGHT)), np.uint8)


def degraded_line(
    reader: RapidOcrReader, rng: random.Random, source: np.ndarray, text: str, clean: bool
) -> np.ndarray | None:
    """The plate line of a degraded (or, with ``clean``, merely shrunk) copy of ``source``."""
    if clean:
        small = reader._cv2.resize(source, (200, 100), interpolation=3)  # INTER_AREA
    else:
        w = int(rng.choice((rng.uniform(50, 100), rng.uniform(90, 220))))
        small = augment(rng, source, w, max(16, int(w * rng.uniform(0.45, 0.7))))
    return plate_line(reader, np.ascontiguousarray(small[:, :, ::-1]), text)


def save_lines(out: Path, images: list[np.ndarray], labels: list[str], what: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"i{i}": image for i, image in enumerate(images)}
    np.savez_compressed(out, labels=np.array(labels), **arrays)
    print(f"{what}: {len(images)} lines kept -> {out}", flush=True)


def make_lines(
    crops: Path, exclude: list[Path], split: str, copies: int, seed: int, out: Path
) -> None:
    """``copies`` degraded line images of each crop of ``split`` (train/val), into ``out`` (npz)."""
    reader = RapidOcrReader(threads=1, rec="stock")
    excluded = excluded_plates(exclude)
    rng = random.Random(seed)
    images, labels = [], []
    with open(crops / "groundtruth.csv", newline="") as handle:
        for name, _state, plate in csv.reader(handle):
            text = "".join(c for c in plate.upper() if c.isalnum()).replace("O", "0")
            if not 2 <= len(text) <= 8 or text in excluded:
                continue
            if (zlib.crc32(name.encode()) % 5 == 0) != (split == "val"):
                continue
            with Image.open(crops / name) as image:
                source = np.asarray(image.convert("RGB"))
            for copy in range(copies):  # one clean, sharp copy of each train crop
                clean = copy == 0 and split == "train"
                line = degraded_line(reader, rng, source, text, clean)
                if line is not None:
                    images.append(line)
                    labels.append(text)
    save_lines(out, images, labels, split)


def make_synthetic_lines(count: int, seed: int, out: Path) -> None:
    """Line images of ``count`` synthetic plates (``plate_synth``), degraded the same way.

    Random serials keep the fine-tuned recogniser from learning the few hundred real serials by
    heart (on real lines alone it fits them within minutes and stops improving on held-out ones).
    """
    from plate_synth import render_plate

    reader = RapidOcrReader(threads=1, rec="stock")
    rng = random.Random(seed)
    images, labels = [], []
    for _ in range(count):
        plate, text = render_plate(rng)
        line = degraded_line(reader, rng, np.asarray(plate.convert("RGB")), text, clean=False)
        if line is not None:
            images.append(line)
            labels.append(text)
    save_lines(out, images, labels, "synthetic")
