"""The ReadStore contract: what the search, ingest and API layers may ask of any backend.

Backends: ``duckdb_store.DuckDBStore`` (embedded default). A Spark backend over the same Parquet
layout implements the same protocol later. Values crossing this boundary are frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import pyarrow as pa

from plateledger.domain.types import (
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    Read,
    User,
    UserId,
)

ReadOrder = Literal["ts_desc", "ts_asc", "plate_ts"]


class Sql(Protocol):
    """Parameterised SQL on the store (``DuckDBStore.execute``): what a context's own
    ``tables`` module needs, and nothing else."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


@dataclass(frozen=True, slots=True)
class BBox:
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


@dataclass(frozen=True, slots=True)
class Scope:
    """Which owner networks a query may read, each with its retention cutoff.

    Built by the search path from the policy decisions: a network absent from ``networks`` is
    never read; a read older than its network's cutoff is never returned.
    """

    networks: Mapping[NetworkId, datetime | None]


@dataclass(frozen=True, slots=True)
class ReadFilters:
    """Filters other than the plate. ``cameras`` is the resolved camera set (area filters are
    turned into cameras by the search layer, plus ``bbox`` for mobile-camera reads)."""

    time_from: datetime | None = None
    time_to: datetime | None = None
    cameras: frozenset[CameraId] | None = None
    bbox: BBox | None = None
    plate_state: str | None = None
    color: str | None = None
    vehicle_type: str | None = None
    make: str | None = None


@dataclass(frozen=True, slots=True)
class AppendResult:
    count: int
    first_id: int
    last_id: int


@dataclass(frozen=True, slots=True)
class PurgeReceipt:
    """Evidence of a deletion, handed to the audit log."""

    day: date
    networks: tuple[NetworkId, ...]
    count: int
    bytes_freed: int
    seconds: float


@dataclass(frozen=True, slots=True)
class CompactionStats:
    moved: int
    days: tuple[date, ...]
    merged_days: tuple[date, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class StoreStats:
    reads: int
    hot_reads: int
    distinct_plates: int
    days: int
    bytes_on_disk: int
    min_ts: datetime | None
    max_ts: datetime | None
    per_network: Mapping[NetworkId, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The figures as ``plateledger stats`` and ``GET /api/v1/stats`` print them."""
        return {
            "reads": self.reads,
            "hot_reads": self.hot_reads,
            "distinct_plates": self.distinct_plates,
            "days": self.days,
            "bytes_on_disk": self.bytes_on_disk,
            "bytes_per_read": round(self.bytes_on_disk / self.reads, 1) if self.reads else None,
            "min_ts": self.min_ts.isoformat() if self.min_ts else None,
            "max_ts": self.max_ts.isoformat() if self.max_ts else None,
            "per_network": dict(self.per_network),
        }


@dataclass(frozen=True, slots=True)
class Token:
    user_id: UserId
    token_hash: str
    label: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked: bool = False


class ReadStore(Protocol):
    """Registry of agencies/networks/cameras/users plus the read table."""

    # registry
    def upsert_agencies(self, agencies: Iterable[Agency]) -> None: ...
    def upsert_networks(self, networks: Iterable[Network]) -> None: ...
    def upsert_cameras(self, cameras: Iterable[Camera]) -> None: ...
    def upsert_users(self, users: Iterable[User]) -> None: ...
    def agencies(self) -> list[Agency]: ...
    def networks(self) -> list[Network]: ...
    def cameras(self) -> list[Camera]: ...
    def users(self) -> list[User]: ...
    def agency(self, agency_id: AgencyId) -> Agency | None: ...
    def add_token(self, token: Token) -> None: ...
    def user_for_token_hash(self, token_hash: str, now: datetime) -> User | None: ...

    # reads
    def append(self, table: pa.Table) -> AppendResult: ...
    def bulk_load(self, tables: Iterable[pa.Table]) -> int: ...
    def compact(self, *, everything: bool = False) -> CompactionStats: ...
    def find_reads(
        self,
        plates: Sequence[str] | None,
        filters: ReadFilters,
        scope: Scope,
        *,
        limit: int,
        offset: int = 0,
        order: ReadOrder = "ts_desc",
    ) -> list[Read]: ...
    def count_reads(
        self, plates: Sequence[str] | None, filters: ReadFilters, scope: Scope
    ) -> int: ...
    def distinct_plates(self) -> pa.Array: ...
    def purge_day(self, day: date, networks: Sequence[NetworkId] | None = None) -> PurgeReceipt: ...
    def export_parquet(self, out_dir: Path, days: Sequence[date] | None = None) -> int: ...
    def import_parquet(self, path: Path) -> int: ...
    def stats(self) -> StoreStats: ...
    def close(self) -> None: ...
