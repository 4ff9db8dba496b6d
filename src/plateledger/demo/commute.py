"""Commuters: vehicles that drive the same cameras at the same local time on weekdays.

Each commuter has a habitual route (2-5 consecutive cameras along one corridor of its home city)
and one or two habitual trips a day: out at a time drawn from the hour profile, and back along
the same cameras in the other direction, if the second drawn time is at least an hour later.
On each local weekday a commuter drives with its attendance probability; departure varies by
±10 min. "Regular" commuters (85 % attendance) carry about half of the commuter reads; the
others commute now and then, at a rate set so that commuters make ``share`` of weekday reads.

Attendance and departure jitter are hashes of (commuter, day), so a trip is the same whichever
block asks for it: a block only selects the habitual slots whose time can fall inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plateledger.demo.population import Population
from plateledger.demo.profile import HourProfile
from plateledger.demo.routes import SECOND, Geography, Trips, random_route
from plateledger.demo.schedule import DAY, HOUR, Schedule

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
JITTER = 600 * SECOND
REGULAR_ATTENDANCE = 0.85


def uniform_hash(
    a: npt.NDArray[np.integer], b: npt.NDArray[np.integer], salt: int
) -> npt.NDArray[np.float64]:
    """A uniform [0, 1) number per (a, b) pair: splitmix64 of the packed pair."""
    x = (a.astype(np.uint64) << np.uint64(32)) ^ b.astype(np.uint64)
    x = x + np.uint64((salt * 0x9E3779B97F4A7C15) % 2**64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


@dataclass(frozen=True, eq=False)
class Commuters:
    """Habitual trip slots, sorted by ``phase`` (time of day relative to the window start)."""

    trips: Trips  # t0 unused; one element per slot
    slot: I32  # stable slot id, for the jitter hash
    shift: I64  # habitual local time of day minus the city's UTC offset
    phase: I64  # (UTC time of day - window start) mod 1 day
    attendance: npt.NDArray[np.float64]  # of the slot's commuter
    salt: int


def _habitual_times(rng: np.random.Generator, profile: HourProfile, n: int) -> tuple[I64, I64]:
    hours = rng.choice(24, (2, n), p=np.asarray(profile.weights))
    t = hours * HOUR + rng.integers(0, HOUR, (2, n))
    return t.min(axis=0), t.max(axis=0)


def _attendance(per_day: npt.NDArray[np.float64], target: float) -> npt.NDArray[np.float64]:
    """Regulars first until they cover half of ``target`` reads a weekday; the rest share it."""
    cum = np.cumsum(per_day) * REGULAR_ATTENDANCE
    regulars = min(int(np.searchsorted(cum, 0.5 * target)) + 1, len(per_day))
    rest = per_day[regulars:].sum()
    p_rest = (target - cum[regulars - 1]) / rest if rest > 0 and regulars else 0.0
    p = np.full(len(per_day), float(np.clip(p_rest, 0.0, REGULAR_ATTENDANCE)))
    p[:regulars] = REGULAR_ATTENDANCE
    return p


def _return_trips(out: Trips) -> Trips:
    """The same cameras, driven the other way (the backward lane of the same vertices)."""
    last = (out.p0 + out.dir * (out.n - 1)).astype(np.int32)
    back = (-out.dir).astype(np.int8)
    return Trips(out.veh, out.corr, last, back, out.n, out.t0, out.gap)


def build_commuters(
    geo: Geography, pop: Population, sched: Schedule, profile: HourProfile, n_reads: int,
    share: float, seed: int,
) -> Commuters:  # fmt: skip
    """Habits of vehicles ``0 .. pop.n_commuters``; they make ``share`` of weekday reads."""
    rng = np.random.default_rng([seed, 0xC033])
    n = pop.n_commuters
    veh = np.arange(n, dtype=np.int32)
    city = pop.city[:n]
    corr, p0, direction, cams = random_route(geo, rng, city, rng.integers(2, 6, n, dtype=np.int32))
    out_t, back_t = _habitual_times(rng, profile, n)
    has_back = back_t - out_t >= HOUR
    gap = rng.uniform(50.0, 110.0, n).astype(np.float32)
    per_day = cams * (1 + has_back)
    target = share * n_reads * sched.weekday_share / max(sched.weekdays, 1)
    attendance = _attendance(per_day.astype(np.float64), target)
    out = Trips(veh, corr, p0, direction, cams, np.zeros(n, dtype=np.int64), gap)
    b = np.flatnonzero(has_back)
    trips = Trips.concat([out, _return_trips(out.take(b))])
    local = np.concatenate([out_t, back_t[b]])
    slot_city = np.concatenate([city, city[b]])
    shift = local - sched.offsets_us[slot_city]
    phase = (shift - sched.start_us) % DAY
    order = np.argsort(phase, kind="stable")
    slot_attendance = attendance[trips.veh]
    return Commuters(
        trips.take(order), order.astype(np.int32), shift[order], phase[order],
        slot_attendance[order], seed,
    )  # fmt: skip


def _ranges(c: Commuters, sched: Schedule, start: int, end: int) -> list[tuple[int, int, int]]:
    """Slices (a, b, day number m) of the slots whose jittered time may fall in [start, end)."""
    ps = (start - sched.start_us) % DAY
    pe = ps + (end - start)
    m0 = (start - sched.start_us) // DAY
    ranges = [(max(ps - JITTER, 0), min(pe + JITTER, DAY), m0)]
    if ps - JITTER < 0:
        ranges.append((DAY + ps - JITTER, DAY, m0 - 1))
    if pe + JITTER > DAY:
        ranges.append((0, pe + JITTER - DAY, m0 + 1))
    out = []
    for lo, hi, m in ranges:
        a, b = np.searchsorted(c.phase, [lo, hi])
        out.append((int(a), int(b), int(m)))
    return out


def commuter_trips(c: Commuters, sched: Schedule, start: int, end: int) -> Trips:
    """The commute trips that start in [start, end) µs: slots whose local day is a weekday and
    whose commuter drives that day, at the habitual time ± jitter."""
    idx, t0 = [], []
    for a, b, m in _ranges(c, sched, start, end):
        base = sched.start_us + m * DAY + c.phase[a:b]
        day = (base - c.shift[a:b]) // DAY
        drives = uniform_hash(c.trips.veh[a:b], day, c.salt) < c.attendance[a:b]
        sel = np.flatnonzero(drives & ((day + 3) % 7 < 5))
        jitter = (uniform_hash(c.slot[a:b][sel], day[sel], c.salt + 1) * 2 - 1) * JITTER
        t = base[sel] + jitter.astype(np.int64)
        keep = (t >= start) & (t < end) & (t < sched.end_us)
        idx.append(a + sel[keep])
        t0.append(t[keep])
    trips = c.trips.take(np.concatenate(idx))
    return Trips(trips.veh, trips.corr, trips.p0, trips.dir, trips.n, np.concatenate(t0), trips.gap)
