"""An agency's retention setting next to its statute cap; changes are audited as
``config_change``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from plateledger.audit.sink import AuditSink
from plateledger.domain.types import Agency, User
from plateledger.errors import ValidationError
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.policy.retention import effective_window
from plateledger.registry.agencies import own_agency, own_networks
from plateledger.retention.base import RetentionStore

MAX_RETENTION_DAYS = 36_500


@dataclass(frozen=True, slots=True)
class RetentionView:
    agency: Agency
    cap_days: int | None  # statute cap for this kind of agency in its state; None: no cap
    cap_rule: str
    cap_citation: str | None
    setting_days: int | None  # the agency's own setting
    effective_minutes: int | None  # min(cap, setting, non-hit window); None: kept forever
    effective_rule: str
    non_hit_minutes: int | None


class RetentionSettings:
    """An agency admin's view and change of the agency's own retention setting."""

    def __init__(self, *, store: RetentionStore, audit: AuditSink) -> None:
        self._store = store
        self._audit = audit

    def view(self, user: User) -> RetentionView:
        """The admin's agency: statute cap, own setting and the effective window."""
        agency = own_agency(self._store, user)
        law = jurisdiction(agency.state)
        cap, rule = law.retention_for(agency.kind)
        if own_networks(self._store, user):
            window = effective_window(agency, law)
            minutes, effective_rule = window.minutes, window.rule
        else:  # retention applies to an owner's networks; it has none
            minutes, effective_rule = None, "no networks"
        return RetentionView(
            agency, cap, rule.id, rule.citation or None, agency.retention_days, minutes,
            effective_rule, law.non_hit_retention_minutes,
        )  # fmt: skip

    def change(self, user: User, days: int | None) -> Agency:
        """Change the agency's retention setting (None: follow the statute cap alone)."""
        agency = own_agency(self._store, user)
        if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
            raise ValidationError(
                f"retention_days: give a whole number of days from 1 to {MAX_RETENTION_DAYS}",
                {"field": "retention_days"},
            )
        self._audit(
            "config_change", user,
            {"action": "retention", "retention_days": days, "previous": agency.retention_days},
            [n.id for n in own_networks(self._store, user)],
        )  # fmt: skip
        changed = replace(agency, retention_days=days)
        self._store.upsert_agencies([changed])
        return changed
