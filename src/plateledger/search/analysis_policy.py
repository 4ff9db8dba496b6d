"""The owner's analysis policy: per kind, the purposes its networks allow and whether the
supervisor hold is waived; set by the agency's admin, stored, audited, read at every analysis.

A kind with no stored setting (or ``purposes`` NULL) follows :data:`DEFAULT_PURPOSES`; an empty
list means the kind is never allowed on the agency's networks. Waiving the hold lets an allowed
analysis run without a supervisor's approval; a reason the classifier finds prohibited is denied
whatever the policy (``analysis_tier``). A change of several kinds is one transaction: its
rows are written, then it is audited once as ``analysis_policy_change``, then committed; a row
that cannot be written or an audit that cannot be appended rolls every row back (a change that
cannot be audited is not made). The next analysis reads the table again: no restart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from plateledger.audit.event_policies import AnalysisPolicyChange
from plateledger.audit.sink import AuditSink
from plateledger.domain.types import AgencyId, User
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.policy.purposes import selectable_purposes
from plateledger.search.analysis_tier import DEFAULT_PURPOSES, AnalysisPolicy, AnalysisTier
from plateledger.search.analysis_types import ANALYSIS_KINDS, AnalysisKind

MAX_PURPOSES = 100
_ALL = "SELECT agency_id, kind, purposes, waive_supervisor_hold FROM analysis_policy"
_OF_AGENCY = (
    "SELECT kind, purposes, waive_supervisor_hold, set_by, set_at FROM analysis_policy "
    "WHERE agency_id = ?"
)
_NETWORKS = "SELECT id FROM networks WHERE agency_id = ? ORDER BY id"
_UPSERT = "INSERT OR REPLACE INTO analysis_policy VALUES (?, ?, ?::VARCHAR[], ?, ?, ?)"


class PolicyStore(Protocol):
    """The store as the policy uses it: parameterised SQL."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


@dataclass(frozen=True, slots=True)
class KindSetting:
    """One kind's setting: ``purposes`` None follows the defaults; empty: never allowed."""

    purposes: frozenset[str] | None = None
    waive_supervisor_hold: bool = False

    def to_dict(self) -> dict[str, Any]:
        codes = None if self.purposes is None else sorted(self.purposes)
        return {"purposes": codes, "waive_supervisor_hold": self.waive_supervisor_hold}


