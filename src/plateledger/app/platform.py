"""The composition root: one data directory's store, audit log and services, wired together.

Used by the HTTP app and by the CLI (which opens the data directory itself when no server is
running: DuckDB allows one process per file). Nothing here decides anything: each bounded
context (accounts, registry, sharing, retention, portal, backup, hotlists, search) is built with
what it uses — the store, the audit sink, another context — and exposed as an attribute.
"""

from __future__ import annotations

import logging
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from plateledger.accounts.agency_users import AgencyUsers
from plateledger.accounts.roles import role_table
from plateledger.accounts.tokens import Principal, Tokens, hash_token
from plateledger.accounts.users import Accounts
from plateledger.alerts import Hotlists
from plateledger.app.background import Background
from plateledger.audit.cosigned import CosignatureStore
from plateledger.audit.events import EventType
from plateledger.audit.events import Outcome as EventOutcome
from plateledger.audit.fingerprint import fingerprinter, new_key
from plateledger.audit.log import AuditLog
from plateledger.audit.sink import AuditSink, sink_for
from plateledger.backup.archive import Backups
from plateledger.domain.types import User
from plateledger.errors import AuthenticationError, PlateledgerError
from plateledger.ingest.intake import Intake
from plateledger.policy.engine import PolicyState, PurposePolicy
from plateledger.policy.memo import DecisionMemo, registry_of
from plateledger.policy.state import policy_state
from plateledger.portal.data import Portal
from plateledger.registry.service import Registry
from plateledger.retention.crops import Crops
from plateledger.retention.hold_requests import LegalHoldRequests
from plateledger.retention.legal_holds import LegalHolds
from plateledger.retention.purge import Retention
from plateledger.retention.settings import RetentionSettings
from plateledger.scale.engine import open_read_store
from plateledger.search.analyses import Analyses
from plateledger.search.analysis_policy import AnalysisPolicies
from plateledger.search.holds import StoreHoldBook
from plateledger.search.live_dictionary import LiveDictionary
from plateledger.search.read_quota import ReadQuota
from plateledger.search.recorder import AuditedRecorder
from plateledger.search.service import SearchService
from plateledger.sharing.agreements import Sharing
from plateledger.sharing.assists import Assists
from plateledger.store.base import ReadStore
from plateledger.store.duckdb_store import DuckDBStore

log = logging.getLogger(__name__)


