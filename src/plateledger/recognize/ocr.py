"""Plate OCR on onnxruntime: PP-OCRv6 text detection, then a plate-tuned PP-OCRv6 recogniser.

RapidOCR's text detector (PP-OCRv6 det, in the ``rapidocr`` wheel) finds the text lines in the
padded plate crop; each line is then read by a recogniser run here directly, so that the CTC
output gives per-character probabilities and per-position alternatives restricted to ``A-Z0-9``
(lower case folded in). The recogniser is ``models/plate_ocr_rec.onnx``: the wheel's PP-OCRv6
recogniser fine-tuned on US plate lines by ``tools/finetune_plate_ocr.py`` (its output cut to
plate characters); ``rec="stock"`` uses the wheel's own model unchanged. Choosing the plate line
among the lines is ``plate_text``'s job.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from plateledger.errors import ValidationError
from plateledger.recognize._deps import require
from plateledger.recognize.base import ALNUM, Detection, Image, OcrLine, PlateText
from plateledger.recognize.crnn import CrnnPlateRecogniser
from plateledger.recognize.detector import ort_session
from plateledger.recognize.plate_text import choose_plate
from plateledger.recognize.variants import line_variants

_REC_HEIGHT = 48
_CROP_WIDTH = 256
_PAD_X, _PAD_Y = 0.08, 0.15
_TOP_ALTERNATIVES = 3
_DET_SIDE = 320  # text-detector input cap: the 256 px crop is not upscaled (736 was worse)
PLATE_REC_FILE = "plate_ocr_rec.onnx"


def plate_rec_available() -> bool:
    """Whether the plate-tuned recogniser ships with this installation."""
    return resources.files("plateledger.recognize").joinpath("models", PLATE_REC_FILE).is_file()


class RapidOcrReader:
    """``PlateReader`` backend: RapidOCR detection + PP-OCRv6 recognition on the plate crop."""

    def __init__(
        self,
        threads: int = 1,
        det_side: int = _DET_SIDE,
        recogniser: CrnnPlateRecogniser | None = None,
        rec: str = "plate",
        rerank: bool = False,
        accurate: bool = False,
    ) -> None:
        """``rec``: ``"plate"`` (the plate-tuned recogniser, when shipped), ``"stock"``, or the
        path of another PP-OCR-format recogniser ONNX file (evaluating a training run).
        ``rerank``: re-order candidates by the issuing state's plate formats (``rerank``).
        ``accurate``: also read test-time variants of the plate line and fuse them
        (``variants``)."""
        self._cv2 = require("cv2")
        self._rerank = rerank
        self._accurate = accurate
        self._crnn = recogniser
        rapidocr = require("rapidocr")
        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Det.limit_type": "max",
            "Det.limit_side_len": det_side,
        }
        self._engine = rapidocr.RapidOCR(params=params)
        stock = resources.files("rapidocr").joinpath("models", "PP-OCRv6_rec_small.onnx")
        with resources.as_file(stock) as path:
            stock_session = ort_session(str(path), threads)
        self._rec, self._words = stock_session, None
        if rec not in ("plate", "stock"):
            if not Path(rec).is_file():
                raise ValidationError(f"recogniser model {rec!r}: no such file", {"field": "rec"})
            self._rec, self._words = ort_session(rec, threads), stock_session
        elif rec == "plate" and plate_rec_available():
            tuned = resources.files("plateledger.recognize").joinpath("models", PLATE_REC_FILE)
            with resources.as_file(tuned) as path:
                self._rec, self._words = ort_session(str(path), threads), stock_session
        # The plate-tuned recogniser reads serials well but state names poorly (it was tuned on
        # serials only): when its lines name no state, the stock model re-reads the smaller
        # lines (the serial is the tallest) for the state name or slogan (``read``).
        self._vocab = _vocabulary(self._rec)
        self._words_vocab = _vocabulary(self._words) if self._words is not None else []
        self._alnum_cols = [
            [i for i, ch in enumerate(self._vocab) if ch.upper() == target] for target in ALNUM
        ]
        alnum = {i for cols in self._alnum_cols for i in cols}
        self._other_cols = np.array([i for i in range(1, len(self._vocab)) if i not in alnum])

    def read(self, image: Image, detection: Detection) -> PlateText | None:
        second = self._crnn.run(image, detection) if self._crnn is not None else None
        crop, quads, images, lines = self._read_lines(image, detection)

        def variants(line: OcrLine) -> list[OcrLine]:  # the accurate preset
            index = next(i for i, other in enumerate(lines) if other is line)
            quad, im = quads[index], images[index]
            extra = line_variants(self._cv2, crop, quad, im, self._warp)
            probs = self._recognise(extra, self._rec)
            return [self._decode(p, span, line.height, line.centre_y) for p, span in probs]

        def reread() -> list[OcrLine]:  # only when ``lines`` name no state
            tallest = max(line.height for line in lines)
            smaller = [im for im, line in zip(images, lines, strict=True) if line.height < tallest]
            return self._word_lines(smaller) if smaller else []

        return choose_plate(
            lines,
            second,
            reread if self._words is not None else None,
            self._rerank,
            variants if self._accurate else None,
        )

    def lines(self, image: Image, detection: Detection) -> list[OcrLine]:
        """All text lines in the padded, normalised crop of ``detection``."""
        return self._lines(image, detection)[1]

    def _word_lines(self, images: list[Image]) -> list[OcrLine]:
        """Lines as the stock model reads them (raw text and per-character confidence only)."""
        lines = []
        for prob, _ in self._recognise(images, self._words):
            steps = _greedy_steps(prob, len(self._words_vocab))
            raw = "".join(self._words_vocab[k] for _, k in steps)
            confs = tuple(float(prob[t, k]) for t, k in steps)
            text = "".join(c for c in raw.upper() if c in ALNUM)
            lines.append(OcrLine(raw, text, confs, (), 0.0, 0.0))
        return lines

    def _lines(self, image: Image, detection: Detection) -> tuple[list[Image], list[OcrLine]]:
        _, _, images, lines = self._read_lines(image, detection)
        return images, lines

    def _read_lines(
        self, image: Image, detection: Detection
    ) -> tuple[Image, list[npt.NDArray[np.float32]], list[Image], list[OcrLine]]:
        """The padded crop, its line quads, the warped line images and their readings."""
        crop = self._crop(image, detection)
        result = self._engine(crop, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(result, "boxes", None)
        quads = [] if boxes is None else [np.asarray(b, dtype=np.float32) for b in boxes]
        if not quads:
            height, width = crop.shape[:2]
            quads = [np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)]
        quads = _merge_rows(quads)
        images = [self._warp(crop, quad) for quad in quads]
        probs = self._recognise(images, self._rec)
        lines = []
        for quad, (prob, span) in zip(quads, probs, strict=True):
            height = float(quad[:, 1].max() - quad[:, 1].min())
            lines.append(self._decode(prob, span, height, float(quad[:, 1].mean())))
        return crop, quads, images, lines

    def _crop(self, image: Image, detection: Detection) -> Image:
        x, y, w, h = detection.bbox
        dx, dy = int(w * _PAD_X), int(h * _PAD_Y)
        y0, y1 = max(0, y - dy), min(image.shape[0], y + h + dy)
        x0, x1 = max(0, x - dx), min(image.shape[1], x + w + dx)
        crop = image[y0:y1, x0:x1]
        scale = _CROP_WIDTH / max(1, crop.shape[1])
        size = (_CROP_WIDTH, max(8, round(crop.shape[0] * scale)))
        out: Image = self._cv2.resize(crop, size, interpolation=self._cv2.INTER_CUBIC)
        return out

    def _warp(self, crop: Image, quad: npt.NDArray[np.float32]) -> Image:
        cv2 = self._cv2
        width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
        height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
        width, height = max(width, 4), max(height, 4)
        target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
        matrix = cv2.getPerspectiveTransform(quad, target)
        out: Image = cv2.warpPerspective(
            crop, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE
        )
        return out

    def _recognise(
        self, images: list[Image], session: Any
    ) -> list[tuple[npt.NDArray[np.float32], float]]:
        """Per line: the recogniser's T x vocab probabilities, and the steps the line spans."""
        cv2 = self._cv2
        widths = [max(8, round(_REC_HEIGHT * im.shape[1] / im.shape[0])) for im in images]
        max_width = max(320, *widths)
        batch = np.zeros((len(images), 3, _REC_HEIGHT, max_width), dtype=np.float32)
        for i, (im, width) in enumerate(zip(images, widths, strict=True)):
            resized = cv2.resize(im, (min(width, max_width), _REC_HEIGHT)).astype(np.float32)
            batch[i, :, :, : resized.shape[1]] = resized.transpose(2, 0, 1) / 127.5 - 1.0
        output: npt.NDArray[np.float32] = session.run(None, {"x": batch})[0]
        steps = output.shape[1]
        return [
            (output[i], steps * min(width, max_width) / max_width) for i, width in enumerate(widths)
        ]

    def _decode(
        self, prob: npt.NDArray[np.float32], span: float, height: float, centre: float
    ) -> OcrLine:
        raw = _greedy(prob, self._vocab)
        alnum = np.stack([prob[:, cols].sum(axis=1) for cols in self._alnum_cols], axis=1)
        other = prob[:, self._other_cols[self._other_cols < prob.shape[1]]].max(axis=1)
        classes = np.concatenate([prob[:, :1], other[:, None], alnum], axis=1)
        label = classes.argmax(axis=1)  # 0 blank, 1 other, 2.. alnum
        chars: list[str] = []
        confs: list[float] = []
        alts: list[tuple[tuple[str, float], ...]] = []
        where: list[float] = []
        t = 0
        while t < len(label):
            k = int(label[t])
            end = t + 1
            while end < len(label) and label[end] == k:
                end += 1
            if k >= 2:
                run = alnum[t:end]
                peak = t + int(run[:, k - 2].argmax())
                row = alnum[peak]
                order = np.argsort(row)[::-1][:_TOP_ALTERNATIVES]
                chars.append(ALNUM[k - 2])
                confs.append(float(row[k - 2]))
                alts.append(tuple((ALNUM[j], float(row[j])) for j in order))
                where.append(min(1.0, (peak + 0.5) / max(span, 1.0)))
            t = end
        emissions = np.concatenate([prob[:, :1] + other[:, None], alnum], axis=1)
        text = "".join(chars)
        return OcrLine(
            raw, text, tuple(confs), tuple(alts), height, centre, emissions, tuple(where)
        )


