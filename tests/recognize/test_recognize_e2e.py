"""End to end on synthetic PIL-rendered scenes: detector, OCR, state, colour, CLI, bad files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from recognize_synth import cli_app, needs_extra, render_scene, to_bgr
from typer.testing import CliRunner

from plateledger.errors import ValidationError

pytestmark = needs_extra


@pytest.fixture(scope="module")
def recognizer() -> Any:
    from plateledger.recognize.pipeline import Recognizer

    return Recognizer.default(threads=1)


@pytest.fixture
def scene_file(tmp_path: Path) -> Path:
    image, _ = render_scene("7ABC123", "California", seed=1)
    path = tmp_path / "car.jpg"
    image.save(path, quality=92)
    return path


@pytest.mark.parametrize(
    ("text", "top", "body", "state", "colour"),
    [
        ("7ABC123", "California", (200, 30, 30), "CA", "red"),
        ("KX4R92", "", (30, 60, 170), None, "blue"),
        ("ABC1234", "TEXAS", (235, 235, 235), "TX", "white"),
    ],
)
def test_exact_plate_state_and_colour(
    recognizer: Any, text: str, top: str, body: tuple[int, int, int], state: str | None, colour: str
) -> None:
    image, box = render_scene(text, top, body, seed=3)
    reads = recognizer.recognize(to_bgr(image), "synthetic")
    assert len(reads) == 1
    read = reads[0]
    assert read.plate is not None
    assert read.plate.text == text
    assert read.plate.state == state
    assert read.colour is not None and read.colour.name == colour
    assert 0.0 < read.plate.confidence <= 1.0
    x, y, w, h = read.detection.bbox
    assert abs(x - box[0]) < 30 and abs(y - box[1]) < 30 and abs(w - box[2]) < 60


def test_blank_image_has_no_reads(recognizer: Any) -> None:
    assert recognizer.recognize(np.full((480, 640, 3), 120, np.uint8), "blank") == []


def test_cli_prints_ndjson_read(scene_file: Path) -> None:
    result = CliRunner().invoke(
        cli_app(), ["recognize", str(scene_file), "--camera", "cam-1", "--json"]
    )
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(row) for row in result.stdout.splitlines()]
    assert len(lines) == 1
    read = lines[0]
    assert read["plate"] == "7ABC123"
    assert read["plate_state"] == "CA"
    assert read["camera_id"] == "cam-1"
    assert read["source"] == str(scene_file)
    assert read["candidates"][0]["plate"] == "7ABC123"
    assert len(read["bbox"]) == 4 and read["ts"].endswith("Z")
    assert read["vehicle"]["color"] == "red"


def test_cli_folder_and_image_without_plate(tmp_path: Path, scene_file: Path) -> None:
    from PIL import Image

    Image.new("RGB", (320, 240), (128, 128, 128)).save(tmp_path / "empty.png")
    result = CliRunner().invoke(cli_app(), ["recognize", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    sources = [orjson.loads(row)["source"] for row in result.stdout.splitlines()]
    assert sources == [str(scene_file)]


def test_corrupt_file_gives_clear_error_naming_it(tmp_path: Path) -> None:
    from plateledger.recognize.images import load_image

    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    with pytest.raises(ValidationError, match=r"broken\.jpg.*not a readable image"):
        load_image(bad)
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    result = CliRunner().invoke(cli_app(), ["recognize", str(bad), str(text)])
    assert result.exit_code == 2
    assert "broken.jpg" in result.stderr and "notes.jpg" in result.stderr
    assert "Traceback" not in result.output


def test_missing_path_and_bad_url_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app(), ["recognize", str(tmp_path / "nope.jpg")])
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = CliRunner().invoke(cli_app(), ["recognize", str(tmp_path), "--zone", "1,2 3"])
    assert result.exit_code == 2 and "zone" in result.stderr


def test_video_gives_one_sighting_with_the_exact_plate(tmp_path: Path) -> None:
    from recognize_synth import write_video

    video = tmp_path / "drive.avi"
    write_video(str(video), "8GHJ305", "Florida")
    result = CliRunner().invoke(cli_app(), ["recognize", str(video), "--json", "--every", "4"])
    assert result.exit_code == 0, result.output
    sightings = [orjson.loads(row) for row in result.stdout.splitlines()]
    assert len(sightings) == 1
    sighting = sightings[0]
    assert sighting["plate"] == "8GHJ305"
    assert sighting["plate_state"] == "FL"
    assert sighting["reads"] >= 3 and sighting["frame"] is not None
    assert sighting["frames"][0] == 0


def test_corrupt_video_gives_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42 garbage")
    result = CliRunner().invoke(cli_app(), ["recognize", str(bad)])
    assert result.exit_code == 2
    assert "broken.mp4" in result.stderr


def test_post_needs_camera_and_token(scene_file: Path) -> None:
    result = CliRunner().invoke(cli_app(), ["recognize", str(scene_file), "--post", "http://x"])
    assert result.exit_code == 2 and "--post needs --camera and --token" in result.stderr


def test_zone_excludes_plates_outside_it(scene_file: Path) -> None:
    lower = ["recognize", str(scene_file), "--json", "--zone", "0,0.5 1,0.5 1,1 0,1"]
    result = CliRunner().invoke(cli_app(), lower)
    assert result.exit_code == 0 and orjson.loads(result.stdout)["plate"] == "7ABC123"
    upper = ["recognize", str(scene_file), "--json", "--zone", "0,0 1,0 1,0.5 0,0.5"]
    result = CliRunner().invoke(cli_app(), upper)
    assert result.exit_code == 0 and result.stdout == ""


def test_fp32_detector_reads_the_same_plate(scene_file: Path) -> None:
    result = CliRunner().invoke(cli_app(), ["recognize", str(scene_file), "--json", "--fp32"])
    assert result.exit_code == 0, result.output
    read = orjson.loads(result.stdout)
    assert read["plate"] == "7ABC123" and read["plate_state"] == "CA"


def _pass_by(writer: Any, text: str, top: str, body: tuple[int, int, int], frames: int) -> None:
    import cv2

    scene, _ = render_scene(text, top, body, seed=5)
    base = to_bgr(scene)
    for i in range(frames):
        matrix = np.float32([[1, 0, 6 * i - 50], [0, 1, 0]])
        writer.write(cv2.warpAffine(base, matrix, (1280, 720), borderValue=(95, 92, 90)))
    for _ in range(3):  # the road, empty
        writer.write(np.full((720, 1280, 3), 90, np.uint8))


def test_folder_and_video_give_one_read_per_vehicle_with_plate_state_colour_candidates(
    tmp_path: Path,
) -> None:
    import cv2

    cars = [("7ABC123", "California", (200, 30, 30), "CA", "red"),
            ("8GHJ305", "TEXAS", (235, 235, 235), "TX", "white")]  # fmt: skip
    photos = tmp_path / "photos"
    photos.mkdir()
    for i, (text, top, body, _, _) in enumerate(cars):
        render_scene(text, top, body, seed=3)[0].save(photos / f"car{i}.jpg", quality=92)
    video = tmp_path / "road.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (1280, 720))
    try:
        for text, top, body, _, _ in cars:
            _pass_by(writer, text, top, body, frames=16)
    finally:
        writer.release()

    for source in (photos, video):
        result = CliRunner().invoke(cli_app(), ["recognize", str(source), "--json", "--every", "3"])
        assert result.exit_code == 0, result.output
        reads = [orjson.loads(row) for row in result.stdout.splitlines()]
        assert len(reads) == len(cars), (source, [r["plate"] for r in reads])
        for read, (text, _, _, state, colour) in zip(reads, cars, strict=True):
            assert read["plate"] == text and read["plate_state"] == state
            assert read["vehicle"]["color"] == colour
            assert read["candidates"][0]["plate"] == text
            assert all(set(c) == {"plate", "confidence"} for c in read["candidates"])
