"""The hand-made colour labels of ``bench/colour_labels.csv`` (what ``bench_colour.py`` scores)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "bench" / "colour_labels.csv"
DATA = ROOT.parent / "shared" / "data" / "plates"
VOCABULARY = {"black", "white", "silver", "grey", "red", "orange", "yellow", "green", "blue",
              "purple", "unsure"}  # fmt: skip


def _rows() -> list[dict[str, str]]:
    with LABELS.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["set", "file", "colour", "note"]
        return list(reader)


def test_labels_use_the_estimators_vocabulary_once_per_photo() -> None:
    rows = _rows()
    bad = [(n, r["colour"]) for n, r in enumerate(rows, start=2) if r["colour"] not in VOCABULARY]
    assert not bad, f"{LABELS}: rows with a colour outside the vocabulary: {bad}"
    keys = [(r["set"], r["file"]) for r in rows]
    assert len(keys) == len(set(keys)), "a photo is labelled twice"
    assert sum(r["colour"] != "unsure" for r in rows) >= 60
    assert {r["set"] for r in rows} <= {"us-dev", "eu"}


@pytest.mark.skipif(not DATA.is_dir(), reason="shared photo data not present")
def test_every_labelled_photo_and_its_plate_box_exist() -> None:
    missing = [
        f"{r['set']}/{r['file']}"
        for r in _rows()
        if not (DATA / r["set"] / r["file"]).is_file()
        or not (DATA / r["set"] / r["file"]).with_suffix(".txt").is_file()
    ]
    assert not missing, f"{LABELS}: photos or plate boxes missing: {missing}"
