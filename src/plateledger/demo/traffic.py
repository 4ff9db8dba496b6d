"""Synthetic read stream for the demo network and the benchmarks: fast, deterministic, realistic.

The window is generated block by block (a day, or a few hours when the stream is dense). Each
block gets exactly its budget of reads: first the planted convoy trips that start in it, then
the commuters' habitual trips, and the rest from occasional trips of random vehicles at times
following the hour profile. Trips are expanded to reads with numpy, the block is sorted by time,
and reads that spill past the block's end are carried into the next block, so the whole stream
comes out in time order, as a live network delivers it, in tables of ``batch_size`` rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from plateledger.demo.columns import build_table
from plateledger.demo.commute import Commuters, build_commuters, commuter_trips
from plateledger.demo.convoys import ConvoyReads, convoy_reads
from plateledger.demo.network import DemoNetwork, require_seed
from plateledger.demo.occasional import Drivers, build_drivers, fit, occasional_trips
from plateledger.demo.population import Population, build_population, planted_convoys
from plateledger.demo.profile import HourProfile, builtin_profile
from plateledger.demo.routes import Geography, build_geography, expand
from plateledger.demo.schedule import HOUR, Schedule, build_schedule, default_end
from plateledger.errors import ValidationError

__all__ = ["generate_reads", "n_vehicles", "planted_convoys"]

log = logging.getLogger(__name__)

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Reads = tuple[I64, I32, I32]  # ts (µs), vehicle, camera code

COMMUTER_SHARE = 0.65  # of weekday reads
MOBILE_SHARE = 0.05  # of occasional reads in cities with patrol cars
MIN_VEHICLES, MAX_VEHICLES = 200, 4_000_000


def n_vehicles(n_reads: int) -> int:
    """Size of the vehicle population: about one vehicle per 12 reads, within bounds."""
    return int(np.clip(n_reads // 12, MIN_VEHICLES, MAX_VEHICLES))


@dataclass(frozen=True, eq=False)
class _World:
    geo: Geography
    pop: Population
    sched: Schedule
    commuters: Commuters
    convoys: ConvoyReads
    drivers: Drivers
    seed: int


def _to_mobile(w: _World, cam: I32, rng: np.random.Generator) -> I32:
    """Hand a share of reads to a patrol car of the same city, encoded for build_table."""
    city = w.geo.cam_city[cam]
    count = w.geo.city_mob_count[city]
    pick = np.flatnonzero((count > 0) & (rng.random(len(cam)) < MOBILE_SHARE))
    unit = w.geo.city_mob_start[city[pick]] + (rng.random(len(pick)) * count[pick]).astype(np.int32)
    out = cam.copy()
    out[pick] = w.geo.n_cameras * (1 + unit) + cam[pick]
    return out


def _hours_used(start: int, hours: int, t0: I64, n: npt.NDArray[np.integer]) -> I64:
    """Reads per hour of the block, by the hour their trip (or read) starts."""
    hour = np.clip((t0 - start) // HOUR, 0, hours - 1)
    return np.bincount(hour, weights=n, minlength=hours).astype(np.int64)


def _block_reads(w: _World, k: int) -> tuple[Reads, int]:
    """Exactly the block's budget of reads (unsorted), and the block's end."""
    start, end, budget = w.sched.block(k)
    bh = w.sched.block_hours
    rng = np.random.default_rng([w.seed, 0xB10C, k])
    c_ts, c_veh, c_cam = w.convoys.starting_in(start, end, budget)
    room = budget - len(c_ts)
    commute = commuter_trips(w.commuters, w.sched, start, end)
    commute = fit(commute.take(rng.permutation(len(commute))), room)
    used = _hours_used(start, bh, c_ts, np.ones(len(c_ts), np.int64))
    used += _hours_used(start, bh, commute.t0, commute.n)
    want = room - int(commute.n.sum())
    occasional = occasional_trips(w.geo, w.sched, w.drivers, start, want, used, rng)
    ts1, veh1, cam1 = expand(w.geo, commute, rng, w.sched.end_us)
    ts2, veh2, cam2 = expand(w.geo, occasional, rng, w.sched.end_us)
    cam2 = _to_mobile(w, cam2, rng)
    reads = (np.concatenate([c_ts, ts1, ts2]), np.concatenate([c_veh, veh1, veh2]),
             np.concatenate([c_cam, cam1, cam2]))  # fmt: skip
    return reads, end


def _time_order(ts: I64) -> npt.NDArray[np.intp]:
    """Stable argsort of ``ts``: one packed (time, index) sort, twice as fast as argsort."""
    n = len(ts)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    base = int(ts.min())
    idx_bits = max(int(n - 1).bit_length(), 1)
    if (int(ts.max()) - base).bit_length() + idx_bits > 64:
        return np.argsort(ts, kind="stable")
    key = ((ts - base).astype(np.uint64) << np.uint64(idx_bits)) | np.arange(n, dtype=np.uint64)
    key.sort()
    return (key & np.uint64((1 << idx_bits) - 1)).astype(np.intp)


def _take(reads: Reads, idx: npt.NDArray[np.intp] | slice) -> Reads:
    return reads[0][idx], reads[1][idx], reads[2][idx]


def _concat(a: Reads, b: Reads) -> Reads:
    return np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]]), np.concatenate([a[2], b[2]])


def _stream(w: _World, batch_size: int) -> Iterator[pa.Table]:
    """Blocks in order; each sorted with the previous block's spill-over; cut into batches."""
    empty: Reads = (np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))
    carry, buf, row = empty, empty, 0
    for k in range(w.sched.n_blocks):
        block, end = _block_reads(w, k)
        reads = _concat(carry, block)
        reads = _take(reads, _time_order(reads[0]))
        cut = len(reads[0]) if k == w.sched.n_blocks - 1 else int(np.searchsorted(reads[0], end))
        carry = _take(reads, slice(cut, None))
        buf = _concat(buf, _take(reads, slice(0, cut)))
        full = len(buf[0]) // batch_size * batch_size
        for a in range(0, full, batch_size):
            yield _table(w, _take(buf, slice(a, a + batch_size)), row)
            row += batch_size
        buf = _take(buf, slice(full, None))
    if len(buf[0]):
        yield _table(w, buf, row)


