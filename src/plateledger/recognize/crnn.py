"""plateledger's own small plate recogniser (CRNN + CTC) with an issuing-state head, on onnxruntime.

The weights (``models/plate_recogniser.onnx``) were trained by ``tools/train_recogniser.py`` on
synthetic plates rendered with PIL and on real US plate crops (see ``models/PROVENANCE.md``). It
reads the whole plate crop at 96 x 48 (the detector box padded 5 % across and 10 % up and down,
RGB) and returns per-step probabilities over blank + ``0-9A-Z`` without the letter O (written as
the digit 0, as on most US plates), and a probability per issuing state learned from the plate's
layout and colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import numpy as np

from plateledger.recognize._deps import require
from plateledger.recognize.base import Detection, Image
from plateledger.recognize.ctc import Probs
from plateledger.recognize.detector import ort_session

MODEL_FILE = "plate_recogniser.onnx"
_PAD_X, _PAD_Y = 0.05, 0.10
_MIN_TEXT_ACCURACY = 0.5
_TOP_STATES = 8


@dataclass(frozen=True, slots=True)
class CrnnOutput:
    probs: Probs  # T x (1 + len(alphabet)), column 0 blank
    alphabet: str
    state: str
    state_confidence: float
    reads_text: bool = True  # False: only the state head is trusted (see ``CrnnPlateRecogniser``)
    #: the state head's most probable states, ``(code, probability)``, best first
    state_probs: tuple[tuple[str, float], ...] = ()


def model_file() -> Traversable:
    return resources.files("plateledger.recognize").joinpath("models", MODEL_FILE)


def available() -> bool:
    """Whether the recogniser's weights ship with this installation."""
    return model_file().is_file()


class CrnnPlateRecogniser:
    def __init__(self, threads: int = 1, path: str | None = None) -> None:
        """The shipped weights, or the ONNX file at ``path`` (evaluating a training run)."""
        self._cv2 = require("cv2")
        if path is not None:
            self._session = ort_session(path, threads)
        else:
            with resources.as_file(model_file()) as shipped:
                self._session = ort_session(str(shipped), threads)
        meta = self._session.get_modelmeta().custom_metadata_map
        self.alphabet: str = meta["alphabet"]
        self.states: list[str] = meta["states"].split(",")
        width, height = meta["input"].split("x")
        self.size = (int(width), int(height))
        # The training run records its held-out plate accuracy; a text head that did not learn
        # to read (below 50 %) is not used for the plate text, only the state head is.
        self.reads_text = float(meta.get("val_plate_acc", "0")) >= _MIN_TEXT_ACCURACY

    def run(self, image: Image, detection: Detection) -> CrnnOutput:
        probs, states = self._session.run(None, {"image": self._blob(image, detection)})
        best = int(states[0].argmax())
        top = np.argsort(states[0])[::-1][:_TOP_STATES]
        return CrnnOutput(
            probs[0].astype(np.float32),
            self.alphabet,
            self.states[best],
            float(states[0][best]),
            self.reads_text,
            tuple((self.states[int(i)].upper(), float(states[0][i])) for i in top),
        )

    def _blob(self, image: Image, detection: Detection) -> np.ndarray:
        cv2 = self._cv2
        x, y, w, h = detection.bbox
        dx, dy = round(w * _PAD_X), round(h * _PAD_Y)
        y0, y1 = max(0, y - dy), min(image.shape[0], y + h + dy)
        x0, x1 = max(0, x - dx), min(image.shape[1], x + w + dx)
        crop = image[y0:y1, x0:x1]
        shrink = crop.shape[1] > self.size[0]
        method = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        resized = cv2.resize(crop, self.size, interpolation=method)[:, :, ::-1]
        blob = resized.astype(np.float32) / 127.5 - 1.0
        return np.ascontiguousarray(blob.transpose(2, 0, 1)[np.newaxis])
