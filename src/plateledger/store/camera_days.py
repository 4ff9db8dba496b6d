"""The camera projection: the newest :data:`CAMERA_DAYS` days of reads again, sorted by camera.

Why (measurements in ``docs/storage.md``): ``reads`` is sorted by plate within each day, so every
row group of a day spans the whole day and every camera; a camera × time window therefore scans
the whole day (about 400 row groups a day at 100 M reads over 30 days). ``reads_cam`` holds the
same rows for the newest days sorted by (day, camera_key, ts), so the zone maps of ``camera_key``
and ``ts`` find a camera's hour in one or two row groups. It costs the bytes of those days a
second time (``CAMERA_DAYS`` / retention days of the store's size).

Rules that keep the copy exact (``tests/store/test_camera_days.py`` checks them):

- Rows enter ``reads_cam`` only in the transaction that moves them into ``reads`` (compaction),
  and only for days from :attr:`CameraDays.first_day` on; a bulk load rebuilds the copy once at
  its end (:meth:`CameraDays.rebuild`), with the copy out of use meanwhile.
- Every delete or update of ``reads`` does the same to ``reads_cam`` (``writer.delete_day``,
  ``writer.delete_before``, the demo's crop update): a purged read is never found through it.
- Lookups use the copy only for a window that starts on or after ``first_day`` with a camera or
  area filter and no plate, and hold ``lock`` shared until their query returns; moving
  ``first_day`` forward takes it exclusively *before* the older days are deleted, so no lookup
  can miss a day that left the copy. A day entering the copy is still in ``reads_hot`` for any
  lookup that does not see the compaction's commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import duckdb

from plateledger.store.base import ReadFilters
from plateledger.store.plate_days import RWLock
from plateledger.store.read_query import naive_utc
from plateledger.store.writer import COPY_TABLE as TABLE

CAMERA_DAYS = 3
_META = "camera_days_from"
_ORDER = "CAST(ts AS DATE), camera_key, ts"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


class CameraDays:
    """Which days ``reads_cam`` holds, and the SQL that keeps it equal to ``reads`` there."""

    def __init__(self, con: duckdb.DuckDBPyConnection, days: int = CAMERA_DAYS) -> None:
        self.lock = RWLock()
        self.days = days
        row = con.execute("SELECT value FROM meta WHERE key = ?", [_META]).fetchone()
        self.first_day: date | None = date.fromisoformat(str(row[0])) if row and row[0] else None
        self._paused = False

    # --- lookups -------------------------------------------------------------------------------
    def serves(self, plates: Sequence[str] | None, filters: ReadFilters) -> bool:
        """Whether a lookup may read ``reads_cam`` instead of ``reads`` (hold ``lock`` shared)."""
        if plates is not None or self.first_day is None or self._paused:
            return False
        if filters.cameras is None and filters.bbox is None:
            return False
        start = filters.time_from
        return start is not None and naive_utc(start) >= _midnight(self.first_day)

    # --- writes (inside the caller's transaction) ----------------------------------------------
    def after_move(
        self, con: duckdb.DuckDBPyConnection, source: str, where: str, params: list[object],
        days: Sequence[date],
    ) -> None:  # fmt: skip
        """Copy the moved rows of the copy's days and slide the window to the newest day. Call it
        after the rows are in ``reads`` and before they leave ``source``."""
        if not days or self._paused:
            return
        first = max(days[-1] - timedelta(days=self.days - 1), self.first_day or date.min)
        if self.first_day is None:  # a store from before the copy: copy its newest days whole
            self._slide(con, first)
            con.execute(f"DELETE FROM {TABLE}")
            con.execute(
                f"INSERT INTO {TABLE} SELECT * FROM reads WHERE ts >= ? ORDER BY {_ORDER}",
                [_midnight(first)],
            )
            return
        if first > self.first_day:
            self._slide(con, first)
        con.execute(
            f"INSERT INTO {TABLE} SELECT * FROM {source} WHERE ({where}) AND ts >= ? "
            f"ORDER BY {_ORDER}",
            [*params, _midnight(first)],
        )

    def _slide(self, con: duckdb.DuckDBPyConnection, first: date) -> None:
        with self.lock.exclusive():  # lookups from now on read ``reads`` before ``first``
            self.first_day = first
        con.execute(f"DELETE FROM {TABLE} WHERE ts < ?", [_midnight(first)])
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_META, first.isoformat()])

    def pause(self) -> None:
        """Out of use (a bulk load follows; :meth:`rebuild` ends it)."""
        with self.lock.exclusive():
            self._paused = True

    def rebuild(self, con: duckdb.DuckDBPyConnection) -> None:
        """Copy the newest days of ``reads`` afresh (after a bulk load), in one transaction."""
        row = con.execute("SELECT max(ts) FROM reads").fetchone()
        newest = row[0] if row else None
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"DELETE FROM {TABLE}")
            if newest is not None:
                first = newest.date() - timedelta(days=self.days - 1)
                con.execute(
                    f"INSERT INTO {TABLE} SELECT * FROM reads WHERE ts >= ? ORDER BY {_ORDER}",
                    [_midnight(first)],
                )
                con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_META, first.isoformat()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        with self.lock.exclusive():
            self.first_day = (newest.date() - timedelta(days=self.days - 1)) if newest else None
            self._paused = False
