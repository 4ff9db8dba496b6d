"""The timeline's time strip: one mark per sighting along a time axis, as inline SVG.

Ticks fall on whole hours or days (whichever gives a handful across the span), marks are
coloured by camera (a small palette, ``s0``..``s7`` in ``static/results.css``, reused past
eight cameras), and the strip carries a text summary for screen readers. Built here, drawn by
``timeline.html``; no script needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from plateledger.search.types import Sighting
from plateledger.web.when import day_key, human_day, human_time, utc

WIDTH, HEIGHT = 800, 96
PAD_X = 24
AXIS_Y = 64
PALETTE = 8
STEPS = tuple(timedelta(hours=h) for h in (1, 2, 3, 6, 12, 24, 48, 168, 336, 720))
MAX_TICKS = 9


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class Mark:
    x: float
    colour: int  # palette index: class s<colour>
    title: str


@dataclass(frozen=True, slots=True)
class Strip:
    width: int
    height: int
    axis_y: int
    ticks: tuple[Tick, ...]
    marks: tuple[Mark, ...]  # one per sighting, in time order
    legend: tuple[tuple[int, str], ...]  # (palette index, camera label), by first sighting
    summary: str


def time_strip(
    sightings: Sequence[Sighting], camera_names: Mapping[str, str], width: int = WIDTH
) -> Strip:
    """The strip of ``sightings`` (any order; drawn by start time)."""
    ordered = sorted(sightings, key=lambda s: s.start)
    if not ordered:
        return Strip(width, HEIGHT, AXIS_Y, (), (), (), "No sightings.")
    start, end = utc(ordered[0].start), utc(ordered[-1].start)
    if end - start < timedelta(hours=1):
        start, end = start - timedelta(minutes=30), end + timedelta(minutes=30)
    span = (end - start).total_seconds()

    def x_of(ts: datetime) -> float:
        return round(PAD_X + (utc(ts) - start).total_seconds() / span * (width - 2 * PAD_X), 1)

    colours: dict[str, int] = {}
    for s in ordered:
        colours.setdefault(s.camera_id, len(colours) % PALETTE)
    marks = tuple(
        Mark(x_of(s.start), colours[s.camera_id], _mark_title(n, s, camera_names))
        for n, s in enumerate(ordered, 1)
    )
    legend = tuple((c, f"{camera_names.get(cid, cid)} ({cid})") for cid, c in colours.items())
    ticks = tuple(Tick(x_of(t), label) for t, label in _ticks(start, end))
    summary = (
        f"{len(ordered)} sighting{'s' if len(ordered) != 1 else ''} at {len(colours)} "
        f"camera{'s' if len(colours) != 1 else ''}, from {human_time(ordered[0].start)} "
        f"to {human_time(ordered[-1].start)}."
    )
    return Strip(width, HEIGHT, AXIS_Y, ticks, marks, legend, summary)


def _mark_title(n: int, s: Sighting, camera_names: Mapping[str, str]) -> str:
    reads = len(s.read_ids)
    return (f"{n}. {human_time(s.start)}, {camera_names.get(s.camera_id, s.camera_id)}: "
            f"{reads} read{'s' if reads != 1 else ''}")  # fmt: skip


def _ticks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Whole hours or days between start and end, at most MAX_TICKS of them."""
    span = end - start
    step = next((s for s in STEPS if span / s <= MAX_TICKS - 1), STEPS[-1])
    if step < timedelta(days=1):
        t = start.replace(minute=0, second=0, microsecond=0)
    else:
        t = start.replace(hour=0, minute=0, second=0, microsecond=0)
    out: list[tuple[datetime, str]] = []
    while t <= end:
        if t >= start:
            out.append((t, _tick_label(t, step, first=not out)))
        t += step
    return out


def _tick_label(t: datetime, step: timedelta, first: bool) -> str:
    if step >= timedelta(days=1):
        return f"{t.day} {t:%b}"
    if first or (t.hour == 0 and t.minute == 0):
        return f"{t.day} {t:%b} {t:%H:%M}"
    return f"{t:%H:%M}"


def by_day(sightings: Sequence[Sighting]) -> list[tuple[str, list[tuple[int, Sighting]]]]:
    """Sightings grouped by UTC day, in time order, each with its index in ``sightings``
    (the index the page's crops are keyed by): ``[("Mon 7 Dec 2026", [(i, sighting)])]``."""
    days: dict[str, tuple[str, list[tuple[int, Sighting]]]] = {}
    for i, s in sorted(enumerate(sightings), key=lambda p: p[1].start):
        days.setdefault(day_key(s.start), (human_day(s.start), []))[1].append((i, s))
    return [days[k] for k in sorted(days)]
