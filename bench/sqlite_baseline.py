"""The baseline: SQLite with B-tree indexes on (plate, ts) and (camera_id, ts), same data.

Reads are stored flat (camera id, time, plate, state, confidence, colour, type, make, lat, lon) —
the columns the benchmark queries touch — with WAL and synchronous=NORMAL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

COLUMNS = ("camera_id", "ts", "plate", "plate_state", "confidence", "color", "vehicle_type",
           "make", "lat", "lon")  # fmt: skip


class SqliteBaseline:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute("PRAGMA cache_size=-2000000")
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS reads (id INTEGER PRIMARY KEY, camera_id TEXT, ts INTEGER,"
            " plate TEXT, plate_state TEXT, confidence REAL, color TEXT, vehicle_type TEXT,"
            " make TEXT, lat REAL, lon REAL)"
        )

    def _rows(self, table: pa.Table) -> Iterable[tuple[Any, ...]]:
        t = table.select(list(COLUMNS))
        ts = t.column("ts").cast(pa.int64()).to_pylist()  # microseconds
        cols = [t.column(c).to_pylist() for c in COLUMNS]
        cols[1] = ts
        return zip(*cols, strict=True)

    def insert(self, table: pa.Table) -> None:
        self.con.execute("BEGIN")
        self.con.executemany(
            "INSERT INTO reads (camera_id, ts, plate, plate_state, confidence, color, "
            "vehicle_type, make, lat, lon) VALUES (?,?,?,?,?,?,?,?,?,?)",
            self._rows(table),
        )
        self.con.execute("COMMIT")

    def create_indexes(self) -> None:
        self.con.execute("CREATE INDEX IF NOT EXISTS by_plate ON reads (plate, ts)")
        self.con.execute("CREATE INDEX IF NOT EXISTS by_camera ON reads (camera_id, ts)")
        self.con.execute("ANALYZE")

    def exact(self, plate: str) -> list[tuple[Any, ...]]:
        return self.con.execute(
            "SELECT * FROM reads WHERE plate = ? ORDER BY ts DESC LIMIT 100", [plate]
        ).fetchall()

    def plates_in(self, plates: Sequence[str], limit: int = 100) -> list[tuple[Any, ...]]:
        marks = ",".join("?" * len(plates))
        return self.con.execute(
            f"SELECT * FROM reads WHERE plate IN ({marks}) ORDER BY plate, ts DESC LIMIT ?",
            [*plates, limit],
        ).fetchall()

    def plates_in_temp(self, plates: set[str], limit: int = 100) -> list[tuple[Any, ...]]:
        """Join a temp table of candidate plates against the plate index."""
        self.con.execute("CREATE TEMP TABLE IF NOT EXISTS cand (p TEXT PRIMARY KEY)")
        self.con.execute("DELETE FROM cand")
        self.con.executemany("INSERT INTO cand VALUES (?)", [(p,) for p in plates])
        return self.con.execute(
            "SELECT r.* FROM cand JOIN reads r ON r.plate = cand.p "
            "ORDER BY r.plate, r.ts DESC LIMIT ?",
            [limit],
        ).fetchall()

    def like(self, pattern: str, limit: int = 100) -> list[tuple[Any, ...]]:
        lo = pattern.split("%", maxsplit=1)[0].split("_", maxsplit=1)[0]
        if lo:  # prefix: use the index range
            hi = lo[:-1] + chr(ord(lo[-1]) + 1)
            return self.con.execute(
                "SELECT * FROM reads WHERE plate >= ? AND plate < ? AND plate LIKE ? "
                "ORDER BY plate, ts DESC LIMIT ?",
                [lo, hi, pattern, limit],
            ).fetchall()
        return self.con.execute(
            "SELECT * FROM reads WHERE plate LIKE ? ORDER BY plate, ts DESC LIMIT ?",
            [pattern, limit],
        ).fetchall()

    def distinct_plates(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT plate FROM reads")]

    def camera_window(self, cameras: Sequence[str], start: datetime, end: datetime) -> list[Any]:
        marks = ",".join("?" * len(cameras))
        return self.con.execute(
            f"SELECT * FROM reads WHERE camera_id IN ({marks}) AND ts >= ? AND ts < ? "
            "ORDER BY ts DESC LIMIT 1000",
            [*cameras, _us(start), _us(end)],
        ).fetchall()

    def description(
        self, cameras: Sequence[str], start: datetime, end: datetime, color: str, make: str,
        vtype: str,
    ) -> list[Any]:  # fmt: skip
        marks = ",".join("?" * len(cameras))
        return self.con.execute(
            f"SELECT * FROM reads WHERE camera_id IN ({marks}) AND ts >= ? AND ts < ? "
            "AND color = ? AND make = ? AND vehicle_type = ? ORDER BY ts DESC LIMIT 1000",
            [*cameras, _us(start), _us(end), color, make, vtype],
        ).fetchall()

    def timeline(self, plate: str) -> list[Any]:
        return self.con.execute(
            "SELECT * FROM reads WHERE plate = ? ORDER BY ts", [plate]
        ).fetchall()

    def purge_day(self, start: datetime, end: datetime) -> int:
        cur = self.con.execute("DELETE FROM reads WHERE ts >= ? AND ts < ?", [_us(start), _us(end)])
        return cur.rowcount

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))

    def close(self) -> None:
        self.con.close()


def _us(ts: datetime) -> int:
    return int(ts.timestamp() * 1_000_000)


class NoBaseline:
    """``bench/run.py --no-baseline``: the store's figures alone, when there is no time to load
    SQLite too (its column then reads 0 and means nothing)."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: 0 if name in ("size", "purge_day") else []
