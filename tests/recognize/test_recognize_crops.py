"""Evidence crops from the recognizer: `--crops` prints them, and what the edge agent posts is
accepted by the real ingest API, which stores the crop and links it to the read."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from recognize_synth import cli_app, needs_extra, render_scene
from typer.testing import CliRunner

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.store.base import ReadFilters, Scope

pytestmark = needs_extra


@pytest.fixture
def scene_file(tmp_path: Path) -> Path:
    image, _ = render_scene("7ABC123", "California", seed=1)
    path = tmp_path / "car.jpg"
    image.save(path, quality=92)
    return path


def recognize(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli_app(), ["recognize", *args, "--json"])
    assert result.exit_code == 0, result.output
    return [orjson.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def test_crops_are_printed_only_when_asked(scene_file: Path) -> None:
    plain = recognize(str(scene_file))
    assert len(plain) == 1 and "crop_b64" not in plain[0]
    [read] = recognize(str(scene_file), "--crops")
    crop = base64.b64decode(str(read["crop_b64"]))
    assert crop[:2] == b"\xff\xd8" and crop.rstrip(b"\x00")[-2:] == b"\xff\xd9"
    assert 500 < len(crop) < 256 * 1024


def test_posted_read_keeps_its_crop(scene_file: Path, platform: Platform) -> None:
    [read] = recognize(str(scene_file), "--crops")
    read |= {"camera_id": "il-c1", "ts": iso(1)}  # as the agent sends it for its camera
    with TestClient(create_app(platform, background=False)) as client:
        answer = client.post("/api/v1/reads", json=[read], headers=auth(platform, "il-admin"))
    assert answer.status_code in (200, 201, 202), answer.text
    assert answer.json()["errors"] == [], answer.text
    scope = Scope({n.id: None for n in platform.store.networks()})
    [stored] = platform.store.find_reads(["7ABC123"], ReadFilters(), scope, limit=5)
    assert stored.crop_ref is not None and stored.crop_ref.startswith("sha256:")
    digest = stored.crop_ref.removeprefix("sha256:")
    files = list((platform.data_dir / "crops").rglob(f"{digest}.*"))
    assert len(files) == 1
    assert files[0].read_bytes() == base64.b64decode(str(read["crop_b64"]))
