"""Road geometry as flat numpy arrays, trips along corridors, and their expansion into reads.

A trip is (vehicle, corridor, entry vertex, direction, number of cameras, start time); expanding
a batch of trips into reads is a few vectorised calls (``np.repeat`` plus per-trip cumulative
gaps), never a Python loop per read.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from plateledger.demo.network import DemoNetwork

I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
SECOND = 1_000_000  # microseconds


@dataclass(frozen=True, eq=False)
class Geography:
    """Cameras and corridors of a :class:`DemoNetwork`, indexed for vectorised use.

    Positions (corridor vertices) are numbered globally, corridor by corridor and city by city;
    ``lanes[0, p]`` / ``lanes[1, p]`` are the forward / backward camera at position p.
    """

    camera_ids: pa.Array
    cam_city: I32
    cam_lat: F64
    cam_lon: F64
    city_states: tuple[str, ...]
    city_tz: tuple[tuple[str, int], ...]  # (IANA name, standard UTC offset in hours)
    city_weight: F64  # share of vehicles living in each city (by camera positions)
    corr_start: I32  # first global position of each corridor
    corr_len: I32
    pos_corr: I32  # corridor of each global position
    lanes: I32  # [2, positions]
    city_pos_start: I32  # positions of city c are city_pos_start[c] .. + city_pos_count[c]
    city_pos_count: I32
    mobile: I32  # camera indices of mobile cameras, grouped by city
    city_mob_start: I32
    city_mob_count: I32

    @property
    def n_cameras(self) -> int:
        return len(self.cam_lat)


def build_geography(network: DemoNetwork) -> Geography:
    """Index ``network`` (corridors must be grouped by city, as :func:`build_network` makes)."""
    index = {c.id: i for i, c in enumerate(network.cameras)}
    city_ids = [c.id for c in network.cities]
    corr_city = np.array([city_ids.index(c.city_id) for c in network.corridors], dtype=np.int32)
    corr_len = np.array([len(c.forward) for c in network.corridors], dtype=np.int32)
    corr_start = np.concatenate([[0], np.cumsum(corr_len)[:-1]]).astype(np.int32)
    lanes = np.array(
        [[index[c] for k in network.corridors for c in getattr(k, lane)]
         for lane in ("forward", "backward")], dtype=np.int32,
    )  # fmt: skip
    pos_city = np.repeat(corr_city, corr_len)
    if np.any(np.diff(pos_city) < 0):
        raise ValueError("corridors must be grouped by city")
    n_cities = len(city_ids)
    city_pos_count = np.bincount(pos_city, minlength=n_cities).astype(np.int32)
    mob = [(city_ids.index(network.city_of_camera[c.id]), index[c.id])
           for c in network.cameras if c.mobile]  # fmt: skip
    mob.sort()
    mob_city = np.array([m[0] for m in mob], dtype=np.int32)
    city_mob_count = np.bincount(mob_city, minlength=n_cities).astype(np.int32)
    return Geography(
        camera_ids=pa.array([c.id for c in network.cameras], pa.string()),
        cam_city=np.array(
            [city_ids.index(network.city_of_camera[c.id]) for c in network.cameras], np.int32
        ),
        cam_lat=np.array([c.lat for c in network.cameras]),
        cam_lon=np.array([c.lon for c in network.cameras]),
        city_states=tuple(c.state for c in network.cities),
        city_tz=tuple((c.tz, c.std_utc_offset) for c in network.cities),
        city_weight=city_pos_count / city_pos_count.sum(),
        corr_start=corr_start,
        corr_len=corr_len,
        pos_corr=np.repeat(np.arange(len(corr_len), dtype=np.int32), corr_len),
        lanes=lanes,
        city_pos_start=_starts(city_pos_count),
        city_pos_count=city_pos_count,
        mobile=np.array([m[1] for m in mob], dtype=np.int32),
        city_mob_start=_starts(city_mob_count),
        city_mob_count=city_mob_count,
    )


def _starts(counts: I32) -> I32:
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)


@dataclass(frozen=True, eq=False)
class Trips:
    """A batch of trips, one array element per trip. ``gap`` is the mean seconds per hop."""

    veh: I32
    corr: I32
    p0: I32
    dir: I8
    n: I32
    t0: I64
    gap: F32

    def __len__(self) -> int:
        return len(self.veh)

    def take(self, idx: npt.NDArray[np.integer]) -> Trips:
        return Trips(*(getattr(self, f.name)[idx] for f in fields(self)))

    @staticmethod
    def empty() -> Trips:
        i32 = np.zeros(0, dtype=np.int32)
        return Trips(i32, i32, i32, np.zeros(0, np.int8), i32, np.zeros(0, np.int64),
                     np.zeros(0, np.float32))  # fmt: skip

    @staticmethod
    def concat(parts: list[Trips]) -> Trips:
        return Trips(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Trips)))


def random_route(
    geo: Geography, rng: np.random.Generator, city: I32, want: I32
) -> tuple[I32, I32, I8, I32]:
    """(corridor, entry vertex, direction, cameras) for trips in ``city`` of up to ``want``
    cameras: a random vertex of the city, a random direction, turned round at a corridor end."""
    m = len(city)
    pos = geo.city_pos_start[city] + (rng.random(m) * geo.city_pos_count[city]).astype(np.int32)
    corr = geo.pos_corr[pos]
    p0 = pos - geo.corr_start[corr]
    direction = np.where(rng.random(m) < 0.5, 1, -1).astype(np.int8)
    reach = np.where(direction > 0, geo.corr_len[corr] - p0, p0 + 1)
    direction = np.where(reach < np.minimum(want, 2), -direction, direction).astype(np.int8)
    reach = np.where(direction > 0, geo.corr_len[corr] - p0, p0 + 1)
    return corr, p0, direction, np.minimum(want, reach).astype(np.int32)


def expand(
    geo: Geography, trips: Trips, rng: np.random.Generator, end_us: int
) -> tuple[I64, I32, I32]:
    """Reads of ``trips`` (each with ``n`` >= 1): (ts in µs, vehicle, camera).

    Hops take ``gap`` ± 20 s, clipped to 40-120 s; a trip that would run past ``end_us`` is moved
    earlier so that it ends before it.
    """
    counts = trips.n.astype(np.int64)
    total = int(counts.sum())
    first = np.cumsum(counts) - counts
    trip = np.repeat(np.arange(len(trips), dtype=np.int32), counts)
    step = np.arange(total, dtype=np.int64) - first[trip]
    pos = geo.corr_start[trips.corr][trip] + trips.p0[trip] + trips.dir[trip] * step
    cam = geo.lanes[(trips.dir[trip] < 0).astype(np.intp), pos]
    hop = trips.gap[trip] + rng.uniform(-20.0, 20.0, total).astype(np.float32)
    hop = (np.clip(hop, 40.0, 120.0) * SECOND).astype(np.int64)
    hop[first] = 0
    elapsed = np.cumsum(hop)
    elapsed -= elapsed[first][trip]
    late = np.maximum(trips.t0 + elapsed[first + counts - 1] - (end_us - 1), 0)
    ts = trips.t0[trip] + elapsed - late[trip]
    return ts, trips.veh[trip], cam.astype(np.int32)
