"""Planted convoys: small groups of vehicles that drive together, for analytics to find.

Each group (see :data:`population.CONVOY_SIZES`) lives in one city and makes a number of shared
trips (more for longer streams) at times following the hour profile: the leader drives a route
of 2-5 cameras and each follower passes every camera 15-45 s after it (the lag is fixed per trip,
plus ±2 s per camera). All convoy reads are made up front; blocks take the trips starting in them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plateledger.demo.population import Population
from plateledger.demo.routes import SECOND, Geography, Trips, expand, random_route
from plateledger.demo.schedule import HOUR, Schedule

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ConvoyReads:
    """All convoy reads of the window, grouped by trip, trips in order of start."""

    trip_start: I64
    ts: I64
    veh: I32
    cam: I32

    def starting_in(self, start: int, end: int, limit: int) -> tuple[I64, I32, I32]:
        """Reads of the trips starting in [start, end), at most ``limit`` of them."""
        a, b = (int(i) for i in np.searchsorted(self.trip_start, [start, end]))
        b = min(b, a + max(limit, 0))
        return self.ts[a:b], self.veh[a:b], self.cam[a:b]


def trips_per_group(n_reads: int) -> int:
    """Shared trips per group over the window: 6 for small streams, up to 60."""
    return int(np.clip(n_reads // 20_000, 6, 60))


def _leader_trips(
    geo: Geography, pop: Population, sched: Schedule, per_group: int, rng: np.random.Generator
) -> tuple[Trips, I32]:
    """One trip batch for all groups' leaders, and the group of each trip."""
    parts, group = [], []
    for g, members in enumerate(pop.convoys):
        city = int(pop.city[members[0]])
        w = sched.weight[city] / sched.weight[city].sum()
        hour = rng.choice(len(w), per_group, p=w)
        t0 = sched.start_us + hour * HOUR + rng.integers(0, HOUR, per_group)
        cities = np.full(per_group, city, dtype=np.int32)
        want = rng.integers(2, 6, per_group, dtype=np.int32)
        corr, p0, direction, n = random_route(geo, rng, cities, want)
        veh = np.full(per_group, members[0], dtype=np.int32)
        gap = rng.uniform(50.0, 110.0, per_group).astype(np.float32)
        parts.append(Trips(veh, corr, p0, direction, n, t0, gap))
        group.append(np.full(per_group, g, dtype=np.int32))
    return Trips.concat(parts), np.concatenate(group)


def convoy_reads(
    geo: Geography, pop: Population, sched: Schedule, n_reads: int, seed: int
) -> ConvoyReads:
    """Every read of every planted convoy trip in the window."""
    rng = np.random.default_rng([seed, 0xC0C0])
    trips, group = _leader_trips(geo, pop, sched, trips_per_group(n_reads), rng)
    ts, veh, cam = expand(geo, trips, rng, sched.end_us - 60 * SECOND)
    trip = np.repeat(np.arange(len(trips), dtype=np.int32), trips.n)
    first = np.cumsum(trips.n) - trips.n
    start = ts[first][trip]
    size = np.array([len(m) for m in pop.convoys])[group[trip]]
    out_ts, out_veh, out_cam, out_start = [ts], [veh], [cam], [start]
    for j in (1, 2):
        lag = rng.uniform(15.0, 45.0, len(trips)) * SECOND
        rows = np.flatnonzero(size > j)
        jitter = rng.uniform(-2.0, 2.0, len(rows)) * SECOND
        out_ts.append(ts[rows] + (lag[trip[rows]] + jitter).astype(np.int64))
        members = np.array([m[j] if len(m) > j else -1 for m in pop.convoys], dtype=np.int32)
        out_veh.append(members[group[trip[rows]]])
        out_cam.append(cam[rows])
        out_start.append(start[rows])
    starts = np.concatenate(out_start)
    order = np.lexsort((np.concatenate(out_ts), starts))
    return ConvoyReads(
        starts[order], np.concatenate(out_ts)[order], np.concatenate(out_veh)[order],
        np.concatenate(out_cam)[order],
    )  # fmt: skip
