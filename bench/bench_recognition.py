"""Plate recognition accuracy and speed on the shared OpenALPR benchmark subsets (1 thread).

Prints, for us-dev and eu, exact-plate accuracy (strict and O≡0), within-one-character accuracy,
detection recall (IoU >= 0.4 / overlap) and images per second including JPEG decode, next to the
baseline report's figures (``shared/research/recognition-baseline.md``, measured on the full
222-image ``endtoend/us`` and 108-image ``endtoend/eu`` sets). Scoring follows that report: the
read scored is the highest-confidence prediction overlapping the labelled box.

    python bench/bench_recognition.py --data ../shared/data/plates [--sets us-dev,eu] [--imgsz 960]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from plateledger.recognize.images import load_image  # noqa: E402
from plateledger.recognize.pipeline import Recognizer  # noqa: E402

# Baseline report figures (pyplatex YOLOv8n @960 + RapidOCR det+rec, 1 thread; row B and §2.5).
BASELINE = {
    "us-dev": {"recall": "94.6/98.2", "exact": 76.6, "exact_o0": 78.4, "le1": 87.8, "ips": 3.5},
    "eu": {"recall": "-/99.1", "exact": 80.6, "exact_o0": 93.5, "le1": 97.2, "ips": 3.5},
}
Box = tuple[float, float, float, float]


def levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def overlaps(p: Box, g: Box) -> tuple[bool, bool]:
    """(IoU >= 0.4, IoU >= 0.4 or intersection / smaller box >= 0.6)."""
    ix = max(0.0, min(p[0] + p[2], g[0] + g[2]) - max(p[0], g[0]))
    iy = max(0.0, min(p[1] + p[3], g[1] + g[3]) - max(p[1], g[1]))
    inter = ix * iy
    union = p[2] * p[3] + g[2] * g[3] - inter
    iou = inter / union if union else 0.0
    small = min(p[2] * p[3], g[2] * g[3])
    return iou >= 0.4, iou >= 0.4 or (small > 0 and inter / small >= 0.6)


def run_set(recognizer: Recognizer, folder: Path, limit: int | None) -> dict[str, float]:
    labels = sorted(folder.glob("*.txt"))[:limit]
    n = iou_hits = overlap_hits = exact = exact_o0 = le1 = le1_o0 = 0
    for warm in labels[:2]:
        recognizer.recognize(load_image(folder / warm.read_text().split("\t")[0]), "warm")
    start = time.perf_counter()
    for label in labels:
        name, x, y, w, h, truth = label.read_text().strip().split("\t")[:6]
        truth = "".join(c for c in truth.upper() if c.isalnum())
        gt = (float(x), float(y), float(w), float(h))
        reads = recognizer.recognize(load_image(folder / name), name)
        n += 1
        matched = [(r, overlaps(r.detection.bbox, gt)) for r in reads]
        iou_hits += any(m[0] for _, m in matched)
        overlap_hits += any(m[1] for _, m in matched)
        texts = sorted(
            (r for r, m in matched if m[1] and r.plate),
            key=lambda r: -(r.plate.confidence if r.plate else 0.0),
        )
        text = texts[0].plate.text if texts and texts[0].plate else ""
        exact += text == truth
        exact_o0 += text.replace("O", "0") == truth.replace("O", "0")
        le1 += levenshtein(text, truth) <= 1
        le1_o0 += levenshtein(text.replace("O", "0"), truth.replace("O", "0")) <= 1
    elapsed = time.perf_counter() - start
    pct = 100.0 / max(1, n)
    return {
        "n": n,
        "iou": iou_hits * pct,
        "overlap": overlap_hits * pct,
        "exact": exact * pct,
        "exact_o0": exact_o0 * pct,
        "le1": le1 * pct,
        "le1_o0": le1_o0 * pct,
        "ips": n / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/plates"))
    parser.add_argument("--sets", default="us-dev,eu")
    parser.add_argument("--imgsz", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    recognizer = Recognizer.default(threads=1, imgsz=args.imgsz)
    header = (
        f"{'set':7} {'n':>4} {'recall IoU/ovl':>15} {'exact':>6} {'O≡0':>6} "
        f"{'≤1':>6} {'≤1 O≡0':>7} {'img/s':>6}"
    )
    print(header)
    for name in args.sets.split(","):
        result = run_set(recognizer, args.data / name, args.limit)
        print(
            f"{name:7} {result['n']:>4} {result['iou']:>7.1f}/{result['overlap']:<7.1f} "
            f"{result['exact']:>6.1f} {result['exact_o0']:>6.1f} {result['le1']:>6.1f} "
            f"{result['le1_o0']:>7.1f} {result['ips']:>6.2f}"
        )
        base = BASELINE.get(name)
        if base:
            print(
                f"{'  base':7} {'':>4} {base['recall']:>15} {base['exact']:>6.1f} "
                f"{base['exact_o0']:>6.1f} {base['le1']:>6.1f} {'':>7} {base['ips']:>6.2f}"
            )


if __name__ == "__main__":
    main()
