"""The running platform: one store, its plate dictionary, and the services on top.

Used by the HTTP app and by the CLI (which opens the data directory itself when no server is
running: DuckDB allows one process per file).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from plateledger.accounts.roles import role_table
from plateledger.accounts.tokens import Principal, hash_token, principal_for_hash
from plateledger.alerts import Hotlists
from plateledger.audit.events import AuditEvent, EventType
from plateledger.audit.events import Outcome as EventOutcome
from plateledger.audit.log import AuditLog
from plateledger.domain.plates import PlateMatch
from plateledger.domain.types import SYSTEM_USER, AgencyId, Camera, NetworkId, User
from plateledger.errors import AuthenticationError, PlateledgerError
from plateledger.ingest import ParseResult, RowError, iter_file, parse_records
from plateledger.policy.engine import PolicyState, PurposePolicy
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.retention.purge import run_retention
from plateledger.scale.engine import open_read_store
from plateledger.search.holds import StoreHoldBook
from plateledger.search.plate_dictionary import PlateDictionary
from plateledger.search.recorder import AuditedRecorder
from plateledger.search.service import SearchLogEntry, SearchService
from plateledger.search.types import Purpose
from plateledger.store.base import PurgeReceipt, ReadStore
from plateledger.store.duckdb_store import HOT_COMPACT_ROWS, DuckDBStore

log = logging.getLogger(__name__)

COMPACT_EVERY_S = 5.0
RETENTION_EVERY_S = 3600.0


@dataclass(frozen=True, slots=True)
class IngestReport:
    received: int
    stored: int
    rejected: int
    errors: tuple[RowError, ...]
    first_id: int | None = None
    last_id: int | None = None
    not_retained: int = 0  # valid reads the owner's state law does not let us keep


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
    def __init__(self, data_dir: Path, *, component: str = "api") -> None:
        role_table()  # roles.yaml is validated at startup: a bad file stops here, named
        self.component = component
        self._events = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-events")
        self.data_dir = Path(data_dir)
        self.store = DuckDBStore(self.data_dir)
        try:
            self.audit = AuditLog(self.data_dir / "audit", self._origin())
        except Exception:
            self.store.close()
            raise
        # Searches read through `reads`: the store itself, or Spark over the Parquet lake when
        # <data>/engine.yaml says `engine: spark` (docs/scale.md). Policy and audit are unchanged.
        self.reads: ReadStore = open_read_store(self.data_dir, self.store)
        self._dictionary: SharedDictionary | None = None
        self._dict_lock = threading.Lock()
        self._stop = threading.Event()
        self._compactor: threading.Thread | None = None
        self.policy = PurposePolicy(self.policy_state)
        recorder = AuditedRecorder(self.audit, self.store, component)
        self.search = SearchService(self.reads, self.policy, recorder, self.dictionary)
        self.holds = StoreHoldBook(self.store, recorder)
        self.search.holds = self.holds
        self.hotlists = Hotlists(self.store, self.log_event)
        # --- bounded contexts: each takes what it uses (store, audit sink, clock), never self

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
                plates = self.reads.distinct_plates()
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
        user = self.identify(token).user
        assert user is not None  # identify() raises for unknown tokens
        return user

    def identify(self, token: str) -> Principal:
        """The token's user and effective permissions (its scopes narrow the role's)."""
        digest = hash_token(token)
        principal = principal_for_hash(self, digest)
        # Token use is audited off the request path (not write-ahead: nothing is read yet).
        subject: dict[str, object] = {"token": digest[:12]}  # a hash prefix, never the token
        if principal is None:
            self._queue_event("login", None, subject, outcome="failure")
            raise AuthenticationError("invalid, expired or revoked token")
        self._queue_event("token_use", principal.user, subject)
        return principal

    def log_event(
        self,
        event_type: EventType,
        user: User | None,
        subject: Mapping[str, object],
        networks: Sequence[str] = (),
        outcome: EventOutcome = "success",
    ) -> int:
        """Durably append one audit event (changes to sharing, policy, tokens, ...)."""
        event = AuditEvent(
            datetime.now(UTC), self.component, event_type,
            user.id if user else "unknown", user.agency_id if user else None, outcome,
            dict(subject), tuple(networks),
        )  # fmt: skip
        return self.audit.append(event)

    def _queue_event(
        self, event_type: EventType, user: User | None, subject: dict[str, object],
        outcome: EventOutcome = "success",
    ) -> None:  # fmt: skip
        self._events.submit(self._safe_log, event_type, user, subject, outcome)

    def _safe_log(
        self, event_type: EventType, user: User | None, subject: dict[str, object],
        outcome: EventOutcome,
    ) -> None:  # fmt: skip
        try:
            self.log_event(event_type, user, subject, outcome=outcome)
        except PlateledgerError:
            log.exception("could not audit a %s event", event_type)

    # --- ingest --------------------------------------------------------------------------
    def known_cameras(self) -> frozenset[str]:
        """Cameras that may send reads: registered and not retired."""
        return frozenset(c.id for c in self.store.cameras() if c.active)

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
        table = result.table
        brief = self.non_hit_cameras()
        if brief and table.num_rows:
            keep = pc.invert(pc.is_in(table.column("camera_id"), pa.array(sorted(brief))))
            table = table.filter(keep)
        appended = self.store.append(table) if table.num_rows else None
        if appended is not None:
            self._note_plates(table.column("plate"))
            try:
                self.hotlists.on_ingest(table, appended.first_id)
            except Exception:  # the reads are stored; a matching failure must not lose them
                log.exception("hotlist matching failed for reads %d..", appended.first_id)
        valid = result.table.num_rows
        return IngestReport(
            received=result.rows_seen,
            stored=table.num_rows,
            rejected=result.rows_seen - valid,
            errors=result.errors,
            first_id=appended.first_id if appended else None,
            last_id=appended.last_id if appended else None,
            not_retained=valid - table.num_rows,
        )

    def ingest_file(
        self, path: Path, progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        received = stored = dropped = 0
        errors: list[RowError] = []
        for part in iter_file(path, self.known_cameras()):
            report = self.store_parsed(part)
            received += report.received
            stored += report.stored
            dropped += report.not_retained
            errors.extend(report.errors)
            if progress is not None:
                progress(report.received)
        return IngestReport(received, stored, received - stored - dropped, tuple(errors),
                            not_retained=dropped)  # fmt: skip

    def record_purge(self, receipt: PurgeReceipt, source: str) -> None:
        """A purge receipt in the write-ahead log, like every other audited action."""
        now = datetime.now(UTC)
        entry = SearchLogEntry(
            f"purge-{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}", now, SYSTEM_USER,
            "purge", Purpose("retention", "-", source),
            {"day": receipt.day.isoformat(), "networks": list(receipt.networks),
             "network": ",".join(receipt.networks), "owner_agency": self._owner_of(receipt),
             "cutoff": (receipt.day + timedelta(days=1)).isoformat(), "rows_purged": receipt.count,
             "bytes_freed": receipt.bytes_freed},
            (),
        )  # fmt: skip
        self.search.recorder.record_search(entry)

    def _owner_of(self, receipt: PurgeReceipt) -> str:
        owners = {n.id: n.agency_id for n in self.store.networks()}
        return ",".join(sorted({owners.get(n, "?") for n in receipt.networks}))

    def _origin(self) -> str:
        """The log's origin line: stable for this installation."""
        install = self.store.get_meta("install_id")
        if install is None:
            install = uuid.uuid4().hex[:12]
            self.store.set_meta("install_id", install)
        return f"plateledger.local/{install}"

    def non_hit_cameras(self) -> frozenset[str]:
        """Cameras whose owner's state keeps non-hit reads only minutes (NH): with no hotlist
        matching yet, none of their reads is a hit, so none is stored."""
        agencies = {a.id: a for a in self.store.agencies()}
        brief = {
            n.id
            for n in self.store.networks()
            if n.agency_id in agencies
            and jurisdiction(agencies[n.agency_id].state).non_hit_retention_minutes is not None
        }
        return frozenset(c.id for c in self.store.cameras() if c.network_id in brief)

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
        last_retention = 0.0
        while not self._stop.wait(COMPACT_EVERY_S):
            if time.monotonic() - last_retention >= RETENTION_EVERY_S:
                last_retention = time.monotonic()
                self._retention_round()
            hot = self.store.hot_rows()
            idle_rounds = idle_rounds + 1 if hot else 0
            if hot >= HOT_COMPACT_ROWS or (hot and idle_rounds >= 3):
                try:
                    stats = self.store.compact()
                    self._sync_lake((*stats.days, *stats.merged_days))
                except Exception:  # keep serving; the next round retries
                    log.exception("compaction failed")
                idle_rounds = 0

    def _sync_lake(self, days: Sequence[date]) -> None:
        """With the Spark engine on a local lake, the compacted days are rewritten there, so
        Spark searches see reads one compaction after they arrive (docs/scale.md)."""
        lake = getattr(self.reads, "lake", None)
        if lake is None or not days or "://" in lake.uri:
            return
        self.store.export_parquet(Path(lake.base), days)
        lake.refresh()

    def _retention_round(self) -> None:
        try:
            run_retention(self)
        except Exception:  # keep serving; the next round retries
            log.exception("retention run failed")

    def close(self) -> None:
        self._stop.set()
        if self._compactor is not None:
            self._compactor.join(timeout=60)
        self._events.shutdown(wait=True)
        self.hotlists.close()
        try:
            self.audit.close()
            if self.reads is not self.store:
                self.reads.close()
        finally:
            self.store.close()


def _centre(cameras: list[Camera]) -> tuple[float, float]:
    return (
        sum(c.lat for c in cameras) / len(cameras),
        sum(c.lon for c in cameras) / len(cameras),
    )
