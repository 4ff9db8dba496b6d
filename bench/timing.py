"""Timing helpers for the benchmarks: warm-up, medians, and the printed table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def median_ms(fn: Callable[[], Any], runs: int = 7, warmup: int = 1) -> tuple[float, Any]:
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def seconds(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@dataclass
class Row:
    metric: str
    ours: str
    baseline: str
    target: str = ""
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, metric: str, ours: str, baseline: str, target: str = "", note: str = "") -> None:
        row = Row(metric, ours, baseline, target, note)
        self.rows.append(row)
        print(f"  {metric:<44} {ours:>18}   sqlite {baseline:>18}   {target}", flush=True)

    def markdown(self) -> str:
        lines = [
            "| metric | plateledger | SQLite baseline | target | note |",
            "|---|---|---|---|---|",
        ]
        for r in self.rows:
            lines.append(f"| {r.metric} | {r.ours} | {r.baseline} | {r.target} | {r.note} |")
        return "\n".join(lines)


def ms(value: float, rows: int | None = None) -> str:
    text = f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"
    return text if rows is None else f"{text} ({rows})"


def rate(count: int, secs: float) -> str:
    return f"{count / secs / 1000:,.0f}k reads/s"
