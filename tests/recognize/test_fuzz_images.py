"""Property test: mutated valid images (truncated, bytes flipped, junk inserted) through the
decoder, the whole recogniser and the CLI give a read or a named error, never an exception.

Light by default; ``PLATELEDGER_FUZZ=deep`` (``make fuzz``) runs many more examples. Each
counterexample Hypothesis finds is pinned below with ``@example``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, get_args

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from image_kinds import GOOD, png_header_only
from json_schema_subset import SubsetValidator
from recognize_synth import cli_app, needs_extra, render_scene
from typer.testing import CliRunner

from plateledger.recognize.read_model import ReadLine, read_schema

pytestmark = [needs_extra, pytest.mark.timeout(900)]
DEEP = os.environ.get("PLATELEDGER_FUZZ") == "deep"
EXAMPLES = int(os.environ.get("PLATELEDGER_FUZZ_EXAMPLES", "300" if DEEP else "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp", "BMP": ".bmp"}


def _scene_bytes(fmt: str) -> bytes:
    """A small photo with a readable plate, so mutations also reach the plate reader."""
    import io

    image = render_scene("7ABC123", "California", seed=2)[0]
    image = image.resize((image.width // 2, image.height // 2))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


SEEDS: dict[str, bytes] = {}


def seed(fmt: str) -> bytes:
    if fmt not in SEEDS:
        SEEDS[fmt] = _scene_bytes(fmt)
    return SEEDS[fmt]


@st.composite
def mutated_image(draw: st.DrawFn) -> tuple[str, bytes]:
    """``(suffix, bytes)``: a valid image with 1-4 truncations, bit flips or junk insertions."""
    fmt = draw(st.sampled_from(sorted(SUFFIX)))
    data = bytearray(seed(fmt))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "header"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "truncate":
            del data[pos:]
        elif op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "header" and data:  # where sizes and formats live
            data[min(pos, 40) % len(data)] = draw(st.integers(0, 255))
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=32))
    return SUFFIX[fmt], bytes(data)


@pytest.fixture(scope="module")
def recognizer() -> Any:
    from plateledger.recognize.pipeline import Recognizer

    return Recognizer.default(threads=1)


@pytest.fixture(scope="module")
def validator() -> SubsetValidator:
    return SubsetValidator(read_schema())


def _codes() -> set[str]:
    from plateledger.recognize.images import ImageErrorCode

    return set(get_args(ImageErrorCode))


@FUZZ
@given(case=mutated_image())
@example(case=(".png", png_header_only(60000, 60000)))
@example(case=(".png", png_header_only(1, 70000)))
@example(case=(".jpg", b"\xff\xd8\xff"))
@example(case=(".gif", GOOD["animated.gif"][0]()[:40]))
def test_mutated_images_give_a_read_or_a_named_error(
    recognizer: Any, case: tuple[str, bytes]
) -> None:
    from plateledger.recognize.images import ImageError, load_image

    suffix, content = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"mutant{suffix}"
        path.write_bytes(content)
        try:
            image = load_image(path)
        except ImageError as exc:
            assert exc.code in _codes() and str(path) in exc.message
            return
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
    for read in recognizer.recognize(image, str(path)):
        line = ReadLine.from_recognition(read, ts="2026-01-01T00:00:00Z", camera=None)
        orjson.dumps(line.to_json())


@settings(FUZZ, max_examples=max(EXAMPLES // 5, 3))
@given(cases=st.lists(mutated_image(), min_size=3, max_size=6))
def test_cli_over_mutated_files_prints_only_valid_lines(
    validator: SubsetValidator, cases: list[tuple[str, bytes]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        names = []
        for i, (suffix, content) in enumerate(cases):
            names.append(f"f{i}{suffix}")
            (Path(folder) / names[-1]).write_bytes(content)
        result = CliRunner().invoke(cli_app(), ["recognize", folder, "--json", "--all"])
    assert result.exit_code in (0, 2), result.output
    assert "internal" not in result.output and "Traceback" not in result.output
    lines = [orjson.loads(row) for row in result.stdout.splitlines()]
    for line in lines:
        assert validator.errors(line) == [], line
    named = {Path(line.get("file") or line["source"]).name for line in lines}
    assert named <= set(names)
    assert result.exit_code == (2 if any("error" in line for line in lines) else 0)
