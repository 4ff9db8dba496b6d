"""Evaluate the reason classifier against hand labels of real search-audit reasons.

The labels (``eval/classifier/labels.csv``: ``source,row_id,label,note``) hold only row ids; the
reason text is joined from the public audit data in ``../shared/data/audit/`` at run time, so the
repository never contains reason text. One labelled row per distinct reason (case and spacing
folded). A label whose note starts with ``ambiguous:`` expects ``review`` (the class is a
suspicion, not a certainty); other prohibited labels expect ``block``, ``vague`` expects
``review`` and ``specific`` expects ``allow``.

The set was built in two rounds from one seeded order (``--make-sample``): the first
``DEV_SAMPLE`` reasons (every broad-pattern hit, then random ones) were labelled and then used
to write the term lists; the next ``FRESH_SAMPLE`` random reasons were labelled after the term
lists were frozen and never used to tune them. Prints precision / recall / F1 per class (on the
primary class) for both rounds, the confusion of the main classes and of actions, and the
search-weighted action agreement (each reason weighted by how many searches carry it).

Usage:
  .venv/bin/python bench/eval_classifier.py [--data ../shared/data] [--labels FILE]
  .venv/bin/python bench/eval_classifier.py --make-sample 1560   # rebuild the sample (ids only)
  .venv/bin/python bench/eval_classifier.py --errors              # list disagreements

``--errors`` prints reason text to the terminal (never to a file in the repository): the text
may contain personal details typed by officers.

Exits 0 with ``skipped: data not found`` when the data folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from plateledger.policy.classifier import classify

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_LABELS = ROOT / "eval" / "classifier" / "labels.csv"
PORTAL = Path("audit/flock-portals-2026/search_audit_rows.csv")
RECORDS = {
    "rr-a871b2fc": Path("audit/records-requests/search_audit.a871b2fc.csv"),
    "rr-f5f2e2bb": Path("audit/records-requests/search_audit.f5f2e2bb.csv"),
}
SEED = 20260501
DEV_SAMPLE = 1560
FRESH_SAMPLE = 300
# Deliberately loose substring patterns: everything they flag went into the labelled set.
BROAD = re.compile(
    r"ice|immig|imig|inmig|migra|deport|\bero\b|hsi|dhs|cbp|usbp|border|alien|removal|protest"
    r"|rally|march|riot|demonstr|abort|clinic|pregnan|fetus|reproduct|parenthood|gender|trans"
    r"|church|mosque|synagog|temple|relig|polit|journal|press|personal|\bmy\b|\bex\b|girlfriend"
    r"|boyfriend|wife|husband|homeland|customs|federal|\bfed\b|detain|287|hispanic|latin|mexic"
    r"|black|white|asian|\bgay\b|lgbt|track|monitor|surveil|follow|stalk|sale|\bsell|repo|insur"
    r"|curio|health|hospital|doctor|medic|muslim|jew|arab|visa|passport|undocu|illegal|warrant"
    r"|test|training"
)
MAIN = ("specific", "vague", "prohibited")
ACTIONS = ("allow", "review", "block")


@dataclass(frozen=True, slots=True)
class Row:
    source: str
    row_id: str
    reason: str


def key(reason: str) -> str:
    return " ".join(reason.lower().split())


def read_rows(data: Path) -> Iterator[Row]:
    with (data / PORTAL).open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            yield Row("portal", f"{r['agency_slug']}:{r['id']}", r["reason"] or "")
    for source, path in RECORDS.items():
        with (data / path).open(newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                yield Row(source, r["id"], r["reason"] or "")


def sample(rows: list[Row], size: int) -> list[tuple[Row, str]]:
    """The first ``size`` distinct reasons: all broad-pattern hits, then a seeded shuffle."""
    first: dict[str, Row] = {}
    for row in rows:
        k = key(row.reason)
        if k:
            first.setdefault(k, row)
    keys = sorted(first)
    broad = [k for k in keys if BROAD.search(k)]
    rest = [k for k in keys if not BROAD.search(k)]
    random.Random(SEED).shuffle(rest)
    picked = [(first[k], "broad") for k in broad]
    picked += [(first[k], "random") for k in rest[: max(0, size - len(broad))]]
    return picked


def print_sample(rows: list[Row], size: int) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["source", "row_id", "selection"])
    for row, selection in sample(rows, size):
        out.writerow([row.source, row.row_id, selection])


def expected_action(label: str, note: str) -> str:
    if label == "specific":
        return "allow"
    if label == "vague":
        return "review"
    return "review" if note.startswith("ambiguous") else "block"


def main_class(code: str) -> str:
    return code if code in ("specific", "vague") else "prohibited"


def prf_table(pairs: list[tuple[str, str]], title: str) -> None:
    classes = sorted({t for t, _ in pairs} | {p for _, p in pairs})
    print(f"\n{title} (n={len(pairs)})")
    print(f"{'class':28} {'support':>7} {'predicted':>9} {'precision':>9} {'recall':>7} {'F1':>6}")
    for c in classes:
        tp = sum(1 for t, p in pairs if t == c and p == c)
        support = sum(1 for t, _ in pairs if t == c)
        predicted = sum(1 for _, p in pairs if p == c)
        prec = tp / predicted if predicted else float("nan")
        rec = tp / support if support else float("nan")
        f1 = 2 * prec * rec / (prec + rec) if predicted and support and prec + rec else float("nan")
        print(f"{c:28} {support:7} {predicted:9} {_pct(prec):>9} {_pct(rec):>7} {_pct(f1):>6}")
    acc = sum(1 for t, p in pairs if t == p) / len(pairs) if pairs else float("nan")
    print(f"{'accuracy':28} {'':7} {'':9} {'':9} {'':7} {_pct(acc):>6}")


def confusion(pairs: list[tuple[str, str]], labels: tuple[str, ...], title: str) -> None:
    counts = Counter(pairs)
    print(f"\n{title} (rows: label, columns: classifier)")
    print(f"{'':12}" + "".join(f"{c:>12}" for c in labels))
    for t in labels:
        print(f"{t:12}" + "".join(f"{counts[(t, p)]:12}" for p in labels))


def audit_all(rows: list[Row], searches: Counter[str]) -> None:
    """Every distinct reason in the data, labelled or not: how many would be blocked or held."""
    audit = Counter[tuple[str, str]]()
    first: dict[str, str] = {}
    for row in rows:
        k = key(row.reason)
        if k and k not in first:
            result = classify(row.reason)
            first[k] = result.action
            audit[(result.action, main_class(result.reason_class))] += 1
    blocked = sum(searches[k] for k, a in first.items() if a == "block")
    print(
        f"\nall {len(first)} distinct reasons in the data (labelled or not): "
        f"{audit[('block', 'prohibited')]} blocked ({blocked} searches), "
        f"{audit[('review', 'prohibited')]} held as possibly prohibited, "
        f"{audit[('review', 'vague')]} vague, {audit[('allow', 'specific')]} specific"
    )


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--make-sample", type=int, metavar="N", help="print a sample of N ids")
    ap.add_argument("--errors", action="store_true", help="print disagreements (with text)")
    args = ap.parse_args(argv)

    if not (args.data / PORTAL).is_file() or not all(
        (args.data / p).is_file() for p in RECORDS.values()
    ):
        print(f"skipped: data not found under {args.data}")
        return 0
    rows = list(read_rows(args.data))
    if args.make_sample:
        print_sample(rows, args.make_sample)
        return 0

    by_id = {(r.source, r.row_id): r for r in rows}
    searches = Counter(key(r.reason) for r in rows)
    with args.labels.open(newline="", encoding="utf-8") as f:
        labels = list(csv.DictReader(f))
    missing = [
        f"{x['source']}:{x['row_id']}" for x in labels if (x["source"], x["row_id"]) not in by_id
    ]
    if missing:
        print(
            f"error: {len(missing)} labelled rows not in the data, e.g. {missing[0]}",
            file=sys.stderr,
        )
        return 1

    dev_ids = {(r.source, r.row_id) for r, _ in sample(rows, DEV_SAMPLE)}
    all_pairs: list[tuple[str, str]] = []
    dev_pairs: list[tuple[str, str]] = []
    fresh_pairs: list[tuple[str, str]] = []
    main_pairs: list[tuple[str, str]] = []
    action_pairs: list[tuple[str, str]] = []
    weighted = Counter[bool]()
    for x in labels:
        reason = by_id[(x["source"], x["row_id"])].reason
        result = classify(reason)
        pair = (x["label"], result.reason_class)
        all_pairs.append(pair)
        (dev_pairs if (x["source"], x["row_id"]) in dev_ids else fresh_pairs).append(pair)
        main_pairs.append((main_class(pair[0]), main_class(pair[1])))
        want = expected_action(x["label"], x["note"])
        action_pairs.append((want, result.action))
        weighted[want == result.action] += searches[key(reason)]
        if args.errors and (pair[0] != pair[1] or want != result.action):
            print(
                f"{x['source']},{x['row_id']}\t{x['label']}/{want}\t->\t"
                f"{result.reason_class}/{result.action}\t{reason!r}"
            )

    print(
        f"labelled distinct reasons: {len(labels)} (development {len(dev_pairs)}, fresh "
        f"{len(fresh_pairs)}); searches they cover: {sum(weighted.values())}"
    )
    prf_table(all_pairs, "Per class, all labelled reasons")
    prf_table(dev_pairs, "Per class, development round (term lists written from these)")
    prf_table(fresh_pairs, "Per class, fresh round (labelled after the term lists were frozen)")
    confusion(main_pairs, MAIN, "Main classes")
    confusion(action_pairs, ACTIONS, "Actions")
    audit_all(rows, searches)
    total = sum(weighted.values())
    agreement = weighted[True] / total if total else float("nan")
    print(f"\nsearch-weighted action agreement: {_pct(agreement)}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
