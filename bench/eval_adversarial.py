"""Recall of the reason classifier on the adversarial suite, as the table in the docs.

The suite (``tests/policy/adversarial_reasons.yaml``) holds made-up reasons, each with the
outcome it should get: ``block`` or ``review`` with a prohibited ``class`` (prohibited intent,
written plainly or obfuscated), ``allow`` (a lawful reason naming an offense, often a look-alike
such as "ICE impersonation" or "notice") or ``vague``.

- A prohibited reason is **caught** when its class is among the result's classes and the action
  is not ``allow``: blocked, or held for review with the class shown. It is **blocked as
  expected** when a ``block`` row is blocked (a ``review`` row may also be blocked).
- A lawful reason is **wrongly stopped** when an ``allow`` row is not allowed, or when any lawful
  row gets a prohibited class.

Usage: ``.venv/bin/python bench/eval_adversarial.py [--suite FILE] [--errors] [--data DIR]``.
Prints the markdown table of docs/reason-classifier.md ("Adversarial suite"); ``--errors`` lists
misses (made-up text only); ``--data ../shared/data`` adds a row for the hand-labelled real
audit reasons of ``eval/classifier/labels.csv`` (skipped when the data is absent).
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from plateledger.policy.classifier import Classification, classify

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "policy" / "adversarial_reasons.yaml"
LAWFUL = ("allow", "vague")


@dataclass(frozen=True, slots=True)
class Case:
    reason: str
    expect: str  # block | review | allow | vague
    reason_class: str | None
    evasion: str


def load_suite(path: Path = SUITE) -> list[Case]:
    doc = yaml.safe_load(path.read_text("utf-8"))
    cases = []
    for i, row in enumerate(doc["reasons"]):
        expect = row["expect"]
        if expect not in ("block", "review", "allow", "vague"):
            raise ValueError(f"{path.name}: reasons[{i}].expect: {expect!r} is not valid")
        if (expect in LAWFUL) == ("class" in row):
            raise ValueError(f"{path.name}: reasons[{i}].class: only prohibited rows have one")
        cases.append(Case(str(row["reason"]), expect, row.get("class"), row["evasion"]))
    return cases


def caught(case: Case, result: Classification) -> bool:
    """A prohibited case is blocked, or held with its class shown."""
    return case.reason_class in result.classes and result.action != "allow"


def as_expected(case: Case, result: Classification) -> bool:
    if case.expect == "block":
        return caught(case, result) and result.action == "block"
    if case.expect == "review":
        return caught(case, result)
    if case.expect == "allow":
        return result.action == "allow"
    return result.reason_class == "vague"


def wrongly_stopped(case: Case, result: Classification) -> bool:
    """A lawful case that is held or blocked as possibly prohibited (or not allowed)."""
    prohibited = result.reason_class not in ("specific", "vague")
    not_allowed = case.expect == "allow" and result.action != "allow"
    return case.expect in LAWFUL and (prohibited or not_allowed)


def table(cases: list[Case]) -> str:
    groups: dict[str, list[tuple[Case, Classification]]] = defaultdict(list)
    for case in cases:
        groups[case.evasion].append((case, classify(case.reason)))
    lines = [
        "| evasion | prohibited reasons | caught (blocked or held with class) | blocked "
        "| lawful reasons | lawful wrongly stopped |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    totals = [0, 0, 0, 0, 0]
    for name in sorted(groups):
        pairs = groups[name]
        bad = [(c, r) for c, r in pairs if c.expect not in LAWFUL]
        good = [(c, r) for c, r in pairs if c.expect in LAWFUL]
        row = [
            len(bad),
            sum(caught(c, r) for c, r in bad),
            sum(r.action == "block" for _, r in bad),
            len(good),
            sum(wrongly_stopped(c, r) for c, r in good),
        ]
        totals = [t + x for t, x in zip(totals, row, strict=True)]
        lines.append(_line(name, row))
    lines.append(_line("**all**", totals))
    return "\n".join(lines)


def _line(name: str, row: list[int]) -> str:
    bad, hit, blocked, good, stopped = row
    recall = f"{hit} ({100 * hit / bad:.1f}%)" if bad else "-"
    block = f"{blocked}" if bad else "-"
    wrong = f"{stopped} ({100 * stopped / good:.1f}%)" if good else "-"
    return f"| {name} | {bad or '-'} | {recall} | {block} | {good or '-'} | {wrong} |"


def real_rows(data: Path) -> str:
    """The same figures over the hand-labelled real audit reasons (``eval/classifier``)."""
    import eval_classifier as ev  # noqa: PLC0415 - only with --data; a sibling script

    if not (data / ev.PORTAL).is_file():
        return f"real audit rows: skipped, data not found under {data}"
    by_id = {(r.source, r.row_id): r.reason for r in ev.read_rows(data)}
    with ev.DEFAULT_LABELS.open(newline="", encoding="utf-8") as f:
        labels = list(csv.DictReader(f))
    row = [0, 0, 0, 0, 0]
    for x in labels:
        result = classify(by_id[(x["source"], x["row_id"])])
        if x["label"] in ("specific", "vague"):
            row[3] += 1
            case = Case("", "allow" if x["label"] == "specific" else "vague", None, "real")
            row[4] += wrongly_stopped(case, result)
        else:
            row[0] += 1
            row[1] += x["label"] in result.classes and result.action != "allow"
            row[2] += result.action == "block"
    return _line(f"real audit reasons, labelled ({len(labels)})", row)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", type=Path, default=SUITE)
    ap.add_argument("--errors", action="store_true", help="list reasons not as expected")
    ap.add_argument("--data", type=Path, help="also the labelled real rows (../shared/data)")
    args = ap.parse_args(argv)
    cases = load_suite(args.suite)
    print(f"{len(cases)} reasons in {args.suite.name}\n")
    print(table(cases))
    if args.data is not None:
        print(real_rows(args.data))
    if args.errors:
        for case in cases:
            result = classify(case.reason)
            if not as_expected(case, result):
                print(
                    f"{case.evasion}\t{case.expect}/{case.reason_class}\t->\t"
                    f"{result.reason_class}/{result.action}\t{case.reason!r}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