def _vocabulary(session: Any) -> list[str]:
    """A PP-OCR recogniser's output classes: blank, its ``character`` metadata, space."""
    meta = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return ["<blank>", *meta, " "]


def _greedy_steps(prob: npt.NDArray[np.float32], classes: int) -> list[tuple[int, int]]:
    """Greedy CTC decoding: ``(step, class)`` of each emitted character."""
    best = prob.argmax(axis=1)
    return [
        (t, int(k))
        for t, k in enumerate(best)
        if k != 0 and (t == 0 or best[t - 1] != k) and k < classes
    ]


def _greedy(prob: npt.NDArray[np.float32], vocab: list[str]) -> str:
    return "".join(vocab[k] for _, k in _greedy_steps(prob, len(vocab)))


def _merge_rows(quads: list[npt.NDArray[np.float32]]) -> list[npt.NDArray[np.float32]]:
    """Join boxes of similar height on the same row (a plate split at its separator)."""
    boxes = sorted(
        (
            [float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max())]
            for q in quads
        ),
        key=lambda b: b[0],
    )
    merged: list[list[float]] = []
    for box in boxes:
        for other in merged:
            h1, h2 = box[3] - box[1], other[3] - other[1]
            overlap = min(box[3], other[3]) - max(box[1], other[1])
            gap = box[0] - other[2]
            if min(h1, h2) > 0.7 * max(h1, h2) and overlap > 0.6 * min(h1, h2) and gap < h1:
                other[:] = [
                    min(other[0], box[0]),
                    min(other[1], box[1]),
                    max(other[2], box[2]),
                    max(other[3], box[3]),
                ]
                break
        else:
            merged.append(box)
    return [np.array([[a, b], [c, b], [c, d], [a, d]], dtype=np.float32) for a, b, c, d in merged]
