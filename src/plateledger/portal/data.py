"""The public transparency portal of one agency (issue #5): what a Flock portal publishes, and
what it leaves out (denied and held searches, purposes, a verifiable source).

``Portal.data`` computes a frozen ``PortalData`` for the last 30 days: the registry, the retention
rule, the law's prohibitions and sharing rules, agreements in and out, read and hotlist-hit counts
from the store, and search figures from the verified audit log (``portal_audit``) with the signed
checkpoint they were computed at. No plate, reason text, case number or user id is ever included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from plateledger.alerts.sightings import Sightings
from plateledger.alerts.tables import load_entry, load_hotlist, load_hotlists, subscriptions
from plateledger.audit.log import AuditLog
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import Agency, AgencyId
from plateledger.errors import NotFoundError
from plateledger.oversight.portal_figures import AuditFigures, Counts, verified_figures
from plateledger.policy.engine import PolicyState
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.policy.purposes import PROHIBITED_CLASSES, class_label, load_purposes
from plateledger.portal import tables
from plateledger.portal.sharing import Partner, inbound, outbound
from plateledger.store.duckdb_store import DuckDBStore


class RetentionWindow(Protocol):
    """One agency's effective retention window, as the retention context computes it."""

    @property
    def agency(self) -> Agency: ...
    @property
    def minutes(self) -> int | None: ...
    @property
    def source(self) -> str: ...


