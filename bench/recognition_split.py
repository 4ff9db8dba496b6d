"""The tuning / held-out split of the recognition benchmark data (fixed, never tuned on).

* **us-crops** (751 tight US plate crops, ``groundtruth.csv``: name, state, plate): the
  plate-tuned line recogniser and the CRNN state head were *trained* on every crop except the
  fifth ``crc32(name) % 5 == 0`` (``tools/finetune_plate_ocr.py``), so only that fifth (150 crops)
  is usable at all. Sorted by file name, every third of them (index 0, 3, 6, ...) is **tuning**;
  the other two thirds (100 crops) are **held out**. The trained-on crops are not used.
* **eu** (108 photos with a ``.txt`` label each): sorted by label file name, every third (index
  0, 3, 6, ...) is **held out** (36), the rest (72) is tuning.
* **us-dev** (116 photos): earlier rounds tuned on it; it is reported only as a check.

Nothing in ``held_out`` may be looked at while choosing thresholds, formats or variants: the
bench prints it, the choice is made on ``tuning``.
"""

from __future__ import annotations

import csv
import zlib
from pathlib import Path

Box = tuple[float, float, float, float]
#: (image path, labelled plate box or None for a whole crop, plate text O≡0, state or "")
Row = tuple[str, Box | None, str, str]


def canonical(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum()).replace("O", "0")


def crop_rows(folder: Path) -> tuple[list[Row], list[Row]]:
    """(tuning, held-out) rows of ``us-crops``, from its never-trained fifth only."""
    fifth: list[Row] = []
    with open(folder / "groundtruth.csv", newline="") as handle:
        for name, state, plate in csv.reader(handle):
            if zlib.crc32(name.encode()) % 5 == 0:
                fifth.append((str(folder / name), None, canonical(plate), state.upper()))
    fifth.sort(key=lambda row: Path(row[0]).name)
    tuning = [row for i, row in enumerate(fifth) if i % 3 == 0]
    held = [row for i, row in enumerate(fifth) if i % 3 != 0]
    return tuning, held


def photo_rows(folder: Path) -> list[Row]:
    """Every labelled photo of a folder (``name\\tx\\ty\\tw\\th\\tplate`` per ``.txt``)."""
    rows: list[Row] = []
    for label in sorted(folder.glob("*.txt")):
        name, x, y, w, h, truth = label.read_text().strip().split("\t")[:6]
        box = (float(x), float(y), float(w), float(h))
        rows.append((str(folder / name), box, canonical(truth), ""))
    return rows


def eu_rows(folder: Path) -> tuple[list[Row], list[Row]]:
    """(tuning, held-out) rows of ``eu``: every third photo by sorted name is held out."""
    rows = photo_rows(folder)
    return [r for i, r in enumerate(rows) if i % 3], [r for i, r in enumerate(rows) if not i % 3]


def splits(data: Path) -> dict[str, list[Row]]:
    """The named row sets the bench reports: tuning and held-out parts, and the us-dev check."""
    out: dict[str, list[Row]] = {}
    if (data / "us-crops").is_dir():
        out["crops-tune"], out["crops-held"] = crop_rows(data / "us-crops")
    if (data / "eu").is_dir():
        out["eu-tune"], out["eu-held"] = eu_rows(data / "eu")
    if (data / "us-dev").is_dir():
        out["us-dev"] = photo_rows(data / "us-dev")
    return out
