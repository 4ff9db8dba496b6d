"""The running platform: one store, its plate dictionary, and the services on top.

Used by the HTTP app and by the CLI (which opens the data directory itself when no server is
running: DuckDB allows one process per file).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from plateledger.app.tokens import hash_token
from plateledger.domain.plates import PlateMatch
from plateledger.domain.types import AgencyId, Camera, NetworkId, User
from plateledger.errors import AuthenticationError
from plateledger.ingest import ParseResult, RowError, iter_file, parse_records
from plateledger.policy.engine import PolicyState, PurposePolicy
from plateledger.search.holds import StoreHoldBook
from plateledger.search.plate_dictionary import PlateDictionary
from plateledger.search.recorder import StoreSearchRecorder
from plateledger.search.service import SearchService
from plateledger.store.duckdb_store import HOT_COMPACT_ROWS, DuckDBStore

log = logging.getLogger(__name__)

COMPACT_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class IngestReport:
    received: int
    stored: int
    rejected: int
    errors: tuple[RowError, ...]
    first_id: int | None = None
    last_id: int | None = None


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


class Platform:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.store = DuckDBStore(self.data_dir)
        self._dictionary: SharedDictionary | None = None
        self._dict_lock = threading.Lock()
        self._stop = threading.Event()
        self._compactor: threading.Thread | None = None
        self.policy = PurposePolicy(self.policy_state)
        recorder = StoreSearchRecorder(self.store)
        self.search = SearchService(self.store, self.policy, recorder, self.dictionary)
        self.holds = StoreHoldBook(self.store, recorder)
        self.search.holds = self.holds

    # --- policy inputs ----------------------------------------------------------------------
    def policy_state(self) -> PolicyState:
        store = self.store
        cameras = store.cameras()
        owner = {n.id: n.agency_id for n in store.networks()}
        by_network: dict[str, list[Camera]] = {}
        by_agency: dict[str, list[Camera]] = {}
        for c in cameras:
            if not c.mobile:
                by_network.setdefault(c.network_id, []).append(c)
                by_agency.setdefault(owner.get(c.network_id, ""), []).append(c)
        return PolicyState(
            agreements=store.agreements(),
            declarations=store.declarations(),
            policies=store.agency_policies(),
            network_centres={NetworkId(k): _centre(v) for k, v in by_network.items()},
            agency_homes={AgencyId(k): _centre(v) for k, v in by_agency.items() if k},
        )

    # --- plate dictionary ----------------------------------------------------------------
    def dictionary(self) -> SharedDictionary:
        with self._dict_lock:
            if self._dictionary is None:
                plates = self.store.distinct_plates()
                self._dictionary = SharedDictionary(PlateDictionary(plates))
                log.info("plate dictionary loaded: %d plates", len(plates))
            return self._dictionary

    def reload_dictionary(self) -> None:
        with self._dict_lock:
            self._dictionary = None

    def _note_plates(self, plates: pa.ChunkedArray | pa.Array) -> None:
        with self._dict_lock:
            if self._dictionary is not None:
                self._dictionary.add(plates)

    # --- auth ----------------------------------------------------------------------------
    def authenticate(self, token: str) -> User:
        user = self.store.user_for_token_hash(hash_token(token), datetime.now(UTC))
        if user is None:
            raise AuthenticationError("invalid, expired or revoked token")
        return user

    # --- ingest --------------------------------------------------------------------------
    def known_cameras(self) -> frozenset[str]:
        return frozenset(c.id for c in self.store.cameras())

    def cameras_of_agency(self, agency_id: str) -> frozenset[str]:
        nets = {n.id for n in self.store.networks() if n.agency_id == agency_id}
        return frozenset(c.id for c in self.store.cameras() if c.network_id in nets)

    def visible_cameras(self, user: User) -> list[Camera]:
        """Fixed camera locations are public on transparency portals; every user sees them.
        Mobile units are listed to their own agency only."""
        own = self.cameras_of_agency(user.agency_id)
        return [c for c in self.store.cameras() if not c.mobile or c.id in own]

    def ingest_records(self, records: Iterable[object]) -> IngestReport:
        result = parse_records(records, self.known_cameras())
        return self.store_parsed(result)

    def store_parsed(self, result: ParseResult) -> IngestReport:
        appended = self.store.append(result.table) if result.table.num_rows else None
        if appended is not None:
            self._note_plates(result.table.column("plate"))
        return IngestReport(
            received=result.rows_seen,
            stored=result.table.num_rows,
            rejected=result.rows_seen - result.table.num_rows,
            errors=result.errors,
            first_id=appended.first_id if appended else None,
            last_id=appended.last_id if appended else None,
        )

    def ingest_file(
        self, path: Path, progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        received = stored = 0
        errors: list[RowError] = []
        for part in iter_file(path, self.known_cameras()):
            report = self.store_parsed(part)
            received += report.received
            stored += report.stored
            errors.extend(report.errors)
            if progress is not None:
                progress(report.received)
        return IngestReport(received, stored, received - stored, tuple(errors))

    # --- background compaction -----------------------------------------------------------
    def start_background(self) -> None:
        self.dictionary()  # load before the first search rather than during it
        if self._compactor is None:
            self._compactor = threading.Thread(
                target=self._compact_loop, name="compactor", daemon=True
            )
            self._compactor.start()

    def _compact_loop(self) -> None:
        idle_rounds = 0
        while not self._stop.wait(COMPACT_EVERY_S):
            hot = self.store.hot_rows()
            idle_rounds = idle_rounds + 1 if hot else 0
            if hot >= HOT_COMPACT_ROWS or (hot and idle_rounds >= 3):
                try:
                    self.store.compact()
                except Exception:  # keep serving; the next round retries
                    log.exception("compaction failed")
                idle_rounds = 0

    def close(self) -> None:
        self._stop.set()
        if self._compactor is not None:
            self._compactor.join(timeout=60)
        self.store.close()


def _centre(cameras: list[Camera]) -> tuple[float, float]:
    return (
        sum(c.lat for c in cameras) / len(cameras),
        sum(c.lon for c in cameras) / len(cameras),
    )
