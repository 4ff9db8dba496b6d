"""What retention needs of a store, and the values it hands around.

``DuckDBStore`` satisfies :class:`RetentionStore`; a context or test may pass anything that does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from plateledger.domain.types import Agency, Camera, NetworkId
from plateledger.registry.base import AgencyStore
from plateledger.store.base import PurgeReceipt, Sql


class RetentionStore(AgencyStore, Sql, Protocol):
    """The store methods the retention services call."""

    def agencies(self) -> list[Agency]: ...

    def cameras(self) -> list[Camera]: ...

    def upsert_agencies(self, agencies: Iterable[Agency]) -> None: ...

    def purge_before(
        self, networks: Sequence[NetworkId], cutoff: datetime, reason: str
    ) -> list[PurgeReceipt]: ...

    def add_legal_hold(
        self, case_number: str, read_ids: Sequence[int], by: str, note: str,
        expires_at: datetime | None = None,
    ) -> int: ...  # fmt: skip


@dataclass(frozen=True, slots=True)
class Window:
    """The effective retention window of an agency that owns networks."""

    agency: Agency
    networks: tuple[NetworkId, ...]
    minutes: int | None  # None: keep forever (no cap, no setting)
    source: str  # the rule that set it (plateledger.policy.retention.RetentionWindow.rule)


@dataclass(frozen=True, slots=True)
class LegalHold:
    """One read kept past retention under a case number."""

    case_number: str
    read_id: int
    created_by: str
    created_at: datetime
    note: str
    expires_at: datetime | None = None  # None: placed before holds had an expiry
