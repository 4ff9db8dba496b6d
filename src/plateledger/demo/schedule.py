"""The time window of a generated stream: local time per city, hourly read budgets, blocks.

The window ``[end - days, end)`` is cut into hours. Each hour's weight is the hour profile taken
at every city's *local* hour (and weekday/weekend), averaged over cities by their share of the
vehicles; the ``n_reads`` budget is split over hours in proportion (largest remainder, so it sums
exactly). Generation then works block by block: a block is a few hours, sized so that one block's
reads stay in memory comfortably.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from plateledger.demo.profile import HourProfile
from plateledger.demo.routes import SECOND, Geography

HOUR = 3600 * SECOND
DAY = 24 * HOUR
MAX_BLOCK_READS = 3_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, eq=False)
class Schedule:
    """Times are integer microseconds since the Unix epoch (UTC)."""

    start_us: int
    end_us: int
    offsets_us: npt.NDArray[np.int64]  # per city: local time = UTC + offset
    weight: npt.NDArray[np.float64]  # [city, hour]: profile weight of each hour, local time
    budget: npt.NDArray[np.int64]  # reads per hour of the window; sums to n_reads
    block_hours: int
    weekday_share: float  # share of the reads that fall on local weekdays
    weekdays: int  # local weekdays in the window

    @property
    def n_blocks(self) -> int:
        return len(self.budget) // self.block_hours

    def block(self, k: int) -> tuple[int, int, int]:
        """(start µs, end µs, read budget) of block k."""
        a = k * self.block_hours
        start = self.start_us + a * HOUR
        total = int(self.budget[a : a + self.block_hours].sum())
        return start, start + self.block_hours * HOUR, total


def default_end() -> datetime:
    """Now, rounded down to the hour, UTC."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def utc_offsets(geo: Geography, at: datetime) -> npt.NDArray[np.int64]:
    """Each city's UTC offset at ``at`` (standard time if the tz database is missing)."""
    out = []
    for tz, std_hours in geo.city_tz:
        try:
            delta = ZoneInfo(tz).utcoffset(at)
        except ZoneInfoNotFoundError:
            delta = None
        seconds = delta.total_seconds() if delta is not None else std_hours * 3600
        out.append(int(seconds) * SECOND)
    return np.array(out, dtype=np.int64)


def split_exact(total: int, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Integers proportional to ``weights`` that sum to ``total`` (largest remainder)."""
    share = total * weights / weights.sum()
    base: npt.NDArray[np.int64] = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    if rest:
        base[np.argsort(base - share, kind="stable")[:rest]] += 1
    return base


def is_weekend(local_us: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Local day is Saturday or Sunday (day 0 of the epoch was a Thursday)."""
    return np.asarray((local_us // DAY + 3) % 7 >= 5)


def build_schedule(
    geo: Geography, profile: HourProfile, n_reads: int, days: int, end: datetime
) -> Schedule:
    """Hourly weights and budgets over ``days`` days before ``end``."""
    end_us = to_us(end)
    start_us = end_us - days * DAY
    offsets = utc_offsets(geo, _EPOCH + timedelta(microseconds=(start_us + end_us) // 2))
    mid = start_us + np.arange(days * 24, dtype=np.int64) * HOUR + HOUR // 2
    local = mid[None, :] + offsets[:, None]
    hour_w = np.asarray(profile.weights)[(local // HOUR) % 24]
    weekend = is_weekend(local)
    weight = hour_w * np.where(weekend, profile.weekend_factor, 1.0)
    hourly = geo.city_weight @ weight
    budget = split_exact(n_reads, hourly)
    weekday_share = float((geo.city_weight @ np.where(weekend, 0.0, weight)).sum() / hourly.sum())
    weekdays = int(round(float(geo.city_weight @ (~weekend).sum(axis=1)) / 24))
    return Schedule(
        start_us, end_us, offsets, weight, budget, _block_hours(budget), weekday_share, weekdays
    )


def _block_hours(budget: npt.NDArray[np.int64]) -> int:
    """Largest divisor of 24 whose blocks hold at most MAX_BLOCK_READS reads (or 1 hour)."""
    for hours in (24, 12, 8, 6, 4, 3, 2):
        if budget.reshape(-1, hours).sum(axis=1).max() <= MAX_BLOCK_READS:
            return hours
    return 1
