"""Plate-day postings: on which days the compacted runs hold reads of a plate.

Why (measurements in ``docs/storage.md``): ``reads`` is a sequence of day runs sorted by
(plate, ts). A plate predicate alone makes DuckDB visit one row group per run through its zone
maps, about one per day of data, whether or not the plate was read that day. Knowing the days, a
lookup adds the ``ts`` ranges of those days, which the zone maps prune on too: a plate read on 4
of 30 days costs 4 row groups instead of 30.

- **In memory only** (nothing on disk: a persisted table cost 4 B per read): for the
  :data:`WINDOW_DAYS` most recent days, one ``uint64`` bitmask per plate (bit ``day % 64``)
  beside the plate's ``uint64`` key (``domain.plate_codes``), in a sorted main array and a small
  sorted delta that compaction merges into; 16 bytes per distinct plate. Days older than the
  window are always scanned (no pruning, same answers).
- **Built** in a background thread from the runs, one day at a time, the first time a lookup
  asks (``start_loading``); until it is done lookups scan every day, as before postings.
  Compaction notes its (day, plate) pairs from the start, so nothing that moves during the
  build is missed.
- **Superset rule**: a bit may be set for a day without reads of the plate (after a purge, or a
  compaction that rolled back), never unset for a day that has some. Compaction sets the bits
  *before* its rows move, under the exclusive side of a readers-writer lock that lookups hold
  shared from reading the bits until their query has returned; so no lookup can see moved rows
  with bits from before the move. ``reads_hot`` is never pruned.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from plateledger.domain.plate_codes import U64, encode, encode_array
from plateledger.domain.plates import MAX_PLATE_LENGTH
from plateledger.errors import ValidationError

log = logging.getLogger(__name__)

WINDOW_DAYS = 64
DELTA_MERGE = 1_000_000
MAX_PLATES = 256  # more plates than this in one lookup: their days are nearly all days anyway
_EPOCH = date(1970, 1, 1)
_ONE = np.uint64(1)

DaysLoader = Callable[[], list[date]]  # the days the runs hold, in order
PlatesLoader = Callable[[date], pa.Array]  # day -> the distinct plates of that day's runs


class RWLock:
    """Many readers or one writer; a waiting writer holds back new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


def _ordinal(day: date) -> int:
    return (day - _EPOCH).days


