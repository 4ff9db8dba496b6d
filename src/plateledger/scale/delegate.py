"""The part of ``ReadStore`` a distributed read engine does not own: registry and writes.

``LocalDelegate`` forwards them to the embedded DuckDB store, so a Spark-backed store is a
complete ``ReadStore`` that only overrides the read side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

from plateledger.domain.types import Agency, AgencyId, Camera, Network, NetworkId, User
from plateledger.store.base import (
    AppendResult,
    CompactionStats,
    PurgeReceipt,
    ReadStore,
    StoreStats,
    Token,
)


class LocalDelegate:
    def __init__(self, local: ReadStore) -> None:
        self.local = local

    # registry
    def upsert_agencies(self, agencies: Iterable[Agency]) -> None:
        self.local.upsert_agencies(agencies)

    def upsert_networks(self, networks: Iterable[Network]) -> None:
        self.local.upsert_networks(networks)

    def upsert_cameras(self, cameras: Iterable[Camera]) -> None:
        self.local.upsert_cameras(cameras)

    def upsert_users(self, users: Iterable[User]) -> None:
        self.local.upsert_users(users)

    def agencies(self) -> list[Agency]:
        return self.local.agencies()

    def networks(self) -> list[Network]:
        return self.local.networks()

    def cameras(self) -> list[Camera]:
        return self.local.cameras()

    def users(self) -> list[User]:
        return self.local.users()

    def agency(self, agency_id: AgencyId) -> Agency | None:
        return self.local.agency(agency_id)

    def add_token(self, token: Token) -> None:
        self.local.add_token(token)

    def user_for_token_hash(self, token_hash: str, now: datetime) -> User | None:
        return self.local.user_for_token_hash(token_hash, now)

    # writes and maintenance
    def append(self, table: pa.Table) -> AppendResult:
        return self.local.append(table)

    def bulk_load(self, tables: Iterable[pa.Table]) -> int:
        return self.local.bulk_load(tables)

    def compact(self, *, everything: bool = False) -> CompactionStats:
        return self.local.compact(everything=everything)

    def purge_day(self, day: date, networks: Sequence[NetworkId] | None = None) -> PurgeReceipt:
        return self.local.purge_day(day, networks)

    def export_parquet(self, out_dir: Path, days: Sequence[date] | None = None) -> int:
        return self.local.export_parquet(out_dir, days)

    def import_parquet(self, path: Path) -> int:
        return self.local.import_parquet(path)

    def stats(self) -> StoreStats:
        return self.local.stats()