class Platform:
    def __init__(self, data_dir: Path, *, component: str = "api") -> None:
        role_table()  # roles.yaml is validated at startup: a bad file stops here, named
        self.component = component
        # Every file the service writes is its own (SECURITY.md: data 0600, directories 0700),
        # including those it does not open itself (DuckDB's WAL): as PostgreSQL does.
        os.umask(0o077)
        self._events = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-events")
        self.data_dir = Path(data_dir)
        self.store = DuckDBStore(self.data_dir)
        try:
            # The server recomputes the log's hashes against its signed root on start; a CLI
            # command checks sizes only (a rollback is refused either way).
            self.audit = AuditLog(
                self.data_dir / "audit", self._origin(), verify_content=component == "api"
            )
        except Exception:
            self.store.close()
            raise
        #: Witness keys and the cosignatures they sent (audit.cosigned); public via the API.
        self.cosignatures = CosignatureStore(
            self.data_dir / "audit",
            checkpoints=self.audit.checkpoints,
            latest=self.audit.checkpoint,
        )
        # what a refused sign-in typed is audited keyed, never as a plain hash
        self._fingerprint = fingerprinter(fingerprint_key(self.store))
        #: Durably append one audit event (changes to sharing, policy, tokens, ...).
        self.log_event: AuditSink = sink_for(self.audit, component)
        # Searches read through `reads`: the store itself, or Spark over the Parquet lake when
        # <data>/engine.yaml says `engine: spark` (docs/scale.md). Policy and audit are unchanged.
        self.reads: ReadStore = open_read_store(self.data_dir, self.store)
        self.dictionary = LiveDictionary(self.reads.distinct_plates)
        self.policy = PurposePolicy(self.policy_state)
        #: The search path's decisions, memoised until the store's policy version, the law or
        #: the time can change them (policy.memo)
        self.decisions = DecisionMemo(
            self.policy, version=self.store.policy_version, state=self.policy_state,
            registry=lambda: registry_of(self.reads.agencies(), self.reads.networks()),
        )  # fmt: skip
        recorder = AuditedRecorder(self.audit, self.store, component)
        self.holds = StoreHoldBook(self.store, recorder)
        #: Per-user daily ceiling of reads returned (an agency setting), see search.read_quota.
        self.read_quota = ReadQuota(store=self.store, audit=self.log_event)
        #: Assist requests (a bounded context): a search on behalf of another agency needs one.
        self.assists = Assists(store=self.store, audit=self.log_event)
        self.search = SearchService(
            self.reads, self.decisions, recorder, self.dictionary, holds=self.holds,
            quota=self.read_quota, assists=self.assists, registry=self.decisions.registry,
        )  # fmt: skip
        #: Each owner's analysis policy (purposes per kind, hold waived), set by its admin,
        #: audited, read at every analysis (search.analysis_policy)
        self.analysis_policy = AnalysisPolicies(store=self.store, audit=self.log_event)
        #: Convoy, multi-place and frequent-visitor analyses: their own purpose tier, SQL on the
        #: embedded store (search.analyses)
        self.analyses = Analyses(self.search, self.analysis_policy, self.store, self.holds)
        self.hotlists = Hotlists(
            self.store, self.log_event,
            allow_loopback_http=os.environ.get("PLATELEDGER_DEV_WEBHOOKS") == "1",
        )  # fmt: skip
        # --- bounded contexts: each takes what it uses (store, audit sink, clock), never self
        self.registry = Registry(store=self.store, audit=self.log_event)
        self.tokens = Tokens(store=self.store, audit=self.log_event)
        self.accounts = Accounts(
            store=self.store, audit=self.log_event, fingerprint=self._fingerprint
        )
        self.agency_users = AgencyUsers(
            accounts=self.accounts, tokens=self.tokens, registry=self.registry, store=self.store
        )
        self.sharing = Sharing(store=self.store, audit=self.log_event, policy=self.policy)
        self.crops = Crops(
            store=self.store,
            audit=self.log_event,
            data_dir=self.data_dir,
            non_hit_cameras=self.registry.non_hit_cameras,
        )
        self.retention = Retention(
            store=self.store,
            audit=self.log_event,
            data_dir=self.data_dir,
            crops=self.crops,
            on_purged=self.dictionary.reload,
        )
        self.portal = Portal(
            store=self.store,
            audit_log=self.audit,
            windows=self.retention.windows,
            policy_state=self.policy_state,
        )
        self.retention_settings = RetentionSettings(store=self.store, audit=self.log_event)
        self.legal_holds = LegalHolds(store=self.store, audit=self.log_event)
        #: Officers' requests for legal holds on reads picked from results; admins decide.
        self.legal_hold_requests = LegalHoldRequests(
            store=self.store, audit=self.log_event, holds=self.legal_holds,
            searched=self.holds.searched_networks,
        )  # fmt: skip
        self.backups = Backups(
            store=self.store, audit=self.log_event, audit_log=self.audit, data_dir=self.data_dir
        )

        self.intake = Intake(
            store=self.store, known_cameras=self.registry.known_cameras,
            non_hit_cameras=self.registry.non_hit_cameras,
            audit=self.log_event, networks_of=self.registry.networks_of_cameras,
            oldest=self.retention.oldest_by_camera,
            on_stored=(self.dictionary.note, self.hotlists.on_ingest),
        )  # fmt: skip
        self.background = Background(
            store=self.store, reads=self.reads, retention_round=self.retention.run
        )

    def policy_state(self) -> PolicyState:
        """The policy engine's inputs, read from the store at each evaluation."""
        return policy_state(self.store)

    # --- auth ----------------------------------------------------------------------------
    def authenticate(self, token: str) -> User:
        user = self.identify(token).user
        assert user is not None  # identify() raises for unknown tokens
        return user

    def rate_identity(self, token: str) -> tuple[str, str] | None:
        """``(user id, agency id)`` of a live token, for the API's per-user and per-agency rate
        buckets (api.limits); not audited (the request's own authentication is)."""
        principal = self.tokens.principal_for_hash(hash_token(token))
        if principal is None or principal.user is None:
            return None
        return principal.user.id, principal.user.agency_id

    def identify(self, token: str) -> Principal:
        """The token's user and effective permissions (its scopes narrow the role's)."""
        digest = hash_token(token)
        principal = self.tokens.principal_for_hash(digest)
        # Token use is audited off the request path (not write-ahead: nothing is read yet).
        if principal is None:  # what was typed may not be a token: keyed, never a plain hash
            refused: dict[str, object] = {"token": self._fingerprint(token)}
            self._queue_event("login", None, refused, outcome="failure")
            raise AuthenticationError("invalid, expired or revoked token")
        # a live token's hash prefix (the tokens table's key), never the token itself
        self._queue_event("token_use", principal.user, {"token": digest[:12]})
        return principal

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

    def _origin(self) -> str:
        return audit_origin(self.store)

    # --- background work -------------------------------------------------------------------
    def start_background(self) -> None:
        """Load the plate dictionary before the first search, then start the timers."""
        self.dictionary()
        self.background.start()

    def close(self) -> None:
        self.background.stop()
        self._events.shutdown(wait=True)
        self.hotlists.close()
        try:
            self.audit.close()
            if self.reads is not self.store:
                self.reads.close()
        finally:
            self.store.close()


def audit_origin(store: DuckDBStore) -> str:
    """The audit log's origin line: stable for this installation (created on first use)."""
    install = store.get_meta("install_id")
    if install is None:
        install = uuid.uuid4().hex[:12]
        store.set_meta("install_id", install)
    return f"plateledger.local/{install}"


def fingerprint_key(store: DuckDBStore) -> bytes:
    """The installation's key for fingerprints of typed text in the audit log: kept in the
    store, never in the log or its exports (created on first use)."""
    key = store.get_meta("audit_fingerprint_key")
    if key is None:
        key = new_key().hex()
        store.set_meta("audit_fingerprint_key", key)
    return bytes.fromhex(key)
