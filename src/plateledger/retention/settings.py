"""An agency's retention setting next to its statute cap; changes are audited as
``config_change``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from plateledger.app.platform import Platform
from plateledger.domain.types import Agency, User
from plateledger.errors import ValidationError
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.registry.agencies import own_agency, own_networks
from plateledger.retention.purge import windows

MAX_RETENTION_DAYS = 36_500


# --- retention -----------------------------------------------------------------------------
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


def retention_view(platform: Platform, user: User) -> RetentionView:
    agency = own_agency(platform, user)
    law = jurisdiction(agency.state)
    cap, rule = law.retention_for(agency.kind)
    window = next((w for w in windows(platform) if w.agency.id == agency.id), None)
    return RetentionView(
        agency, cap, rule.id, rule.citation or None, agency.retention_days,
        window.minutes if window else None, window.source if window else "no networks",
        law.non_hit_retention_minutes,
    )  # fmt: skip


def set_retention(platform: Platform, user: User, days: int | None) -> Agency:
    """Change the agency's retention setting (None: follow the statute cap alone)."""
    agency = own_agency(platform, user)
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(
            f"retention_days: give a whole number of days from 1 to {MAX_RETENTION_DAYS}",
            {"field": "retention_days"},
        )
    platform.log_event(
        "config_change", user,
        {"action": "retention", "retention_days": days, "previous": agency.retention_days},
        [n.id for n in own_networks(platform, user)],
    )  # fmt: skip
    changed = replace(agency, retention_days=days)
    platform.store.upsert_agencies([changed])
    return changed
