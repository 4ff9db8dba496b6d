"""Occasional trips: the reads that fill each hour's budget after commuters and convoys.

For every hour of a block, the reads still missing (the hour's budget minus the commute and
convoy reads that start in it) are spread over cities in proportion to the cities' share of
traffic at that local hour. Each trip then takes a driver living in that city (mostly a
non-commuter; three in a hundred are visitors from another city), a random vertex of the city's
corridors, a direction and 1-5 cameras (short trips likelier).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plateledger.demo.population import Population
from plateledger.demo.routes import Geography, Trips, random_route
from plateledger.demo.schedule import HOUR, Schedule

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
NON_COMMUTER_SHARE = 0.85
VISITOR_SHARE = 0.03


@dataclass(frozen=True, eq=False)
class Drivers:
    """Vehicles grouped by home city: ``pool[start[g, c] : start[g, c] + count[g, c]]`` are
    the non-commuters (g = 0) or the commuters (g = 1) of city c."""

    pool: I32
    start: I32  # [2, cities]
    count: I32  # [2, cities]


def build_drivers(pop: Population, n_cities: int) -> Drivers:
    """Index the population by (group, city)."""
    group = (np.arange(len(pop)) < pop.n_commuters).astype(np.int16)
    key = group * np.int16(n_cities) + pop.city.astype(np.int16)
    pool = np.argsort(key, kind="stable").astype(np.int32)  # radix sort on 16-bit keys
    count = np.bincount(key, minlength=2 * n_cities).astype(np.int32)
    start = (np.cumsum(count) - count).astype(np.int32)
    return Drivers(pool, start.reshape(2, n_cities), count.reshape(2, n_cities))


def pick_drivers(d: Drivers, city: I32, rng: np.random.Generator) -> I32:
    """A vehicle living in each ``city``: a non-commuter 85 % of the time when there is one."""
    m = len(city)
    group = (rng.random(m) >= NON_COMMUTER_SHARE).astype(np.int64)
    group = np.where(d.count[group, city] > 0, group, 1 - group)
    count = d.count[group, city]
    idx = d.start[group, city] + (rng.random(m) * count).astype(np.int64)
    anyone = d.pool[(rng.random(m) * len(d.pool)).astype(np.int64)]
    return np.where(count > 0, d.pool[np.minimum(idx, len(d.pool) - 1)], anyone).astype(np.int32)


def _cells(geo: Geography, sched: Schedule, start: int, missing: I64) -> npt.NDArray[np.float64]:
    """Probability of each (city, hour) cell of the block for the next occasional trip."""
    h0 = (start - sched.start_us) // HOUR
    shape = geo.city_weight[:, None] * sched.weight[:, h0 : h0 + sched.block_hours]
    shape = shape / np.maximum(shape.sum(axis=0, keepdims=True), 1e-300)
    cells: npt.NDArray[np.float64] = (shape * missing[None, :]).ravel()
    total = cells.sum()
    return cells / total if total > 0 else np.full(len(cells), 1.0 / len(cells))


def occasional_trips(
    geo: Geography, sched: Schedule, drivers: Drivers, start: int, want: int, used: I64,
    rng: np.random.Generator,
) -> Trips:  # fmt: skip
    """Trips making exactly ``want`` reads in the block starting at ``start``; ``used`` holds
    the reads already placed in each hour of the block."""
    if want <= 0:
        return Trips.empty()
    h0 = (start - sched.start_us) // HOUR
    missing = np.maximum(sched.budget[h0 : h0 + sched.block_hours] - used, 0)
    if missing.sum() == 0:
        missing = sched.budget[h0 : h0 + sched.block_hours] + 1
    cdf = np.cumsum(_cells(geo, sched, start, missing))
    cdf /= cdf[-1]
    bh, n_cities = sched.block_hours, len(geo.city_weight)
    parts, have = [], 0
    while have < want:
        m = (want - have) // 2 + 16
        cell = np.minimum(np.searchsorted(cdf, rng.random(m), side="right"), len(cdf) - 1)
        city = (cell // bh).astype(np.int32)
        home = city.copy()
        away = np.flatnonzero(rng.random(m) < VISITOR_SHARE)
        home[away] = rng.choice(n_cities, len(away), p=geo.city_weight)
        veh = pick_drivers(drivers, home, rng)
        want_cams = np.minimum(rng.geometric(0.45, m), 5).astype(np.int32)
        corr, p0, direction, cams = random_route(geo, rng, city, want_cams)
        t0 = start + (cell % bh) * HOUR + rng.integers(0, HOUR, m)
        gap = rng.uniform(50.0, 110.0, m).astype(np.float32)
        parts.append(Trips(veh, corr, p0, direction, cams, t0, gap))
        have += int(cams.sum())
    return fit(Trips.concat(parts), want)


def fit(trips: Trips, room: int) -> Trips:
    """The first trips holding exactly ``room`` reads (the last one cut short)."""
    if room <= 0:
        return Trips.empty()
    cum = np.cumsum(trips.n, dtype=np.int64)
    k = int(np.searchsorted(cum, room))
    if k >= len(trips):
        return trips
    out = trips.take(np.arange(k + 1))
    out.n[k] = room - (cum[k - 1] if k else 0)
    return out