class AnalysisPolicies:
    """The owners' analysis policies, in the ``analysis_policy`` table."""

    def __init__(self, *, store: PolicyStore, audit: AuditSink) -> None:
        self._store = store
        self._audit = audit

    def current(self) -> AnalysisPolicy:
        """Every owner's policy as stored now (read at each analysis)."""
        owners: dict[AgencyId, dict[AnalysisKind, frozenset[str]]] = {}
        unheld: dict[AgencyId, set[AnalysisKind]] = {}
        for agency, kind, purposes, waived in self._store.execute(_ALL):
            if kind not in ANALYSIS_KINDS:
                continue
            if purposes is not None:
                owners.setdefault(AgencyId(agency), {})[kind] = frozenset(purposes)
            if waived:
                unheld.setdefault(AgencyId(agency), set()).add(kind)
        return AnalysisPolicy(owners, {a: frozenset(k) for a, k in unheld.items()})

    def tier(self, kind: AnalysisKind, purpose: str, reason: str) -> AnalysisTier:
        """The tier of one request under the policy stored now."""
        return self.current().tier(kind, purpose, reason)

    def show(self, user: User, agency_id: str) -> dict[str, Any]:
        """The agency's policy per kind (effective purposes, defaults or not, the hold),
        to the agency's own users only."""
        if agency_id != user.agency_id:
            raise ForbiddenError(
                "an agency's analysis policy is shown to its own users", {"field": "agency_id"}
            )
        stored = {str(r[0]): r for r in self._store.execute(_OF_AGENCY, [agency_id])}
        kinds: dict[str, Any] = {}
        for kind in ANALYSIS_KINDS:
            row = stored.get(kind)
            own = None if row is None or row[1] is None else sorted(row[1])
            kinds[kind] = {
                "purposes": own if own is not None else sorted(DEFAULT_PURPOSES[kind]),
                "follows_default": own is None,
                "waive_supervisor_hold": bool(row[2]) if row else False,
                "set_by": row[3] if row else None,
                "set_at": _iso(row[4]) if row else None,
            }
        return {"agency_id": agency_id, "kinds": kinds}

    def set(self, user: User, agency_id: str, changes: Mapping[str, KindSetting]) -> dict[str, Any]:
        """An admin of ``agency_id`` sets the given kinds (others unchanged) in one transaction,
        audited once before it commits."""
        if user.role != "admin":
            raise ForbiddenError("an agency's analysis policy is set by an admin of the agency")
        if agency_id != user.agency_id:
            raise ForbiddenError(
                "an agency's analysis policy is set by its own admin", {"field": "agency_id"}
            )
        checked = check_changes(changes)
        networks = [str(r[0]) for r in self._store.execute(_NETWORKS, [agency_id])]
        self._store.execute("BEGIN TRANSACTION")
        try:  # the settings before are read in the snapshot the rows are written in
            stored = self._stored(agency_id)
            previous: dict[str, Any] = {
                k: stored[k].to_dict() if k in stored else None for k in checked
            }
            event = AnalysisPolicyChange({k: s.to_dict() for k, s in checked.items()}, previous)
            self._write(user, agency_id, checked)
            # write-ahead: audited before the commit; an audit that fails rolls the rows back
            self._audit("analysis_policy_change", user, event.subject(), networks)
        except Exception:
            self._store.execute("ROLLBACK")
            raise
        self._store.execute("COMMIT")  # a failed commit is rolled back by the store itself
        return self.show(user, agency_id)

    def _write(
        self, user: User, agency_id: str, checked: Mapping[AnalysisKind, KindSetting]
    ) -> None:
        """One row per kind, inside the caller's transaction (all kinds or none)."""
        now = datetime.now(UTC).replace(tzinfo=None)
        for kind, setting in checked.items():
            codes = None if setting.purposes is None else sorted(setting.purposes)
            self._store.execute(
                _UPSERT, [agency_id, kind, codes, setting.waive_supervisor_hold, user.id, now]
            )

    def _stored(self, agency_id: str) -> dict[str, KindSetting]:
        rows = self._store.execute(_OF_AGENCY, [agency_id])
        return {str(k): KindSetting(None if p is None else frozenset(p), bool(w))
                for k, p, w, _, _ in rows}  # fmt: skip


def check_changes(changes: Mapping[str, KindSetting]) -> dict[AnalysisKind, KindSetting]:
    """Known kinds and selectable purpose codes only; errors name ``kinds.<kind>[.purposes]``."""
    if not changes:
        raise ValidationError("kinds: give at least one analysis kind", {"field": "kinds"})
    known = {p.code for p in selectable_purposes()}
    out: dict[AnalysisKind, KindSetting] = {}
    for kind, setting in changes.items():
        if kind not in ANALYSIS_KINDS:
            raise ValidationError(
                f"kinds.{kind}: not an analysis kind (one of {', '.join(ANALYSIS_KINDS)})",
                {"field": f"kinds.{kind}", "valid": list(ANALYSIS_KINDS)},
            )
        field = f"kinds.{kind}.purposes"
        purposes = setting.purposes or frozenset()
        unknown = sorted(p for p in purposes if p not in known)
        if unknown:
            raise ValidationError(
                f"{field}: unknown or not selectable purpose {', '.join(map(repr, unknown))}",
                {"field": field, "unknown": unknown},
            )
        if len(purposes) > MAX_PURPOSES:
            raise ValidationError(f"{field}: at most {MAX_PURPOSES}", {"field": field})
        out[kind] = setting
    return out


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat()
