"""Plate recognition accuracy and speed on the shared OpenALPR benchmark subsets.

For each set (us-dev, eu) and each pipeline configuration (``default``: INT8 detector and the
plate-tuned line recogniser; ``fp32``: the fp32 detector; ``stock``: fp32 detector and the
``rapidocr`` wheel's PP-OCRv6 line recogniser, i.e. the default before the fine-tune;
``previous``, ``rect``, ``640``: alternatives measured once; configurations are run
back to back so that they are timed under the same machine load), prints exact-plate accuracy
(strict and O≡0), within-one-character accuracy, detection recall (IoU >= 0.4 / overlap) and
images per second including JPEG decode with one 1-thread process, one 2-thread process and two
1-thread worker processes, plus the
median CPU milliseconds per image of the 1-thread run (a load-independent figure), next to the
baseline report's figures (``shared/research/recognition-baseline.md``, full 222-image
``endtoend/us`` and 108-image ``endtoend/eu``). Scoring follows that report: the read scored is
the highest-confidence prediction overlapping the labelled box.

    python bench/bench_recognition.py --data ../shared/data/plates [--sets us-dev,eu]
        [--configs default,fp32,stock] [--modes 1t,2t,2p] [--limit N] [--skip-crops]

With ``--split stock,default,accurate`` (what ``make bench-recognition`` runs) it prints instead
exact (O≡0) and within-one-character accuracy and 1-thread images/s on the fixed tuning and
held-out sets of ``recognition_split.py`` (us-crops and eu parts) and on us-dev as a check, with
each configuration's speed as a ratio to the first one in the same run. ``BENCH_MISSES=1`` lists
the misses of the tuning sets (``all``: of the held-out sets too, for the final report only).
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import statistics
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

from plateledger.recognize.images import load_image  # noqa: E402
from plateledger.recognize.pipeline import Recognizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recognition_split import Row, canonical, splits  # noqa: E402

# Baseline report figures (pyplatex YOLOv8n @960 + RapidOCR det+rec, 1 thread; row B and §2.5).
BASELINE = {
    "us-dev": {"recall": "94.6/98.2", "exact": 76.6, "exact_o0": 78.4, "le1": 87.8, "ips": 3.5},
    "eu": {"recall": "-/99.1", "exact": 80.6, "exact_o0": 93.5, "le1": 97.2, "ips": 3.5},
}
#: Recognizer.default keyword arguments of each configuration.
CONFIGS: dict[str, dict[str, Any]] = {
    "fp32": {"int8": False},
    "stock": {"rec": "stock", "int8": False},  # the default before the plate-tuned recogniser
    "stock-int8": {"rec": "stock"},
    # before the own recogniser's state head
    "previous": {"recogniser": False, "rec": "stock", "int8": False},
    "rect": {"rect": True, "int8": False},
    # the default's detector with the square letterbox it had before 2026-12-08
    "square": {"rect": False},
    "640": {"imgsz": 640, "int8": False},
    "default": {},
    # the pipeline before the state-format re-ranking (``candidates.rerank``)
    "base": {"rerank": False},
    # the ``--accurate`` preset: test-time variants of each plate line and, on unsure images,
    # a second detector pass at 1280 px; and each of the two alone
    "accurate": {"accurate": True},
    "variants": {"accurate": True, "second_pass": False},
    "hires": {"second_pass": True},
}
Box = tuple[float, float, float, float]
Label = tuple[str, Box, str]
Read = tuple[tuple[int, int, int, int], str, float]


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


def labels(folder: Path, limit: int | None) -> list[Label]:
    rows = []
    for label in sorted(folder.glob("*.txt"))[:limit]:
        name, x, y, w, h, truth = label.read_text().strip().split("\t")[:6]
        truth = "".join(c for c in truth.upper() if c.isalnum())
        rows.append((str(folder / name), (float(x), float(y), float(w), float(h)), truth))
    return rows


# Worker-process state (two 1-thread processes).
_WORKER: list[Recognizer] = []


def _init_worker(config: dict[str, Any], warm: list[str]) -> None:
    recognizer = Recognizer.default(threads=1, **config)
    for path in warm:
        recognizer.recognize(load_image(Path(path)), "warm")
    _WORKER.append(recognizer)


def _worker_ready(_: int) -> int:
    time.sleep(0.3)
    return os.getpid()


def _worker_read(path: str) -> tuple[list[Read], float]:
    return _read(_WORKER[0], path)


def _read(recognizer: Recognizer, path: str) -> tuple[list[Read], float]:
    cpu = time.process_time()
    reads = recognizer.recognize(load_image(Path(path)), path)
    out = [
        (r.detection.bbox, r.plate.text if r.plate else "", r.plate.confidence if r.plate else 0.0)
        for r in reads
    ]
    return out, time.process_time() - cpu


def run_mode(
    mode: str, config: dict[str, Any], rows: list[Label]
) -> tuple[list[list[Read]], float, list[float]]:
    """Reads per image, wall seconds, CPU seconds per image."""
    warm = [rows[0][0], rows[1][0]] if len(rows) > 1 else [rows[0][0]]
    if mode == "2p":
        context = multiprocessing.get_context("spawn")
        with context.Pool(2, _init_worker, (config, warm)) as pool:
            pids: set[int] = set()
            while len(pids) < 2:
                pids.update(pool.map(_worker_ready, range(2), chunksize=1))
            start = time.perf_counter()
            results = pool.map(_worker_read, [r[0] for r in rows], chunksize=1)
            elapsed = time.perf_counter() - start
        return [r for r, _ in results], elapsed, [c for _, c in results]
    recognizer = Recognizer.default(threads=2 if mode == "2t" else 1, **config)
    for path in warm:
        recognizer.recognize(load_image(Path(path)), "warm")
    start = time.perf_counter()
    results = [_read(recognizer, r[0]) for r in rows]
    elapsed = time.perf_counter() - start
    return [r for r, _ in results], elapsed, [c for _, c in results]


def score(rows: list[Label], reads: list[list[Read]]) -> dict[str, float]:
    n = iou_hits = overlap_hits = exact = exact_o0 = le1 = le1_o0 = 0
    for (_, gt, truth), found in zip(rows, reads, strict=True):
        n += 1
        matched = [(r, overlaps(r[0], gt)) for r in found]
        iou_hits += any(m[0] for _, m in matched)
        overlap_hits += any(m[1] for _, m in matched)
        texts = sorted((r for r, m in matched if m[1] and r[1]), key=lambda r: -r[2])
        text = texts[0][1] if texts else ""
        exact += text == truth
        exact_o0 += text.replace("O", "0") == truth.replace("O", "0")
        le1 += levenshtein(text, truth) <= 1
        le1_o0 += levenshtein(text.replace("O", "0"), truth.replace("O", "0")) <= 1
    pct = 100.0 / max(1, n)
    return {
        "n": n,
        "iou": iou_hits * pct,
        "overlap": overlap_hits * pct,
        "exact": exact * pct,
        "exact_o0": exact_o0 * pct,
        "le1": le1 * pct,
        "le1_o0": le1_o0 * pct,
    }


def bench_set(
    rows: list[Label], configs: list[str], modes: list[str]
) -> Iterator[tuple[str, dict[str, float]]]:
    results: dict[str, dict[str, float]] = {c: {} for c in configs}
    for mode in modes:  # configurations back to back per mode: same machine load for both
        for name in configs:
            reads, elapsed, cpu = run_mode(mode, CONFIGS[name], rows)
            if not results[name]:
                results[name] = score(rows, reads)
            results[name][f"ips_{mode}"] = len(rows) / elapsed
            if mode == "1t":
                results[name]["cpu_ms"] = 1000 * statistics.median(cpu)
    yield from results.items()


def bench_crops(folder: Path, configs: list[str]) -> None:
    """Plate and issuing-state accuracy on the us-crops validation fifth (never trained on).

    The fifth is ``crc32(file name) % 5 == 0``, the split ``tools/train_recogniser.py`` holds out.
    Each crop is read whole (the detection is the full crop).
    """
    from plateledger.recognize.base import Detection

    rows = []
    with open(folder / "groundtruth.csv", newline="") as handle:
        for name, state, plate in csv.reader(handle):
            if zlib.crc32(name.encode()) % 5 == 0:
                rows.append((name, state.upper(), plate.upper().replace("O", "0")))
    print(f"us-crops validation fifth: {len(rows)} tight crops (plate O≡0; state)")
    for config in configs:
        reader = Recognizer.default(threads=1, **CONFIGS[config]).reader
        plates = given = right = 0
        for name, state, truth in rows:
            image = load_image(folder / name)
            read = reader.read(image, Detection((0, 0, image.shape[1], image.shape[0]), 1.0))
            plates += bool(read) and read.text.replace("O", "0") == truth
            given += bool(read and read.state)
            right += bool(read and read.state == state)
        n = max(1, len(rows))
        print(
            f"  {config:9} plate exact {100 * plates / n:5.1f}   state given {100 * given / n:5.1f}"
            f"   state right {100 * right / n:5.1f} (of given {100 * right / max(1, given):5.1f})",
            flush=True,
        )


def split_reads(config: dict[str, Any], rows: list[Row]) -> tuple[list[str], float]:
    """The plate read of each row (crops read whole, photos detected first), wall seconds."""
    from plateledger.recognize.base import Detection

    recognizer = Recognizer.default(threads=1, **config)
    warm = load_image(Path(rows[0][0]))
    recognizer.recognize(warm, "warm")
    texts = []
    start = time.perf_counter()
    for path, box, _, _ in rows:
        image = load_image(Path(path))
        if box is None:
            whole = Detection((0, 0, image.shape[1], image.shape[0]), 1.0)
            read = recognizer.reader.read(image, whole)
            texts.append(read.text if read else "")
            continue
        hits = [
            (r.plate.confidence, r.plate.text)
            for r in recognizer.recognize(image, path)
            if r.plate and overlaps(r.detection.bbox, box)[1]
        ]
        texts.append(max(hits)[1] if hits else "")
    return texts, time.perf_counter() - start


def bench_split(data: Path, configs: list[str], sets: list[str]) -> None:
    """Exact (O≡0) and within-one-character accuracy, images/s on 1 thread, per split set.

    Configurations run back to back per set (same load); speed is also given as a ratio to the
    first configuration (``stock`` by default). See ``recognition_split`` for the split.
    """
    print(f"{'set':10} {'pipeline':9} {'n':>4} {'exact O≡0':>9} {'≤1 O≡0':>7} {'img/s 1t':>9} "
          f"{'speed':>6}")  # fmt: skip
    for name, rows in splits(data).items():
        if sets and name not in sets:
            continue
        first = 0.0
        for config in configs:
            texts, elapsed = split_reads(CONFIGS[config], rows)
            reads = [canonical(t) for t in texts]
            exact = sum(r == row[2] for r, row in zip(reads, rows, strict=True))
            near = sum(levenshtein(r, row[2]) <= 1 for r, row in zip(reads, rows, strict=True))
            ips = len(rows) / elapsed
            first = first or ips
            print(
                f"{name:10} {config:9} {len(rows):>4} {100 * exact / len(rows):>9.1f} "
                f"{100 * near / len(rows):>7.1f} {ips:>9.2f} {ips / first:>6.2f}",
                flush=True,
            )
            show = os.environ.get("BENCH_MISSES", "")
            if show == "all" or (show and not name.endswith("-held")):
                for r, row in zip(reads, rows, strict=True):
                    if r != row[2]:
                        print(f"    miss {Path(row[0]).name} {row[3]} truth={row[2]} read={r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/plates"))
    parser.add_argument("--sets", default="us-dev,eu")
    parser.add_argument("--configs", default="default,fp32,stock")
    parser.add_argument("--modes", default="1t,2t,2p")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--skip-crops", action="store_true", help="Skip the us-crops state check.")
    parser.add_argument(
        "--split",
        default=None,
        help="Comma-separated split configurations (e.g. stock,default,accurate): print the "
        "tuning / held-out figures (bench/recognition_split.py) instead of the mode bench.",
    )
    parser.add_argument("--split-sets", default="", help="Only these split sets (default: all).")
    args = parser.parse_args()
    if args.split:
        sets = [s for s in args.split_sets.split(",") if s]
        print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores; wall clock)")
        bench_split(args.data, args.split.split(","), sets)
        return
    if not (args.data / "us-dev").is_dir():
        print(f"skipped: no benchmark data in {args.data} (needs us-dev/ and eu/)")
        return
    modes = args.modes.split(",")
    cols = " ".join(f"{'img/s ' + m:>9}" for m in modes)
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores; img/s are wall-clock)")
    print(f"{'set':7} {'pipeline':9} {'n':>4} {'recall IoU/ovl':>15} {'exact':>6} {'O≡0':>6} "
          f"{'≤1':>6} {'≤1 O≡0':>7} {'cpu ms':>7} {cols}")  # fmt: skip
    for name in filter(None, args.sets.split(",")):
        rows = labels(args.data / name, args.limit)
        for config, r in bench_set(rows, args.configs.split(","), modes):
            speeds = " ".join(f"{r.get('ips_' + m, 0.0):>9.2f}" for m in modes)
            print(
                f"{name:7} {config:9} {r['n']:>4} {r['iou']:>7.1f}/{r['overlap']:<7.1f} "
                f"{r['exact']:>6.1f} {r['exact_o0']:>6.1f} {r['le1']:>6.1f} "
                f"{r['le1_o0']:>7.1f} {r.get('cpu_ms', 0.0):>7.0f} {speeds}",
                flush=True,
            )
        base = BASELINE.get(name)
        if base:
            print(
                f"{name:7} {'report':9} {'':>4} {base['recall']:>15} {base['exact']:>6.1f} "
                f"{base['exact_o0']:>6.1f} {base['le1']:>6.1f} {'':>7} {'':>7} "
                f"{base['ips']:>9.2f}  (baseline report, full endtoend set, 1 thread)"
            )

    if not args.skip_crops and (args.data / "us-crops").is_dir():
        bench_crops(args.data / "us-crops", args.configs.split(","))


if __name__ == "__main__":
    main()
