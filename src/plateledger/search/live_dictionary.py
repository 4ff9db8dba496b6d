"""The plate dictionary a running platform shares between ingest (adds) and searches (reads).

Loaded lazily from the read store's distinct plates on first use, kept current by ingest, and
dropped after a purge or a bulk load so the next search reloads it. One lock guards it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pyarrow as pa

from plateledger.domain.plates import PlateMatch
from plateledger.search.plate_dictionary import PlateDictionary

log = logging.getLogger(__name__)


class SharedDictionary:
    """The plate dictionary shared by ingest (adds) and searches (reads), under one lock."""

    def __init__(self, dictionary: PlateDictionary) -> None:
        self._dictionary = dictionary
        self._lock = threading.Lock()

    def __contains__(self, plate: object) -> bool:
        with self._lock:
            return plate in self._dictionary

    def wildcard(self, pattern: str) -> list[str]:
        with self._lock:
            return self._dictionary.wildcard(pattern)

    def fuzzy(self, query: str, max_distance: int) -> list[PlateMatch]:
        with self._lock:
            return self._dictionary.fuzzy(query, max_distance)

    def add(self, plates: pa.ChunkedArray | pa.Array) -> None:
        with self._lock:
            self._dictionary.add(
                plates.combine_chunks() if isinstance(plates, pa.ChunkedArray) else plates
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._dictionary)


class LiveDictionary:
    """Loads the dictionary on first use; ``note`` adds stored plates; ``reload`` drops it."""

    def __init__(self, distinct_plates: Callable[[], pa.Array | pa.ChunkedArray]) -> None:
        self._distinct_plates = distinct_plates
        self._dictionary: SharedDictionary | None = None
        self._lock = threading.Lock()

    def __call__(self) -> SharedDictionary:
        with self._lock:
            if self._dictionary is None:
                plates = self._distinct_plates()
                self._dictionary = SharedDictionary(PlateDictionary(plates))
                log.info("plate dictionary loaded: %d plates", len(plates))
            return self._dictionary

    def reload(self) -> None:
        with self._lock:
            self._dictionary = None

    def note(self, table: pa.Table, first_id: int) -> None:
        """An ingest listener: the plates of a stored batch (only if the dictionary is loaded)."""
        del first_id
        with self._lock:
            if self._dictionary is not None:
                self._dictionary.add(table.column("plate"))
