"""End to end on every real photo in ``../shared/data/plates`` (us-dev and eu full frames, us-crops
plate crops): ``plateledger recognize --json`` in a separate process, every line parsed and
validated against ``read.schema.json``, no file refused, no internal error (issue #19).

Skips cleanly when the shared data is absent (the project never needs it). ``make test`` reads
every sixth photo of each set (about 165, half a minute with ``--jobs 2``) so that CI stays under
its time limit; ``make test-real-photos`` (``PLATELEDGER_ALL_PHOTOS=1``) reads all of them
(about 980, several minutes).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from json_schema_subset import SubsetValidator
from recognize_synth import needs_extra

from plateledger.recognize.read_model import read_schema

PLATES = Path(
    os.environ.get(
        "PLATELEDGER_PLATES_DATA",
        Path(__file__).resolve().parents[3] / "shared" / "data" / "plates",
    )
)
SETS = {"us-dev": "*.jpg", "eu": "*.jpg", "us-crops": "*.png"}
EVERY = 1 if os.environ.get("PLATELEDGER_ALL_PHOTOS") == "1" else 6

pytestmark = [
    needs_extra,
    pytest.mark.slow,
    pytest.mark.timeout(1200),
    pytest.mark.skipif(not PLATES.is_dir(), reason=f"no shared plate photos at {PLATES}"),
]


def test_cli_reads_every_real_photo_and_every_line_validates() -> None:
    chosen = [
        path
        for name, pattern in SETS.items()
        if (PLATES / name).is_dir()
        for path in sorted((PLATES / name).glob(pattern))[::EVERY]
    ]
    images = {str(p) for p in chosen}
    assert images, f"no photos under {PLATES}"
    targets = [PLATES / name for name in SETS if (PLATES / name).is_dir()] if EVERY == 1 else chosen
    command = [sys.executable, "-m", "plateledger.cli.main", "recognize", *map(str, targets)]
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [*command, "--json", "--all", "--jobs", "2"], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    assert result.returncode == 0, result.stderr[-2000:]
    validator = SubsetValidator(read_schema())
    lines = [orjson.loads(row) for row in result.stdout.splitlines()]
    for line in lines:
        assert validator.errors(line) == [], line
    assert [line for line in lines if "error" in line] == []
    sources = {line["source"] for line in lines}
    assert sources <= images
    read = {line["source"] for line in lines if line["plate"]}
    print(
        f"\n{len(images)} photos in {elapsed:.1f} s ({len(images) / elapsed:.2f} images/s, "
        f"--jobs 2, {cpu:.0f} CPU-seconds): {len(lines)} lines, "
        f"{len(read)} photos with a plate read"
    )
    assert len(read) >= 0.8 * len(images)  # a sanity floor: the recogniser ran on real plates
