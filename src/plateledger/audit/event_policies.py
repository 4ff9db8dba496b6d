"""Audit event types for an owner's policy on the analyses run over its networks. See
``event_base`` for how a type is declared and documented."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from plateledger.audit.event_base import AuditSubject, register


@register
@dataclass(frozen=True, slots=True)
class AnalysisPolicyChange(AuditSubject):
    """An agency admin changed which purposes its networks allow for convoy, multi-place or
    frequent-visitor analyses, or whether such an analysis is held for a supervisor.

    Written before the change is stored (a change that cannot be audited is not made), with the
    agency's networks in the entry's `networks`. A reason the classifier finds prohibited is
    denied whatever this policy says.

    settings: per analysis kind changed (`convoy`, `multi_place`, `frequent_visitor`): the
      new `purposes` (purpose codes; null: the built-in default list; empty: never allowed)
      and `waive_supervisor_hold` (true: allowed searches run without a supervisor's
      approval).
    previous: the same kinds as they were before, each null when it followed the defaults.
    """

    event_type: ClassVar[str] = "analysis_policy_change"
    settings: Mapping[str, Any]
    previous: Mapping[str, Any]
