"""Read lookups of ``DuckDBStore`` (a mixin): plate and filter queries over the runs and the hot
tail, with the runs narrowed to the days the plates were read (``plate_days``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from plateledger.domain.types import Read
from plateledger.store import writer
from plateledger.store.base import ReadFilters, ReadOrder, Scope
from plateledger.store.camera_days import CameraDays
from plateledger.store.plate_days import PlateDays
from plateledger.store.read_query import Keys, count_sql, row_to_read, select_sql, where_clause
from plateledger.store.writer import COPY_TABLE


class ReadLookups:
    _keys: Keys
    _con: duckdb.DuckDBPyConnection
    plate_days: PlateDays
    camera_days: CameraDays

    def _cur(self) -> duckdb.DuckDBPyConnection:
        raise NotImplementedError  # DuckDBStore provides this thread's cursor

    def find_reads(
        self,
        plates: Sequence[str] | None,
        filters: ReadFilters,
        scope: Scope,
        *,
        limit: int,
        offset: int = 0,
        order: ReadOrder = "ts_desc",
    ) -> list[Read]:
        keys = self._keys
        built = where_clause(plates, filters, scope, keys)
        if built is None:
            return []
        where, params = built
        self.plate_days.start_loading()
        # The postings' days and the projection's days stay valid until the query returns.
        with self.plate_days.lock.shared(), self.camera_days.lock.shared():
            runs, days = self._runs_clause(where, plates)
            sql = select_sql(where, order, runs, self._runs_table(plates, filters))
            rows = self._cur().execute(sql, [*params, *days, *params, limit, offset]).fetchall()
        return [row_to_read(r, keys) for r in rows]

    def count_reads(self, plates: Sequence[str] | None, filters: ReadFilters, scope: Scope) -> int:
        built = where_clause(plates, filters, scope, self._keys)
        if built is None:
            return 0
        where, params = built
        self.plate_days.start_loading()
        with self.plate_days.lock.shared(), self.camera_days.lock.shared():
            runs, days = self._runs_clause(where, plates)
            sql = count_sql(where, runs, self._runs_table(plates, filters))
            row = self._cur().execute(sql, [*params, *days, *params]).fetchone()
        return int(row[0]) if row else 0

    def plate_times(
        self, plate: str, filters: ReadFilters, scope: Scope
    ) -> list[tuple[int, datetime]]:
        """(camera key, ts) of one plate's reads in the window and scope, through the plate-day
        postings (the convoy's target, ``store.analysis_query``)."""
        built = where_clause([plate], filters, scope, self._keys)
        if built is None:
            return []
        where, params = built
        self.plate_days.start_loading()
        with self.plate_days.lock.shared():
            runs, days = self._runs_clause(where, [plate])
            sql = (f"SELECT camera_key, ts FROM reads WHERE {runs} "
                   f"UNION ALL SELECT camera_key, ts FROM reads_hot WHERE {where}")  # fmt: skip
            rows = self._cur().execute(sql, [*params, *days, *params]).fetchall()
        return [(int(c), ts) for c, ts in rows]

    def _runs_clause(self, where: str, plates: Sequence[str] | None) -> tuple[str, list[Any]]:
        """``where`` for the runs, narrowed to the days the plates were read (plate_days)."""
        found = self.plate_days.days_clause(plates) if plates else None
        if found is None:
            return where, []
        return f"{where} AND {found[0]}", list(found[1])

    def _runs_table(self, plates: Sequence[str] | None, filters: ReadFilters) -> str:
        """``reads``, or its camera-sorted copy of the newest days (``camera_days``)."""
        return COPY_TABLE if self.camera_days.serves(plates, filters) else "reads"

    def _days_of_runs(self) -> list[date]:
        rows = (
            self._cur()
            .execute("SELECT DISTINCT CAST(ts AS DATE) AS d FROM reads ORDER BY d")
            .fetchall()
        )
        return [r[0] for r in rows]

    def _plates_of_day(self, day: date) -> pa.Array:
        start = datetime(day.year, day.month, day.day)
        table = writer.arrow_of(
            self._cur(), "SELECT DISTINCT plate FROM reads WHERE ts >= ? AND ts < ?",
            [start, start + timedelta(days=1)],
        )  # fmt: skip
        return table.column(0).combine_chunks()

    def distinct_plates(self) -> pa.Array:
        cur = self._con.cursor()  # a fresh cursor: no pending result of this thread's cursor
        try:
            cur.execute(f"USE {writer.DB_ALIAS}")
            table = cur.sql(
                "SELECT plate FROM plate_dict UNION SELECT DISTINCT plate FROM reads_hot"
            ).to_arrow_table()
        finally:
            cur.close()
        return table.column(0).combine_chunks()
