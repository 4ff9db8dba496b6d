"""What the accounts context needs of a store: users, agencies and parameterised SQL.

``DuckDBStore`` satisfies :class:`AccountsStore`; the account and token tables are reached
through ``plateledger.store.accounts`` with the store's ``execute``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from plateledger.domain.types import Agency, AgencyId, User


class AccountsStore(Protocol):
    """The store methods :class:`~plateledger.accounts.users.Accounts` calls."""

    def agency(self, agency_id: AgencyId) -> Agency | None: ...

    def users(self) -> list[User]: ...

    def upsert_users(self, users: Iterable[User]) -> None: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
