"""The effective retention window of an owner agency: the one place it is computed.

The window is the shortest of the statute's cap for the agency's kind in its state, the
agency's own setting, and (where the law has one) the state's window for reads that match no
hot list (New Hampshire: 3 minutes). On a tie the statute names the window, then the non-hit
rule, then the setting. The purge (``plateledger.retention``) uses the whole window; the policy
engine, which bounds searches in whole days, leaves the non-hit window out (``non_hit=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

from plateledger.domain.types import Agency
from plateledger.policy.jurisdiction_model import Jurisdiction

MINUTES_PER_DAY = 24 * 60
NO_LIMIT = "none"  # the rule of a window nothing limits


@dataclass(frozen=True, slots=True)
class RetentionWindow:
    """How long an owner's reads are kept, and the rule that says so."""

    minutes: int | None  # None: kept forever (no cap, no setting, no non-hit rule)
    rule: str  # a statute rule id, ``agency.<id>.retention``, ``<code>.retention.non_hit``

    @property
    def days(self) -> int | None:
        """The window in whole days (rounded down), or ``None`` when unlimited."""
        return None if self.minutes is None else self.minutes // MINUTES_PER_DAY


def effective_window(agency: Agency, law: Jurisdiction, *, non_hit: bool = True) -> RetentionWindow:
    """min(statute cap for ``agency``'s kind under ``law``, the agency's setting, and with
    ``non_hit`` the law's non-hit window), with the id of the rule that set it (``"none"``
    when nothing limits it)."""
    cap, rule = law.retention_for(agency.kind)
    candidates: list[tuple[int, str]] = []
    if cap is not None:
        candidates.append((cap * MINUTES_PER_DAY, rule.id))
    if non_hit and law.non_hit_retention_minutes is not None:
        candidates.append((law.non_hit_retention_minutes, f"{law.code}.retention.non_hit"))
    if agency.retention_days is not None:
        setting = agency.retention_days * MINUTES_PER_DAY
        candidates.append((setting, f"agency.{agency.id}.retention"))
    if not candidates:
        return RetentionWindow(None, NO_LIMIT)
    best = candidates[0]
    for candidate in candidates[1:]:
        if candidate[0] < best[0]:  # strictly shorter: the earlier rule wins a tie
            best = candidate
    return RetentionWindow(*best)