WINDOW_DAYS = 30
# What every search request carries on plateledger (the API refuses one without them).
SEARCH_FIELDS = frozenset({"purpose_code", "case_number", "reason_text"})
COLLECTED = (
    "licence plate characters and issuing state, with the recognizer's confidence",
    "date, time and the camera (fixed location or mobile unit) that made the read",
    "vehicle colour, type and make, when the recognizer reports them",
    "a reference to the cropped plate image",
)
NOT_COLLECTED = (
    "faces or images of people", "vehicle occupants", "race, sex or gender",
    "audio", "speed or traffic violations",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FixedCamera:
    name: str
    lat: float
    lon: float
    heading: float | None
    active: bool


@dataclass(frozen=True, slots=True)
class Retention:
    days: float | None  # effective: the shortest of the law's cap and the agency's setting
    rule_id: str  # the rule that sets the effective window
    law_cap_days: int | None
    law_rule_id: str
    law_citation: str
    agency_days: int | None
    non_hit_minutes: int | None


@dataclass(frozen=True, slots=True)
class Prohibition:
    purpose: str  # a purpose class or code, with its label
    label: str
    source: str  # "state law" | "agency policy" | "plateledger"
    rule_id: str
    citation: str


@dataclass(frozen=True, slots=True)
class SharingLaw:
    requester: str
    decision: str
    rule_id: str
    citation: str


@dataclass(frozen=True, slots=True)
class AlertList:
    name: str
    owner: str
    source: str
    purpose_class: str
    hits_30d: int


@dataclass(frozen=True, slots=True)
class PortalData:
    agency_id: str
    name: str
    state: str
    kind: str
    generated_at: str
    window_start: str
    window_end: str
    collected: tuple[str, ...]
    not_collected: tuple[str, ...]
    fixed_cameras: tuple[FixedCamera, ...]
    mobile_cameras: int
    retention: Retention
    prohibited: tuple[Prohibition, ...]
    required_fields: tuple[str, ...]  # what every search must carry (platform and state law)
    sharing_law: tuple[SharingLaw, ...]
    sharing_out: tuple[Partner, ...]
    sharing_in: tuple[Partner, ...]
    reads_30d: int  # from the store (reads are not in the audit log)
    hotlist_hits_30d: int  # from the store
    hits_by_status: Counts
    hotlists: tuple[AlertList, ...]
    audit: AuditFigures  # from the verified audit log

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Portal:
    """The portal's figures for one agency, from the store and the verified audit log."""

    def __init__(
        self, *, store: DuckDBStore, audit_log: AuditLog,
        windows: Callable[[], Sequence[RetentionWindow]],
        policy_state: Callable[[], PolicyState], clock: Clock = utc_now,
    ) -> None:  # fmt: skip
        self._store = store
        self._audit_log = audit_log
        self._windows = windows  # the effective retention window of every agency
        self._policy_state = policy_state  # where networks and agencies are (radius sharing)
        self._clock = clock

    def agencies(self) -> tuple[Agency, ...]:
        """Every agency in the registry publishes a portal: the index lists them by state."""
        return tuple(sorted(self._store.agencies(), key=lambda a: (a.state, a.name, a.id)))

    def data(self, agency_id: str, now: datetime | None = None) -> PortalData:
        store = self._store
        agency = store.agency(AgencyId(agency_id))
        if agency is None:
            raise NotFoundError(f"no agency {agency_id}")
        now = now or self._clock()
        since = now - timedelta(days=WINDOW_DAYS)
        nets = {n.id: n for n in store.networks() if n.agency_id == agency.id}
        cams = [c for c in store.cameras() if c.network_id in nets]
        fixed = tuple(FixedCamera(c.name, c.lat, c.lon, c.heading, c.active)
                      for c in sorted(cams, key=lambda c: c.name) if not c.mobile)  # fmt: skip
        law = jurisdiction(agency.state)
        by_status, _ = self._hits(agency.id, since, now)
        by_list = self._published_hits(agency.id, since, now)
        keys = [k for k, n in store.network_keys().items() if n.id in nets]
        return PortalData(
            agency.id, agency.name, agency.state, agency.kind, now.isoformat(), since.isoformat(),
            now.isoformat(), COLLECTED, NOT_COLLECTED, fixed, len(cams) - len(fixed),
            self._retention(agency), self._prohibitions(agency),
            tuple(sorted(SEARCH_FIELDS | law.required_fields)),
            tuple(SharingLaw(k, s.decision, s.rule.id, s.rule.citation)
                  for k, s in law.sharing.items()),
            outbound(store, set(nets), now),
            inbound(store, self._policy_state(), agency, set(nets), now),
            tables.count_reads(store, keys, since, now), sum(by_status.values()),
            tuple(sorted(by_status.items())), self._alert_lists(agency.id, by_list),
            verified_figures(self._audit_log, agency.id, nets, since, now),
        )  # fmt: skip

    def _hits(
        self, agency_id: str, since: datetime, until: datetime
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Hotlist hits on the agency's cameras, by review status and by list."""
        by_status: dict[str, int] = {}
        by_list: dict[str, int] = {}
        for list_id, status, n in tables.hits_by_list_and_status(
            self._store, agency_id, since, until
        ):
            by_status[status] = by_status.get(status, 0) + n
            by_list[list_id] = by_list.get(list_id, 0) + n
        return by_status, by_list

    def _published_hits(self, agency_id: str, since: datetime, until: datetime) -> dict[str, int]:
        """Hits per list, as published: on another agency's list only the hits that agency may
        see (the camera owner's sharing lets it search there for the entry's reason), so the
        portal never tells a list owner where its plates were seen when sharing does not."""
        sightings: Sightings | None = None
        out: dict[str, int] = {}
        for list_id, entry_id, camera, n in tables.hits_by_entry_and_camera(
            self._store, agency_id, since, until
        ):
            h, e = load_hotlist(self._store, list_id), load_entry(self._store, entry_id)
            if h is None or e is None:
                continue
            if h.owner_agency != agency_id:
                sightings = sightings or Sightings(self._store)
                if not sightings.flows_back(h, e, camera, until):
                    continue
            out[list_id] = out.get(list_id, 0) + n
        return out

    def _retention(self, agency: Agency) -> Retention:
        law = jurisdiction(agency.state)
        cap, rule = law.retention_for(agency.kind)
        window = next((w for w in self._windows() if w.agency.id == agency.id), None)
        minutes, source = (window.minutes, window.source) if window else (None, "none")
        return Retention(None if minutes is None else round(minutes / 1440, 3), source, cap,
                         rule.id, rule.citation, agency.retention_days,
                         law.non_hit_retention_minutes)  # fmt: skip

    def _prohibitions(self, agency: Agency) -> tuple[Prohibition, ...]:
        purposes = load_purposes()

        def label(key: str) -> str:
            return purposes[key].label if key in purposes else class_label(key)

        out = [Prohibition(k, label(k), "state law", r.id, r.citation)
               for k, r in jurisdiction(agency.state).prohibited_rules.items()]  # fmt: skip
        policy = self._store.agency_policies().get(agency.id)
        for key in sorted(policy.prohibited_purposes if policy else ()):
            out.append(Prohibition(key, label(key), "agency policy",
                                   f"agency.{agency.id}.prohibited", ""))  # fmt: skip
        covered = {p.purpose for p in out}
        out += [Prohibition(c, class_label(c), "plateledger", "purposes.not_selectable", "")
                for c in sorted(PROHIBITED_CLASSES - covered)]  # fmt: skip
        return tuple(out)

    def _alert_lists(self, agency_id: str, hits: dict[str, int]) -> tuple[AlertList, ...]:
        subscribed = {h for h, a in subscriptions(self._store) if a == agency_id}
        names: dict[str, str] = {a.id: a.name for a in self._store.agencies()}
        return tuple(
            AlertList(h.name, names.get(h.owner_agency, h.owner_agency), h.source,
                      h.purpose_class, hits.get(h.id, 0))
            for h in load_hotlists(self._store)
            if h.id in subscribed and (h.retired_at is None or h.id in hits)
        )  # fmt: skip
