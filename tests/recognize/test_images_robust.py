"""Never crash on input: every awkward or bad image file is read or refused by name, and the CLI
goes on with the next file (issue #19)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from image_kinds import BAD, GOOD, png_header_only, write_all
from json_schema_subset import SubsetValidator
from recognize_synth import cli_app, needs_extra, render_scene
from typer.testing import CliRunner

from plateledger.recognize.read_model import read_schema

pytestmark = needs_extra


@pytest.fixture(scope="module")
def validator() -> SubsetValidator:
    return SubsetValidator(read_schema())


@pytest.mark.parametrize("name", sorted(GOOD))
def test_awkward_images_decode_to_bgr(tmp_path: Path, name: str) -> None:
    from plateledger.recognize.images import load_image

    (path,) = write_all(tmp_path, {name: GOOD[name]})
    _, shape, corner = GOOD[name]
    image = load_image(path)
    assert image.dtype == np.uint8 and image.shape == (*shape, 3)
    if corner is not None:
        assert np.abs(image[0, 0].astype(int) - corner).max() <= 3, image[0, 0]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_images_are_refused_by_name_with_a_code(tmp_path: Path, name: str) -> None:
    from plateledger.recognize.images import ImageError, load_image

    (path,) = write_all(tmp_path, {name: BAD[name]})
    with pytest.raises(ImageError) as caught:
        load_image(path)
    assert caught.value.code == BAD[name][1]
    assert str(path) in caught.value.message


def test_huge_header_is_refused_from_the_header(tmp_path: Path) -> None:
    from plateledger.recognize.images import ImageError, load_image

    path = tmp_path / "huge.png"
    path.write_bytes(png_header_only(60000, 60000))
    assert path.stat().st_size < 200
    with pytest.raises(ImageError, match=r"huge\.png.*more than the \d+ pixels allowed"):
        load_image(path)
    small = tmp_path / "small.png"
    small.write_bytes(png_header_only(200, 100))
    with pytest.raises(ImageError, match=r"200x100 pixels, more than the 10000 allowed"):
        load_image(small, max_pixels=10_000)


def test_byte_limit_is_checked_before_reading(tmp_path: Path) -> None:
    from plateledger.recognize.images import MAX_IMAGE_BYTES, ImageError, load_image

    sparse = tmp_path / "big.jpg"
    with sparse.open("wb") as handle:  # a sparse file: no disk used, nothing read
        handle.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(ImageError, match=r"big\.jpg.*bytes, more than the") as caught:
        load_image(sparse)
    assert caught.value.code == "too_large"


def test_folder_named_like_an_image(tmp_path: Path) -> None:
    from plateledger.recognize.images import ImageError, expand_sources, load_image

    folder = tmp_path / "shots"
    (folder / "album.jpg").mkdir(parents=True)
    render_scene("7ABC123", "California", seed=1)[0].save(folder / "car.jpg")
    assert list(expand_sources([str(folder)])) == [folder / "car.jpg"]
    with pytest.raises(ImageError, match=r"album\.jpg': a folder") as caught:
        load_image(folder / "album.jpg")
    assert caught.value.code == "not_a_file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_permissions(tmp_path: Path) -> None:
    from plateledger.recognize.images import ImageError, load_image

    path = tmp_path / "locked.jpg"
    path.write_bytes(BAD["text.jpg"][0]())
    path.chmod(0)
    with pytest.raises(ImageError, match=r"locked\.jpg.*cannot read") as caught:
        load_image(path)
    assert caught.value.code == "unreadable"


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_a_read_error_is_named() -> None:
    from plateledger.recognize.images import ImageError, load_image

    with pytest.raises(ImageError, match=r"mem'.*cannot read") as caught:
        load_image(Path("/proc/self/mem"))  # a regular file whose first read fails (EIO)
    assert caught.value.code == "unreadable"


def _lines(stdout: str, validator: SubsetValidator) -> list[dict[str, Any]]:
    lines = [orjson.loads(row) for row in stdout.splitlines()]
    for line in lines:
        assert validator.errors(line) == [], line
    return lines


def _mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    write_all(folder, BAD)
    write_all(folder, {k: v for k, v in GOOD.items() if k.startswith(("cmyk", "animated"))})
    render_scene("7ABC123", "California", seed=1)[0].save(folder / "m-car.jpg", quality=92)
    (folder / "subdir.jpg").mkdir()
    return folder


def test_cli_json_names_each_bad_file_and_reads_every_good_one(
    tmp_path: Path, validator: SubsetValidator
) -> None:
    folder = _mixed_folder(tmp_path)
    result = CliRunner().invoke(cli_app(), ["recognize", str(folder), "--json"])
    assert result.exit_code == 2, result.output
    lines = _lines(result.stdout, validator)
    errors = {Path(line["file"]).name: line["error"] for line in lines if "error" in line}
    assert {name: e["code"] for name, e in errors.items()} == {n: c for n, (_, c) in BAD.items()}
    assert all(name in e["message"] for name, e in errors.items())
    reads = [line for line in lines if "error" not in line]
    assert [r["plate"] for r in reads] == ["7ABC123"]
    assert reads[0]["candidates"][0]["plate"] == "7ABC123" and reads[0]["char_confidences"]
    assert reads[0]["elapsed_ms"] > 0
    assert "Traceback" not in result.output and result.stderr == ""


def test_cli_text_mode_prints_one_line_per_bad_file(tmp_path: Path) -> None:
    folder = _mixed_folder(tmp_path)
    result = CliRunner().invoke(cli_app(), ["recognize", str(folder)])
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert len(errors) == len(BAD)
    assert all(line.startswith("error (") for line in errors)
    assert "7ABC123" in result.stdout


def test_jobs_give_the_same_lines_in_the_same_order(
    tmp_path: Path, validator: SubsetValidator
) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    for i, text in enumerate(["7ABC123", "8GHJ305"]):
        render_scene(text, "California", seed=i)[0].save(folder / f"car{i}.jpg", quality=92)
    (folder / "broken.png").write_bytes(png_header_only(64, 32)[:20])
    runs = []
    for jobs in ("1", "2"):
        result = CliRunner().invoke(cli_app(), ["recognize", str(folder), "--json", "--jobs", jobs])
        assert result.exit_code == 2, result.output
        lines = _lines(result.stdout, validator)
        runs.append([{k: v for k, v in line.items() if k != "elapsed_ms"} for line in lines])
    assert runs[0] == runs[1]
    assert [line.get("plate") for line in runs[0]] == [None, "7ABC123", "8GHJ305"]
