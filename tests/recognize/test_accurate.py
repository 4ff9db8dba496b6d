"""The ``accurate`` preset: test-time variants of the plate line, fused per candidate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest
from recognize_synth import cli_app, needs_extra, render_plate, render_scene, to_bgr
from typer.testing import CliRunner

from plateledger.recognize.base import ALNUM, OcrLine
from plateledger.recognize.fusion import fuse_lines
from plateledger.recognize.variants import transform_quad


def _line(text: str, sure: float) -> OcrLine:
    """A synthetic reading: one emission step per character with probability ``sure``."""
    steps = np.full((2 * len(text) + 1, 1 + len(ALNUM)), 0.001, dtype=np.float32)
    steps[0::2, 0] = 1.0  # blanks between characters
    alts = []
    for i, char in enumerate(text):
        steps[2 * i + 1, 1 + ALNUM.index(char)] = sure
        alts.append(((char, sure),))
    steps /= steps.sum(axis=1, keepdims=True)
    confs = tuple(sure for _ in text)
    return OcrLine(text, text, confs, tuple(alts), 20.0, 10.0, steps)


def test_transform_quad_keeps_the_centre_and_scales() -> None:
    quad = np.array([[0, 0], [100, 0], [100, 20], [0, 20]], np.float32)
    same = transform_quad(quad, 1.0, 1.0, 0.0)
    assert np.allclose(same, quad, atol=1e-4)
    tight = transform_quad(quad, 0.5, 0.5, 0.0)
    assert np.allclose(tight.mean(axis=0), quad.mean(axis=0), atol=1e-4)
    assert tight[1, 0] - tight[0, 0] == pytest.approx(50.0, abs=1e-3)
    turned = transform_quad(quad, 1.0, 1.0, 3.0)
    assert np.allclose(turned.mean(axis=0), quad.mean(axis=0), atol=1e-4)
    assert not np.allclose(turned, quad)


def test_fuse_lines_majority_of_readings_wins() -> None:
    lines = [_line("ABC1234", 0.6), _line("ABC1Z34", 0.9), _line("ABC1234", 0.9)]
    ranked = fuse_lines(lines, ())
    assert ranked[0][0] == "ABC1234"
    assert len(ranked[0][2]) == 7
    assert all(0.0 <= c <= 1.0 for c in ranked[0][2])


@needs_extra
def test_accurate_reader_reads_a_synthetic_plate() -> None:
    from plateledger.recognize.base import Detection
    from plateledger.recognize.pipeline import Recognizer

    image = to_bgr(render_plate("7ABC123", "California"))
    whole = Detection((0, 0, image.shape[1], image.shape[0]), 1.0)
    fast = Recognizer.default(threads=1).reader.read(image, whole)
    accurate = Recognizer.default(threads=1, accurate=True).reader.read(image, whole)
    assert fast is not None and accurate is not None
    assert accurate.text.replace("O", "0") == "7ABC123"
    assert len(accurate.char_confidences) == len(accurate.text)
    assert accurate.candidates[0].plate == accurate.text
    assert all(isinstance(c, float) for c in accurate.char_confidences)


@needs_extra
def test_cli_accurate_prints_the_plate(tmp_path: Path) -> None:
    image, _ = render_scene("7ABC123", "California", seed=3)
    path = tmp_path / "car.jpg"
    image.save(path, quality=92)
    result = CliRunner().invoke(cli_app(), ["recognize", str(path), "--accurate", "--json"])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(row) for row in result.stdout.splitlines()]
    assert [line["plate"] for line in lines] == ["7ABC123"]
    assert len(lines[0]["char_confidences"]) == 7


@needs_extra
def test_second_pass_adds_only_plates_the_first_pass_missed() -> None:
    from plateledger.recognize.base import Detection
    from plateledger.recognize.pipeline import Recognizer

    class Fixed:
        def __init__(self, boxes: list[tuple[int, int, int, int]]) -> None:
            self.boxes = boxes

        def detect(self, image: object) -> list[Detection]:
            return [Detection(box, 0.9) for box in self.boxes]

    scene, box = render_scene("KX4R92", "", seed=2)
    image = to_bgr(scene)
    reader = Recognizer.default(threads=1).reader
    # first pass finds nothing: the second pass's plate is read and added
    recognizer = Recognizer(Fixed([]), reader, second=Fixed([box]))
    reads = recognizer.recognize(image, "scene")
    assert [r.plate.text if r.plate else None for r in reads] == ["KX4R92"]
    # first pass reads the plate confidently: the second detector is not consulted
    sure = Recognizer(Fixed([box]), reader, second=Fixed([(0, 0, 40, 40)]), unsure_below=0.0)
    assert [r.detection.bbox for r in sure.recognize(image, "scene")] == [box]
