"""What the registry needs of a store: agencies, networks and cameras, and parameterised SQL.

``DuckDBStore`` satisfies :class:`RegistryStore`; a context or test may pass anything that does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from plateledger.domain.types import Agency, AgencyId, Camera, Network


class AgencyStore(Protocol):
    """Reads an agency and the networks: enough to scope an admin to their own agency."""

    def agency(self, agency_id: AgencyId) -> Agency | None: ...

    def networks(self) -> list[Network]: ...


class RegistryStore(AgencyStore, Protocol):
    """The store methods the :class:`~plateledger.registry.service.Registry` calls."""

    def agencies(self) -> list[Agency]: ...

    def cameras(self) -> list[Camera]: ...

    def upsert_cameras(self, cameras: Iterable[Camera]) -> None: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
