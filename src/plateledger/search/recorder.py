"""The search log on the embedded store: the write-ahead record of every search request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import orjson

from plateledger.search.service import SearchLogEntry
from plateledger.store.read_query import naive_utc


class SearchLogTable(Protocol):
    def record_search(self, row: Sequence[Any]) -> None: ...


class StoreSearchRecorder:
    """Writes each entry to the store's ``search_log`` table in its own committed statement."""

    def __init__(self, table: SearchLogTable) -> None:
        self._table = table

    def record_search(self, entry: SearchLogEntry) -> None:
        p = entry.purpose
        self._table.record_search(
            [
                entry.search_id,
                naive_utc(entry.at),
                entry.user.id,
                entry.user.agency_id,
                entry.kind,
                p.purpose,
                p.case_number,
                p.reason,
                p.on_behalf_of,
                orjson.dumps(dict(entry.query)).decode(),
                orjson.dumps([d.to_dict() for d in entry.decisions]).decode(),
            ]
        )