def _table(w: _World, reads: Reads, row0: int) -> pa.Table:
    rng = np.random.default_rng([w.seed, 0x7AB1E, row0])
    return build_table(w.geo, w.pop, reads[0], reads[1], reads[2], row0, rng)


def _check(network: DemoNetwork, n_reads: int, days: int, batch_size: int, seed: int) -> None:
    for name, value, low in (
        ("n_reads", n_reads, 0),
        ("days", days, 1),
        ("batch_size", batch_size, 1),
    ):
        if value < low:
            raise ValidationError(f"{name} must be >= {low}", {"field": name})
    require_seed(seed)
    if not network.corridors:
        raise ValidationError("network has no corridors to drive on", {"field": "network"})


def generate_reads(
    network: DemoNetwork,
    n_reads: int,
    *,
    days: int = 30,
    end: datetime | None = None,
    seed: int = 7,
    profile: HourProfile | None = None,
    batch_size: int = 500_000,
) -> Iterator[pa.Table]:
    """Stream exactly ``n_reads`` reads of ``network`` over the ``days`` days before ``end``
    (default: now, rounded down to the hour, UTC), in time order, as INGEST_SCHEMA tables of
    ``batch_size`` rows (the last one shorter).

    The output is the same for the same arguments (``batch_size`` included). Arguments are
    checked here; the work happens as the iterator is consumed, one block in memory at a time.
    """
    _check(network, n_reads, days, batch_size, seed)
    if n_reads == 0:
        return iter(())
    geo = build_geography(network)
    profile = profile or builtin_profile()
    sched = build_schedule(geo, profile, n_reads, days, end or default_end())
    pop = build_population(geo, n_vehicles(n_reads), seed)
    commuters = build_commuters(geo, pop, sched, profile, n_reads, COMMUTER_SHARE, seed)
    convoys = convoy_reads(geo, pop, sched, n_reads, seed)
    drivers = build_drivers(pop, len(network.cities))
    log.debug(
        "demo traffic: %d reads, %d vehicles, %d blocks of %d h",
        n_reads, len(pop), sched.n_blocks, sched.block_hours,
    )  # fmt: skip
    return _stream(_World(geo, pop, sched, commuters, convoys, drivers, seed), batch_size)
