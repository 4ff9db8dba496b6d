"""Vehicle colour accuracy on hand-labelled shared photos (``bench/colour_labels.csv``).

The labels were made by looking at each photo (the method is in docs/recognition.md, "Colour,
measured"); rows labelled ``unsure`` are skipped. Two ways of finding the plate are measured:

* ``pipeline``: the project's recogniser (``Recognizer.default``, as ``bench_recognition.py``
  runs it) on the whole photo; the read scored is the highest-scoring detection overlapping the
  labelled plate box, and its ``vehicle.color``. A plate that is not detected counts as
  ``none`` (not covered).
* ``labelled box``: the colour estimator alone on the labelled plate box (no detector, no OCR),
  which isolates the colour rule from the detector.

Each is reported on all labels and on two fixed halves (``crc32(file) % 2``: 0 = tuning half,
1 = held-out half), with a confusion table, the accuracy when the neutral colours are merged
(white ≡ silver ≡ grey: a prediction in {white, silver, grey} is right for a label in that set)
and coverage (share of labels whose answer is a colour, not ``unknown`` or ``none``).

    python bench/bench_colour.py --data ../shared/data/plates [--labels bench/colour_labels.csv]
        [--skip-pipeline]
"""

from __future__ import annotations

import argparse
import csv
import os
import zlib
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

NEUTRAL = frozenset({"white", "silver", "grey"})
COLOURS = ("black", "white", "silver", "grey", "red", "orange", "yellow", "green", "blue",
           "purple")  # fmt: skip
LABELS = Path(__file__).resolve().parent / "colour_labels.csv"
Box = tuple[int, int, int, int]
Row = tuple[str, str, str, Box]  # set, file, colour, labelled plate box


def load_labels(labels: Path, data: Path) -> list[Row]:
    """Rows with a colour (``unsure`` skipped) and the plate box from the photo's ``.txt``."""
    rows = []
    with labels.open(newline="") as handle:
        for line, rec in enumerate(csv.DictReader(handle), start=2):
            colour = rec["colour"]
            if colour == "unsure":
                continue
            if colour not in COLOURS:
                raise SystemExit(f"{labels}:{line}: colour {colour!r} is not in the vocabulary")
            truth = (data / rec["set"] / rec["file"]).with_suffix(".txt")
            x, y, w, h = (int(v) for v in truth.read_text().split("\t")[1:5])
            rows.append((rec["set"], rec["file"], colour, (x, y, w, h)))
    return rows


def half(row: Row) -> int:
    """0: the tuning half, 1: the held-out half (fixed by the file name)."""
    return zlib.crc32(row[1].encode()) % 2


def _overlap(a: Box, b: Box) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / max(1, min(a[2] * a[3], b[2] * b[3]))


def predict_pipeline(rows: list[Row], data: Path) -> list[str]:
    from plateledger.recognize.images import load_image
    from plateledger.recognize.pipeline import Recognizer

    recognizer = Recognizer.default(threads=1)
    out = []
    for set_name, name, _, box in rows:
        path = data / set_name / name
        reads = recognizer.recognize(load_image(path), str(path))
        hits = [r for r in reads if _overlap(r.detection.bbox, box) >= 0.3]
        best = max(hits, key=lambda r: r.detection.confidence, default=None)
        out.append(best.colour.name if best and best.colour else "none")
    return out


def predict_boxes(rows: list[Row], data: Path) -> list[str]:
    from plateledger.recognize.base import Detection
    from plateledger.recognize.colour import HsvColourEstimator
    from plateledger.recognize.images import load_image

    estimator = HsvColourEstimator()
    return [
        estimator.colour(load_image(data / s / name), Detection(box, 1.0)).name
        for s, name, _, box in rows
    ]


def figures(truth: list[str], pred: list[str]) -> str:
    n = len(truth)
    if not n:
        return "n=0"
    exact = sum(t == p for t, p in zip(truth, pred, strict=True))
    merged = sum(
        t == p or (t in NEUTRAL and p in NEUTRAL) for t, p in zip(truth, pred, strict=True)
    )
    covered = sum(p not in ("unknown", "none") for p in pred)
    return (
        f"n={n:3}  exact {100 * exact / n:5.1f} %  neutral-merged {100 * merged / n:5.1f} %  "
        f"coverage {100 * covered / n:5.1f} %"
    )


def confusion(truth: list[str], pred: list[str]) -> None:
    cols = [*COLOURS, "unknown", "none"]
    cols = [c for c in cols if c in set(pred)]
    counts = Counter(zip(truth, pred, strict=True))
    print(f"  {'label/answer':14}" + "".join(f"{c[:7]:>8}" for c in cols))
    for label in COLOURS:
        if label in truth:
            cells = "".join(f"{counts[(label, c)] or '.':>8}" for c in cols)
            print(f"  {label:14}{cells}")


def report(title: str, rows: list[Row], pred: list[str]) -> None:
    truth = [r[2] for r in rows]
    print(f"\n{title}")
    print(f"  all        {figures(truth, pred)}")
    for part, name in ((0, "tuning"), (1, "held-out")):
        keep = [i for i, r in enumerate(rows) if half(r) == part]
        print(f"  {name:10} {figures([truth[i] for i in keep], [pred[i] for i in keep])}")
    confusion(truth, pred)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/plates"))
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--skip-pipeline", action="store_true", help="Labelled boxes only.")
    args = parser.parse_args()
    if not all((args.data / s).is_dir() for s in ("us-dev", "eu")):
        print(f"skipped: no photo data in {args.data} (needs us-dev/ and eu/)")
        return
    rows = load_labels(args.labels, args.data)
    counts = Counter(r[2] for r in rows)
    print(f"{len(rows)} labelled photos ({', '.join(f'{c} {n}' for c, n in counts.most_common())})")
    print("merge rule: white ≡ silver ≡ grey (any of the three is right for any of the three)")
    report("colour estimator on the labelled plate box", rows, predict_boxes(rows, args.data))
    if not args.skip_pipeline:
        report(
            "pipeline (detector + colour), photo by photo", rows, predict_pipeline(rows, args.data)
        )


if __name__ == "__main__":
    main()
