"""The embedded store: one DuckDB file in the data directory.

Layout and why (measurements in ``bench/README.md``):
- ``reads`` holds compacted *runs*, each sorted by (plate, ts), appended in day order, in row
  groups of 8,192 rows. A plate lookup touches about one row group per run via zone maps;
  camera/time lookups prune to one day's runs by the ``ts`` zone maps; deleting a day removes
  contiguous row groups, whose blocks are freed at checkpoint.
- ``reads_hot`` is the arrival-order tail that ingest appends to; ``compact`` moves it into runs.
- ``plate_dict`` holds the distinct plates of the compacted runs, so the search layer can load
  its in-memory plate dictionary without scanning every read.
- In memory, the plate-day postings (``plate_days``) say on which days a plate was read, so a
  plate lookup visits only those days' row groups.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from plateledger.domain.types import Agency, AgencyId, Camera, Network, User
from plateledger.errors import DataDirInUseError, StoreError
from plateledger.store import registry, writer
from plateledger.store.base import (
    AppendResult,
    CompactionStats,
    StoreStats,
    Token,
)
from plateledger.store.camera_days import CameraDays
from plateledger.store.lookups import ReadLookups
from plateledger.store.migrations import READ_COLUMNS_DDL, migrate
from plateledger.store.parquet import export_parquet, import_parquet_tables
from plateledger.store.plate_days import PlateDays
from plateledger.store.policy_store import PolicyTables
from plateledger.store.purge import Purges
from plateledger.store.read_query import (
    Keys,
)

log = logging.getLogger(__name__)

DB_FILE = "plateledger.duckdb"
ROW_GROUP_SIZE = 8192
HOT_COMPACT_ROWS = 250_000
BULK_STAGE = "temp.main.bulk_stage"
BULK_COMPACT_ROWS = 4_000_000


class DuckDBStore(PolicyTables, Purges, ReadLookups):
    """ReadStore on one DuckDB file. Thread-safe: each thread gets its own cursor."""

    def __init__(self, data_dir: Path, *, memory_limit: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = self.data_dir / DB_FILE
        self._con = _open(self.path, memory_limit)
        _make_private(self.data_dir, self.path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._meta: dict[str, str | None] = {}  # get_meta's answers, dropped by set_meta
        self._meta_lock = threading.Lock()
        self._meta_writes = 0
        migrate(self._con)
        self._next_id = self._load_next_id()
        self._keys = self._load_keys()
        self._agencies = registry.load_agencies(self._con)
        self._load_policy_tables()
        self.plate_days = PlateDays(self._days_of_runs, self._plates_of_day)
        self.camera_days = CameraDays(self._con)

    # --- connection plumbing -------------------------------------------------------------
    def _cur(self) -> duckdb.DuckDBPyConnection:
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._con.cursor()
            cur.execute(f"USE {writer.DB_ALIAS}")
            self._local.cur = cur
        return cur

    def _load_next_id(self) -> int:
        row = self._con.execute("SELECT value FROM meta WHERE key = 'next_read_id'").fetchone()
        return int(row[0]) if row else 1

    def _load_keys(self) -> Keys:
        nets = registry.load_networks(self._con)
        cams = registry.load_cameras(self._con)
        return Keys(
            network_key={n.id: k for k, n in nets},
            network_by_key=dict(nets),
            camera_key={c.id: k for k, c in cams},
            camera_by_key=dict(cams),
        )

    def close(self) -> None:
        self.plate_days.close()
        try:
            self.checkpoint()
        finally:
            self._con.close()

    # --- registry ------------------------------------------------------------------------
    def upsert_agencies(self, agencies: Iterable[Agency]) -> None:
        with self._write_lock:
            registry.upsert_agencies(self._cur(), agencies)
            self._agencies = registry.load_agencies(self._cur())

    def upsert_networks(self, networks: Iterable[Network]) -> None:
        with self._write_lock:
            registry.upsert_networks(self._cur(), networks)
            self._keys = self._load_keys()
        self._agencies = registry.load_agencies(self._con)
        self._load_policy_tables()

    def upsert_cameras(self, cameras: Iterable[Camera]) -> None:
        with self._write_lock:
            registry.upsert_cameras(self._cur(), cameras)
            self._keys = self._load_keys()
        self._agencies = registry.load_agencies(self._con)
        self._load_policy_tables()

    def upsert_users(self, users: Iterable[User]) -> None:
        registry.upsert_users(self._cur(), users)

    def agencies(self) -> list[Agency]:
        return list(self._agencies)  # cached: read on every search

    def agency(self, agency_id: AgencyId) -> Agency | None:
        return next((a for a in self.agencies() if a.id == agency_id), None)

    def network_keys(self) -> dict[int, Network]:
        """Networks by their internal key (the `network_key` column of reads)."""
        return dict(self._keys.network_by_key)

    def networks(self) -> list[Network]:
        return list(self._keys.network_by_key.values())

    def cameras(self) -> list[Camera]:
        return list(self._keys.camera_by_key.values())

    def users(self) -> list[User]:
        return registry.load_users(self._cur())

    def add_token(self, token: Token) -> None:
        registry.add_token(self._cur(), token)

    def user_for_token_hash(self, token_hash: str, now: datetime) -> User | None:
        return registry.user_for_token_hash(self._cur(), token_hash, writer.naive(now))

    # --- writes --------------------------------------------------------------------------
    def append(
        self, table: pa.Table, *, target: str = "reads_hot",
        before_commit: Callable[[int, int], object] | None = None,
    ) -> AppendResult:  # fmt: skip
        """Durably append one batch (a single transaction). Returns the ids assigned.
        ``before_commit(first, last)`` runs inside the transaction (an audit append): if it
        raises, nothing is stored."""
        if table.num_rows == 0:
            return AppendResult(0, 0, -1)
        cur = self._cur()
        with self._write_lock:
            first = self._next_id
            last = first + table.num_rows - 1
            cur.execute("BEGIN TRANSACTION")
            try:
                writer.insert_batch(cur, table, first, target)
                cur.execute("UPDATE meta SET value = ? WHERE key = 'next_read_id'", [str(last + 1)])
                if before_commit is not None:
                    before_commit(first, last)
                cur.execute("COMMIT")
            except Exception:
                cur.execute("ROLLBACK")
                raise
            self._next_id = last + 1
        return AppendResult(table.num_rows, first, last)

    def hot_rows(self) -> int:
        row = self._cur().execute("SELECT count(*) FROM reads_hot").fetchone()
        return int(row[0]) if row else 0

    def compact(self, *, everything: bool = False) -> CompactionStats:
        """Move hot reads into sorted runs; merge days that have too many runs."""
        started = time.perf_counter()
        cur = self._cur()
        with self._write_lock:
            upto = self._next_id - 1
            cur.execute("BEGIN TRANSACTION")
            try:
                moved, days = writer.compact_hot(
                    cur, upto, self.plate_days.note, self.camera_days.after_move
                )
                cur.execute("COMMIT")
            except Exception:
                cur.execute("ROLLBACK")
                raise
        merged = self.merge_days(min_runs=1 if everything else writer.MERGE_AFTER_RUNS)
        stats = CompactionStats(moved, tuple(days), tuple(merged), time.perf_counter() - started)
        log.info("compacted %d reads over %d days, merged %d days", moved, len(days), len(merged))
        return stats

    def merge_days(self, *, min_runs: int) -> list[date]:
        cur = self._cur()
        merged: list[date] = []
        for day in writer.days_to_merge(cur, max(min_runs, 2)):
            with self._write_lock:
                cur.execute("BEGIN TRANSACTION")
                try:
                    writer.merge_day(cur, day)
                    cur.execute("COMMIT")
                except Exception:
                    cur.execute("ROLLBACK")
                    raise
            merged.append(day)
        return merged

    def bulk_load(self, tables: Iterable[pa.Table]) -> int:
        """Load many batches fast. Batches are staged in a temporary table (outside the file)
        and written as sorted day runs every few million rows, so the file holds no staging
        garbage. Input in time order gives one run per day; any order is correct."""
        cur = self._cur()
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {BULK_STAGE} ({READ_COLUMNS_DDL})")
        total = staged = 0
        self.camera_days.pause()  # out of use until rebuilt once at the end
        try:
            for table in tables:
                self.append(table, target=BULK_STAGE)
                total += table.num_rows
                staged += table.num_rows
                if staged >= BULK_COMPACT_ROWS:
                    staged -= self._flush_stage(complete_days_only=True)
            self._flush_stage(complete_days_only=False)
        finally:
            cur.execute(f"DROP TABLE IF EXISTS {BULK_STAGE}")
            with self._write_lock:
                self.camera_days.rebuild(cur)
        self.merge_days(min_runs=2)
        self.checkpoint()
        return total

    def _flush_stage(self, *, complete_days_only: bool) -> int:
        cur = self._cur()
        where, params = "TRUE", []
        if complete_days_only:
            row = cur.execute(f"SELECT max(CAST(ts AS DATE)) FROM {BULK_STAGE}").fetchone()
            last_day = row[0] if row else None
            share = cur.execute(
                f"SELECT avg(CASE WHEN CAST(ts AS DATE) = ? THEN 1 ELSE 0 END) FROM {BULK_STAGE}",
                [last_day],
            ).fetchone()
            if last_day is not None and share and share[0] is not None and share[0] < 0.5:
                where, params = "CAST(ts AS DATE) < ?", [last_day]
        started = time.perf_counter()
        with self._write_lock:
            cur.execute("BEGIN TRANSACTION")
            try:
                moved, days = writer.move_to_runs(
                    cur, BULK_STAGE, where, params, self.plate_days.note,
                    self.camera_days.after_move,
                )  # fmt: skip
                cur.execute("COMMIT")
            except Exception:
                cur.execute("ROLLBACK")
                raise
        log.info(
            "bulk flush: %d reads over %d days in %.2f s", moved, len(days),
            time.perf_counter() - started,
        )  # fmt: skip
        return moved

    def checkpoint(self) -> bool:
        """Fold the write-ahead log into the file; False if a concurrent writer prevented it
        (DuckDB checkpoints again on its own later)."""
        try:
            self._cur().execute("CHECKPOINT")
        except duckdb.TransactionException:
            log.info("checkpoint deferred: another write transaction is active")
            return False
        return True

    # --- exchange ------------------------------------------------------------------------
    def export_parquet(self, out_dir: Path, days: Sequence[date] | None = None) -> int:
        return export_parquet(self._cur(), out_dir, days)

    def import_parquet(self, path: Path) -> int:
        reader = self._con.cursor()  # its own cursor: the stream stays open during appends
        reader.execute(f"USE {writer.DB_ALIAS}")
        try:
            return self.bulk_load(import_parquet_tables(reader, path))
        finally:
            reader.close()

    def stats(self) -> StoreStats:
        cur = self._cur()
        row = cur.execute(
            "SELECT (SELECT count(*) FROM reads), (SELECT count(*) FROM reads_hot), "
            "(SELECT count(*) FROM plate_dict), (SELECT count(DISTINCT day) FROM runs), "
            "(SELECT min(ts) FROM reads), (SELECT max(ts) FROM reads)"
        ).fetchone()
        assert row is not None
        per_network = dict(
            cur.execute(
                "SELECT network_key, count(*) FROM (SELECT network_key FROM reads UNION ALL "
                "SELECT network_key FROM reads_hot) GROUP BY 1"
            ).fetchall()
        )
        return StoreStats(
            reads=int(row[0]) + int(row[1]),
            hot_reads=int(row[1]),
            distinct_plates=int(row[2]),
            days=int(row[3]),
            bytes_on_disk=self.path.stat().st_size,
            min_ts=writer.aware(row[4]),
            max_ts=writer.aware(row[5]),
            per_network={self._keys.network_by_key[k].id: v for k, v in per_network.items()},
        )

    def get_meta(self, key: str) -> str | None:
        """A ``meta`` value, remembered after the first read (every search reads its agency's
        read ceiling). Only ``set_meta`` may change a key read through here; the store's own
        bookkeeping keys (``next_read_id``, ``camera_days_from``) are never read through it."""
        with self._meta_lock:
            if key in self._meta:
                return self._meta[key]
            generation = self._meta_writes
        row = self._cur().execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        value = None if row is None else str(row[0])
        with self._meta_lock:
            if self._meta_writes == generation:  # no set_meta since the read began
                self._meta[key] = value
        return value

    def set_meta(self, key: str, value: str) -> None:
        try:
            self._cur().execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        finally:
            with self._meta_lock:  # read back afresh: also right if the write failed
                self._meta_writes += 1
                self._meta.pop(key, None)

    def record_search(self, row: Sequence[Any]) -> None:
        """Durably insert one search_log row (committed before this returns)."""
        self._cur().execute(
            "INSERT INTO search_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", list(row)
        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run parameterised SQL on this thread's cursor (for the search log and tools)."""
        return self._cur().execute(sql, list(params)).fetchall()


def _open(path: Path, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"memory_limit": memory_limit} if memory_limit else {})
    try:
        con.execute(
            f"ATTACH '{_quote(path)}' AS {writer.DB_ALIAS} (ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        )
    except duckdb.IOException as exc:
        con.close()
        if "lock" in str(exc).lower():
            raise DataDirInUseError(
                f"data directory {path.parent} is in use by another plateledger process "
                "(a running server?); stop it or use the HTTP API",
                {"path": str(path)},
            ) from exc
        raise StoreError(f"cannot open {path}: {exc}", {"path": str(path)}) from exc
    con.execute(f"USE {writer.DB_ALIAS}")
    return con


def _make_private(directory: Path, db: Path) -> None:
    """Reads, token hashes and keys are for the service user only: directory 0700, file 0600."""
    try:
        directory.chmod(0o700)
        db.chmod(0o600)
    except PermissionError:  # not the owner (a shared mount): say so, keep serving
        log.warning("cannot make %s private (chmod 0700): not its owner", directory)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
