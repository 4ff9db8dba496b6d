"""YOLOv8n plate detector on onnxruntime.

The weights (``models/plate_detector_yolov8n.onnx``) are an ONNX export of the YOLOv8n plate
detector shipped in the ``pyplatex`` 0.0.5 wheel; see ``models/PROVENANCE.md``. The export has a
dynamic input size, so ``imgsz`` (a multiple of 32) trades speed for small-plate recall.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from plateledger.recognize._deps import require
from plateledger.recognize.base import Detection, Image

MODEL_FILE = "plate_detector_yolov8n.onnx"
#: The same detector with its backbone and neck quantised to INT8 (the detection head is fp32);
#: see ``models/PROVENANCE.md`` and ``tools/quantize_detector.py``.
INT8_MODEL_FILE = "plate_detector_yolov8n_int8.onnx"
DEFAULT_IMGSZ = 960
#: With ``rect``, the grey border (pixels) kept around the image on its short side: without it
#: plates at the image's edge were missed or boxed differently (``docs/recognition.md``).
RECT_MARGIN = 64


def ort_session(model_path: str, threads: int) -> Any:
    """An onnxruntime CPU session with ``threads`` intra-op threads and spinning off."""
    ort = require("onnxruntime")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])


class YoloPlateDetector:
    """``Detector`` backend: letterbox, one forward pass, confidence filter, NMS.

    ``rect`` (the pipeline's default): the letterbox follows the image's aspect ratio, its sides
    rounded up to a multiple of 32 plus ``margin`` pixels of grey (at most ``imgsz``), instead of
    an ``imgsz`` square; a 16:9 photo is then a 960 x 608 input, about 35 % less CPU.
    """

    def __init__(
        self,
        imgsz: int = DEFAULT_IMGSZ,
        conf: float = 0.25,
        iou: float = 0.45,
        threads: int = 1,
        rect: bool = False,
        int8: bool = True,
        margin: int = RECT_MARGIN,
    ) -> None:
        self._cv2 = require("cv2")
        name = INT8_MODEL_FILE if int8 else MODEL_FILE
        model = resources.files("plateledger.recognize").joinpath("models", name)
        with resources.as_file(model) as path:
            self._session = ort_session(str(path), threads)
        self._input = self._session.get_inputs()[0].name
        self.imgsz = imgsz
        self.conf = conf
        self.iou = iou
        self.rect = rect
        self.margin = margin

    def detect(self, image: Image) -> list[Detection]:
        cv2 = self._cv2
        height, width = image.shape[:2]
        scale = min(self.imgsz / width, self.imgsz / height)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))  # 1 x 4000 too
        out_w = min(self.imgsz, _ceil32(new_w) + self.margin) if self.rect else self.imgsz
        out_h = min(self.imgsz, _ceil32(new_h) + self.margin) if self.rect else self.imgsz
        canvas = np.full((out_h, out_w, 3), 114, dtype=np.uint8)
        top, left = (out_h - new_h) // 2, (out_w - new_w) // 2
        resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        canvas[top : top + new_h, left : left + new_w] = resized
        blob = _blob(canvas)
        output = self._session.run(None, {self._input: blob})[0][0]  # (5, N): cx cy w h score
        scores = output[4]
        keep = scores >= self.conf
        if not keep.any():
            return []
        cx, cy, bw, bh = (output[i][keep] for i in range(4))
        scores = scores[keep]
        x0 = (cx - bw / 2 - left) / scale
        y0 = (cy - bh / 2 - top) / scale
        boxes = np.stack([x0, y0, bw / scale, bh / scale], axis=1)
        chosen = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), self.conf, self.iou)
        detections = []
        for index in np.asarray(chosen, dtype=np.int64).reshape(-1):
            x, y, w, h = boxes[index]
            x1, y1 = max(0, int(round(x))), max(0, int(round(y)))
            x2, y2 = min(width, int(round(x + w))), min(height, int(round(y + h)))
            if x2 - x1 >= 4 and y2 - y1 >= 4:
                bbox = (x1, y1, x2 - x1, y2 - y1)
                detections.append(Detection(bbox, float(scores[index])))
        detections.sort(key=lambda d: d.confidence, reverse=True)
        return detections


def _blob(canvas: Image) -> npt.NDArray[np.float32]:
    """``canvas`` (BGR uint8, H x W x 3) as the network's RGB 0..1 NCHW float32 input (the
    values of ``astype(float32) / 255``, channel by channel: a quarter of the CPU)."""
    height, width = canvas.shape[:2]
    blob = np.empty((1, 3, height, width), dtype=np.float32)
    for channel in range(3):
        blob[0, channel] = canvas[:, :, 2 - channel]
    blob /= np.float32(255.0)
    return blob


def _ceil32(n: int) -> int:
    return -(-n // 32) * 32
