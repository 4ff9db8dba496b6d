"""Quantise the plate detector's backbone and neck to INT8 (static, QDQ); the head stays fp32.

The YOLOv8 head concatenates box coordinates (0..960) and class scores (0..1) into one output, so
quantising it with one scale destroys the scores: every ``/model.22/`` node is left in fp32.
Calibration images are synthetic street-like scenes (blurred noise, coloured boxes) with real
plate crops from ``shared/data/plates/us-crops`` pasted at random sizes; no image of the end-to-end
evaluation sets (us-dev, eu) is used. Six scenes are enough for MinMax ranges and keep the
calibration's memory use (every activation of every scene is held) to a few GB.

    /tmp/trainvenv/bin/pip install onnx onnxruntime opencv-python-headless numpy
    /tmp/trainvenv/bin/python tools/quantize_detector.py --crops ../shared/data/plates/us-crops \\
        --out src/plateledger/recognize/models/plate_detector_yolov8n_int8.onnx
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import cv2
import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

SOURCE = Path("src/plateledger/recognize/models/plate_detector_yolov8n.onnx")
IMGSZ = 960


def scene(rng: random.Random, crops: list[Path], seed: int) -> np.ndarray:
    """A 1280x720 street-like canvas with one to three real plate crops pasted on it."""
    h, w = 720, 1280
    noise = np.random.default_rng(seed).integers(-40, 40, (h, w, 3))
    base = np.clip(rng.randint(40, 160) + noise, 0, 255).astype(np.uint8)
    img = cv2.GaussianBlur(base, (0, 0), 3)
    for _ in range(rng.randint(1, 3)):
        x0, y0 = rng.randint(0, w - 400), rng.randint(0, h - 300)
        corner = (x0 + rng.randint(200, 400), y0 + rng.randint(150, 300))
        cv2.rectangle(img, (x0, y0), corner, tuple(rng.randint(0, 255) for _ in range(3)), -1)
        plate = cv2.imread(str(rng.choice(crops)))
        pw = rng.randint(60, 260)
        ph = int(pw * plate.shape[0] / plate.shape[1])
        px, py = rng.randint(0, w - pw), rng.randint(0, h - ph)
        img[py : py + ph, px : px + pw] = cv2.resize(plate, (pw, ph))
    return img


def letterbox(img: np.ndarray) -> np.ndarray:
    """The detector's input: square letterbox, RGB, 0..1, NCHW (as ``detector.py`` does)."""
    scale = min(IMGSZ / img.shape[1], IMGSZ / img.shape[0])
    nw, nh = round(img.shape[1] * scale), round(img.shape[0] * scale)
    canvas = np.full((IMGSZ, IMGSZ, 3), 114, np.uint8)
    top, left = (IMGSZ - nh) // 2, (IMGSZ - nw) // 2
    canvas[top : top + nh, left : left + nw] = cv2.resize(img, (nw, nh))
    return canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0


class Scenes(CalibrationDataReader):
    def __init__(self, crops: list[Path], count: int, seed: int) -> None:
        rng = random.Random(seed)
        self._items = iter([{"images": letterbox(scene(rng, crops, i))} for i in range(count)])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._items, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crops", type=Path, required=True)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--scenes", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    crops = sorted(args.crops.glob("*.png"))
    random.Random(args.seed).shuffle(crops)
    prepared = args.out.with_suffix(".pre.onnx")
    quant_pre_process(str(args.source), str(prepared), skip_symbolic_shape=True)
    nodes = onnx.load(str(prepared)).graph.node
    head = [n.name for n in nodes if n.name.startswith("/model.22/")]
    quantize_static(
        str(prepared), str(args.out), Scenes(crops, args.scenes, args.seed),
        quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8, per_channel=True,
        calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=head,
    )  # fmt: skip
    prepared.unlink()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
