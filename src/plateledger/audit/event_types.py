"""Every audit event type: a frozen, documented class per ``event_type`` (the registry).

Searches, holds, purges, exports, legal holds and crop views are declared here; changes and
access (sharing, hotlists, users, tokens, configuration, sign-ins) in ``event_changes``. How a
type is declared and documented: ``event_base``; the "Event types" reference in docs/audit.md
generated from them: ``event_reference``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from plateledger.audit.event_base import (
    REGISTRY,
    AuditSubject,
    Problem,
    register,
)
from plateledger.audit.event_changes import (  # importing registers them
    AssistRequest,
    ConfigChange,
    HotlistAlert,
    HotlistChange,
    Login,
    SharingChange,
    TokenChange,
    TokenUse,
    UserChange,
)
from plateledger.audit.event_flows import AlertDelivery, IngestBatch  # importing registers
from plateledger.audit.event_policies import AnalysisPolicyChange  # importing registers

__all__ = [
    "DECISION_FIELDS", "EVENT_CLASSES", "AlertDelivery", "AnalysisPolicyChange",
    "AssistRequest", "ConfigChange",
    "Convoy", "CropSweepLayout", "CropView", "Denial", "Export", "FrequentVisitor", "Hold",
    "HoldApproved", "HoldDecision", "HoldRejected", "HotlistAlert", "HotlistChange",
    "IngestBatch", "LegalHold", "Login", "MultiPlace", "Purge", "PurgeSearchLogLayout", "Search",
    "SearchRequest", "SharingChange", "Timeline", "TokenChange", "TokenUse", "UserChange",
]  # fmt: skip

EVENT_CLASSES: Mapping[str, type[AuditSubject]] = REGISTRY
DECISION_FIELDS = ("network", "owner_agency", "decision", "rule_ids", "explanation")


@dataclass(frozen=True, slots=True)
class SearchRequest(AuditSubject):
    """A request to read plate data, with the policy's decision for every owner network.

    search_id: the request's id, as returned to the searcher and kept in the search log.
    purpose: the purpose code the searcher chose (e.g. `stolen_vehicle`).
    case_number: the case or incident number given.
    reason: the searcher's own words for why.
    on_behalf_of: the agency the search was run for, or null for the searcher's own.
    query: the query as run, plate included.
    decisions: one row per owner network: `network`, `owner_agency`, `decision` (`allow`,
      `hold` or `deny`), `rule_ids`, `explanation`, `flags` when the reason was flagged, and
      `evidence` when the reason's words made it a deny or a hold: the matched spans of the
      reason (`start`, `end`, `text`, `term`, `class`).
    networks_searched: the networks the policy allowed.
    networks_excluded: the networks held or denied.
    result_count: null: the entry is written before the search runs.
    """

    event_type: ClassVar[str] = "search"
    search_id: str
    purpose: str
    case_number: str
    reason: str
    on_behalf_of: str | None
    query: Mapping[str, Any]
    decisions: Sequence[Mapping[str, Any]]
    networks_searched: Sequence[str]
    networks_excluded: Sequence[str]
    result_count: int | None

    @classmethod
    def misfit_values(cls, subject: Mapping[str, Any]) -> Problem | None:
        decisions = subject["decisions"]
        if not isinstance(decisions, list | tuple):
            return "subject.decisions", "must be a list"
        for i, row in enumerate(decisions):
            if not isinstance(row, Mapping):
                return f"subject.decisions[{i}]", "must be an object"
            for name in DECISION_FIELDS:
                if name not in row:
                    return f"subject.decisions[{i}].{name}", "missing"
        return None


@register
@dataclass(frozen=True, slots=True)
class Search(SearchRequest):
    """Someone searched plate reads; written before any read is touched.

    Every request is written, whatever the policy decided: `outcome` is `success` when some
    network was searched, `held` when none was and some await a supervisor, else `denied`. The
    query holds the plate (or pattern), mode, time range and filters, and `approved_hold_of`
    when it resumes an approved held search.
    """

    event_type: ClassVar[str] = "search"


@register
@dataclass(frozen=True, slots=True)
class Timeline(SearchRequest):
    """Someone opened a vehicle's timeline (every sighting of one plate); written first.

    The query holds `plate`, `time_from` and `time_to`. Outcomes as for `search`.
    """

    event_type: ClassVar[str] = "timeline"


@register
@dataclass(frozen=True, slots=True)
class Hold(SearchRequest):
    """A search was held until a supervisor approves it.

    Reserved: no component writes it today (a held search is a `search` entry with outcome
    `held`); the audit views read it as a search.
    """

    event_type: ClassVar[str] = "hold"


@register
@dataclass(frozen=True, slots=True)
class Denial(SearchRequest):
    """A search was refused on every network.

    Reserved: no component writes it today (a refused search is a `search` entry with outcome
    `denied`); the audit views read it as a search.
    """

    event_type: ClassVar[str] = "denial"


@register
@dataclass(frozen=True, slots=True)
class Convoy(SearchRequest):
    """Someone ran a convoy analysis (vehicles travelling with a target plate); written first.

    The query holds `plate`, `time_from`, `time_to`, `min_cameras`, `delta_seconds` and
    `approved_hold_of`. Flock's audit exports call this search type `convoy`. Outcomes as for
    `search`; `result_count` stays null.
    """

    event_type: ClassVar[str] = "convoy"


@register
@dataclass(frozen=True, slots=True)
class MultiPlace(SearchRequest):
    """Someone searched for plates seen in each of several place-and-time windows; written
    first.

    The query holds `windows` (each `cameras`, `bbox` or `near`, with `time_from` and
    `time_to`) and `approved_hold_of`. Flock's audit exports call this `multiGeo`.
    """

    event_type: ClassVar[str] = "multi_place"


@register
@dataclass(frozen=True, slots=True)
class FrequentVisitor(SearchRequest):
    """Someone searched for plates seen at one place on many distinct days; written first.

    The query holds the place (`cameras`, `bbox` or `near`), `time_from`, `time_to`,
    `min_days` and `approved_hold_of`.
    """

    event_type: ClassVar[str] = "frequent_visitor"


@dataclass(frozen=True, slots=True)
class HoldDecision(AuditSubject):
    """A supervisor's decision on a held search (the entry's user is the supervisor).

    search_id: the held search's id.
    purpose: the held search's purpose code.
    case_number: the held search's case number.
    reason: the held search's reason, in the officer's words.
    note: the supervisor's note.
    decided_for: the agency whose part of the hold was decided: the owner of the networks
      (for its law, sharing and policy) or the searcher's agency (for its own policy).
    networks: the networks this decision covers (the entry's `networks` too).
    rules: the rule ids that held those networks.
    evidence: the classifier's evidence spans the supervisor was shown.
    expires_at: when an approval lapses unused (ISO 8601).
    """

    event_type: ClassVar[str] = "hold_approved"
    search_id: str
    purpose: str
    case_number: str
    reason: str
    note: str
    decided_for: str | None = None
    networks: Sequence[str] | None = None
    rules: Sequence[str] | None = None
    evidence: Sequence[Mapping[str, Any]] | None = None
    expires_at: str | None = None


@register
@dataclass(frozen=True, slots=True)
class HoldApproved(HoldDecision):
    """A supervisor approved a held search: the officer may now resume it."""

    event_type: ClassVar[str] = "hold_approved"


@register
@dataclass(frozen=True, slots=True)
class HoldRejected(HoldDecision):
    """A supervisor rejected a held search: it stays unsearched."""

    event_type: ClassVar[str] = "hold_rejected"


@dataclass(frozen=True, slots=True)
class PurgeSearchLogLayout(AuditSubject):
    """A retention purge receipt as written through the search log (user `system`).

    The layout of purge receipts before the typed receipt; entries already in the log keep it.

    search_id: the receipt's id, `purge-<time>-<random>`.
    purpose: `retention`.
    case_number: `-`.
    reason: the rule that set the window (as `rule` above).
    day: the day (UTC, ISO date) whose reads were deleted.
    networks: the purged networks.
    network: the purged networks, comma-separated.
    owner_agency: their owning agencies, comma-separated.
    cutoff: the day after `day` (ISO date).
    rows_purged: how many reads were deleted.
    bytes_freed: how many bytes of storage were freed.
    """

    event_type: ClassVar[str] = "purge"
    search_id: str
    purpose: str
    case_number: str
    reason: str
    day: str
    networks: Sequence[str]
    network: str
    owner_agency: str
    cutoff: str
    rows_purged: int
    bytes_freed: int


@dataclass(frozen=True, slots=True)
class CropSweepLayout(AuditSubject):
    """Evidence crops no read or alert references any more were deleted after a purge.

    The layout of the evidence-crop sweep's receipt (user `system`).

    what: `evidence crops`.
    network: the purged networks, comma-separated.
    owner_agency: their owning agencies, comma-separated.
    cutoff: when the sweep ran (ISO 8601).
    rows_purged: 0 (the reads are counted in their own receipts).
    crops_deleted: how many crop files were deleted.
    """

    event_type: ClassVar[str] = "purge"
    what: str
    network: str
    owner_agency: str
    cutoff: str
    rows_purged: int
    crops_deleted: int


@register
@dataclass(frozen=True, slots=True)
class Purge(AuditSubject):
    """Retention deleted an owner's reads older than its window: a purge receipt.

    One entry per day of reads deleted, by the hourly retention run or `plateledger retention
    run`; the user is `system` and the entry's `networks` are the purged networks.

    owner_agency: the agency that owns the purged networks.
    networks: the purged networks.
    network: the purged networks, comma-separated (as in earlier receipts).
    day: the day (UTC, ISO date) whose reads were deleted.
    cutoff: the day after `day` (ISO date, or RFC 3339 UTC): the receipt covers reads of
      `day` older than the window.
    rule: the rule that set the window: a statute rule id (e.g. `IL.retention`), the
      agency's own setting (`agency.<agency id>.retention`) or a non-hit rule
      (`NH.retention.non_hit`).
    window_minutes: the retention window in minutes.
    rows_purged: how many reads were deleted.
    bytes_freed: how many bytes of storage were freed.
    source: where they were deleted: `store` (the embedded store) or `lake` (the Spark
      engine's Parquet lake).
    """

    event_type: ClassVar[str] = "purge"
    layouts: ClassVar[tuple[type[AuditSubject], ...]] = (PurgeSearchLogLayout, CropSweepLayout)
    owner_agency: str
    networks: Sequence[str]
    network: str
    day: str
    cutoff: str
    rule: str
    window_minutes: int
    rows_purged: int
    bytes_freed: int
    source: str


@register
@dataclass(frozen=True, slots=True)
class Export(AuditSubject):
    """Audit entries or reads left the system: an audit view, a bundle, a backup, a reads copy.

    Written before anything is exported: if the entry cannot be written, nothing is.

    what: `network_audit` or `organization_audit` (an audit view), `audit_bundle` (a
      verifiable bundle), `backup`, `reads_parquet` or `reads_lake` (a copy of the reads).
    of: the network or agency whose audit view was exported.
    format: the view's format: `jsonl`, `flock-org` or `flock-network`.
    profile: the redaction profile: `internal`, `records-request` or `public`.
    out: where it was written: a directory, a folder or the lake's URI.
    include_keys: whether the backup holds the private signing key and the UI secret.
    """

    event_type: ClassVar[str] = "export"
    what: str
    of: str | None = None
    format: str | None = None
    profile: str | None = None
    out: str | None = None
    include_keys: bool | None = None


@register
@dataclass(frozen=True, slots=True)
class LegalHold(AuditSubject):
    """An agency placed or released a legal hold (named reads kept past retention for a
    case), or a hold lapsed at its expiry date (user `system`); or an officer asked the
    agency's admin for one on reads picked from search results, or the admin declined such a
    request.

    action: `request` (an officer asks), `place`, `decline` (the admin refuses a request),
      `release` or `lapse`.
    case_number: the case the reads are kept for.
    read_ids: the reads held, requested or released (of the agency's own networks).
    note: why the reads must be kept, or why the hold is released or the request declined.
    expires_at: when the hold lapses unless placed again (RFC 3339; `place`).
    request_id: the officer's legal-hold request (`request`, `decline`, and `place` when
      placed from a request).
    """

    event_type: ClassVar[str] = "legal_hold"
    action: str
    case_number: str
    read_ids: Sequence[int]
    note: str
    expires_at: str | None = None
    request_id: str | None = None


@register
@dataclass(frozen=True, slots=True)
class CropView(AuditSubject):
    """Someone viewed the evidence crop (plate image) of a read, or was refused (`denied`).

    crop: the crop's reference (`sha256:<hex>`), or `invalid` for a malformed one.
    reason: why it was refused.
    read_ids: the caller's agency's reads the crop belongs to (at most 100 named).
    reads: how many such reads there are.
    """

    event_type: ClassVar[str] = "crop_view"
    crop: str
    reason: str | None = None
    read_ids: Sequence[int] | None = None
    reads: int | None = None