def _combine(keys: U64, masks: U64) -> tuple[U64, U64]:
    """Sorted distinct keys with the OR of their masks."""
    if not len(keys):
        return keys, masks
    order = np.argsort(keys, kind="stable")
    keys, masks = keys[order], masks[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.bitwise_or.reduceat(masks, starts)


class PlateDays:
    """The in-memory side (see the module doc). Thread-safe."""

    def __init__(self, days: DaysLoader, plates_of_day: PlatesLoader) -> None:
        self.lock = RWLock()
        self._days = days
        self._plates_of_day = plates_of_day
        self._loader: threading.Thread | None = None
        self._start = threading.Lock()
        self._closing = False
        self._loaded = False
        self._disabled = False
        self.enabled = True  # False: lookups scan every day (benchmarks, diagnosis)
        self._newest: int | None = None  # day ordinal the window ends on
        self._keys: U64 = np.zeros(0, np.uint64)
        self._masks: U64 = np.zeros(0, np.uint64)
        self._dkeys: U64 = np.zeros(0, np.uint64)
        self._dmasks: U64 = np.zeros(0, np.uint64)

    # --- writes (compaction, load) -------------------------------------------------------------
    def note(self, pairs: pa.Table) -> None:
        """Set the bits of ``pairs`` (columns ``day``, ``plate``) before their rows move into
        runs. Waits for lookups in flight."""
        with self.lock.exclusive():
            self._add(pairs)

    def _add(self, pairs: pa.Table) -> None:
        if self._disabled or pairs.num_rows == 0:
            return
        days = pairs.column("day").cast(pa.date32()).combine_chunks()
        ordinals = np.asarray(days.cast(pa.int32()).to_numpy(zero_copy_only=False), np.int64)
        try:
            keys = encode_array(pairs.column("plate").combine_chunks())
        except ValidationError:  # a stored plate that is not canonical: no pruning at all
            log.warning("plate-day postings off: a stored plate is not canonical")
            self._disabled = True
            return
        self._slide(int(ordinals.max()))
        assert self._newest is not None
        inside = ordinals > self._newest - WINDOW_DAYS
        bits = _ONE << (ordinals[inside] % WINDOW_DAYS).astype(np.uint64)
        dkeys = np.concatenate((self._dkeys, keys[inside]))
        dmasks = np.concatenate((self._dmasks, bits.astype(np.uint64)))
        self._dkeys, self._dmasks = _combine(dkeys, dmasks)
        if len(self._dkeys) > DELTA_MERGE:
            self._keys, self._masks = _combine(
                np.concatenate((self._keys, self._dkeys)),
                np.concatenate((self._masks, self._dmasks)),
            )
            self._dkeys, self._dmasks = np.zeros(0, np.uint64), np.zeros(0, np.uint64)

    def _slide(self, newest: int) -> None:
        """Move the window's end to ``newest``: the bits of days that fall out are cleared."""
        if self._newest is not None and newest <= self._newest:
            return
        if self._newest is not None:
            fresh = range(self._newest + 1, min(newest, self._newest + WINDOW_DAYS) + 1)
            clear = np.uint64(0)
            for day in fresh:
                clear |= _ONE << np.uint64(day % WINDOW_DAYS)
            self._masks &= ~clear
            self._dmasks &= ~clear
        self._newest = newest

    def start_loading(self) -> None:
        """Build the window from the runs in a background thread (once)."""
        if self._loader is not None:
            return
        with self._start:
            if self._loader is None:
                self._loader = threading.Thread(target=self._build, name="plate-days", daemon=True)
                self._loader.start()

    def ensure_loaded(self) -> None:
        """Build the window now and wait for it (tests, benchmarks)."""
        self.start_loading()
        assert self._loader is not None
        self._loader.join()

    def close(self) -> None:
        self._closing = True
        if self._loader is not None:
            self._loader.join(timeout=30)

    def _build(self) -> None:
        """One ``SELECT DISTINCT plate`` per day of the window, combined outside the lock and
        merged in once (notes that arrive meanwhile go to the delta and are kept)."""
        try:
            days = self._days()
            first = days[-1] - timedelta(days=WINDOW_DAYS - 1) if days else None
            key_parts: list[U64] = [np.zeros(0, np.uint64)]
            bit_parts: list[U64] = [np.zeros(0, np.uint64)]
            for day in (d for d in days if first is not None and d >= first):
                if self._closing:
                    return
                keys = encode_array(self._plates_of_day(day))
                bit = _ONE << np.uint64(_ordinal(day) % WINDOW_DAYS)
                key_parts.append(keys)
                bit_parts.append(np.full(len(keys), bit, np.uint64))
            keys, masks = _combine(np.concatenate(key_parts), np.concatenate(bit_parts))
            with self.lock.exclusive():
                if days:
                    self._slide(_ordinal(days[-1]))
                self._keys, self._masks = _combine(
                    np.concatenate((self._keys, keys)), np.concatenate((self._masks, masks))
                )
                self._loaded = True
        except ValidationError:  # a stored plate that is not canonical: no pruning at all
            log.warning("plate-day postings off: a stored plate is not canonical")
            self._disabled = True
        except Exception:  # the store closing under it, or a bug: lookups keep scanning all days
            log.exception("plate-day postings not built; plate lookups scan every day")

    # --- reads ---------------------------------------------------------------------------------
    def days_clause(self, plates: Sequence[str]) -> tuple[str, list[datetime]] | None:
        """A predicate on ``ts`` for the runs (``reads``) that keeps only the days ``plates``
        were read on within the window, and every day before it; None when it would not
        restrict anything. Call it holding ``lock.shared()`` through the query."""
        if not plates or len(plates) > MAX_PLATES or not self._loaded or not self.enabled:
            return None
        if self._disabled or self._newest is None:
            return None
        mask = self._mask_of(plates)
        if mask is None:
            return None
        first = self._newest - WINDOW_DAYS + 1
        days = [d for d in range(first, self._newest + 1) if mask >> (d % WINDOW_DAYS) & 1]
        if len(days) == WINDOW_DAYS:
            return None
        parts, params = ["ts < ?"], [_start(first)]
        for lo, hi in _ranges(days):
            parts.append("(ts >= ? AND ts < ?)")
            params.extend([_start(lo), _start(hi + 1)])
        return "(" + " OR ".join(parts) + ")", params

    def _mask_of(self, plates: Sequence[str]) -> int | None:
        if not all(_canonical(p) for p in plates):
            return None  # not a stored plate's form: scan every day
        keys = np.array([encode(p) for p in plates], dtype=np.uint64)
        mask = 0
        for sorted_keys, masks in ((self._keys, self._masks), (self._dkeys, self._dmasks)):
            mask |= _lookup(sorted_keys, masks, keys)
        return mask

    def nbytes(self) -> int:
        return int(
            self._keys.nbytes + self._masks.nbytes + self._dkeys.nbytes + self._dmasks.nbytes
        )


def _lookup(sorted_keys: U64, masks: U64, keys: U64) -> int:
    if not len(sorted_keys):
        return 0
    at = np.searchsorted(sorted_keys, keys)
    found = at < len(sorted_keys)
    hit: npt.NDArray[np.bool_] = np.zeros(len(keys), np.bool_)
    hit[found] = sorted_keys[at[found]] == keys[found]
    return int(np.bitwise_or.reduce(masks[at[hit]], initial=np.uint64(0)))


def _canonical(plate: str) -> bool:
    return (
        0 < len(plate) <= MAX_PLATE_LENGTH
        and plate.isascii()
        and plate.isalnum()
        and (plate.upper() == plate)
    )


def _start(ordinal: int) -> datetime:
    day = _EPOCH + timedelta(days=ordinal)
    return datetime(day.year, day.month, day.day)


def _ranges(days: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Runs of consecutive day ordinals as (first, last)."""
    start = prev = None
    for d in days:
        if start is None:
            start = prev = d
        elif d == prev + 1:  # type: ignore[operator]
            prev = d
        else:
            yield start, prev  # type: ignore[misc]
            start = prev = d
    if start is not None:
        yield start, prev  # type: ignore[misc]
