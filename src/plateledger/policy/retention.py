"""The core platform's policy: every network is searchable within its owner's retention setting.

This is the behaviour before the purpose-bound engine (sharing agreements, state law, reason
classification) is configured: it applies retention — the one rule the core must always
honour — and nothing else, and says so in every decision it makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from plateledger.domain.types import Agency, Network
from plateledger.policy.base import AccessRequest, Decision


class RetentionOnlyPolicy:
    def evaluate(
        self, request: AccessRequest, networks: Sequence[tuple[Network, Agency]]
    ) -> list[Decision]:
        decisions = []
        for network, owner in networks:
            cutoff = None
            rule = "core.retention.none"
            explanation = f"{owner.name}: no retention limit configured"
            if owner.retention_days is not None:
                cutoff = request.at - timedelta(days=owner.retention_days)
                rule = "core.retention.agency"
                explanation = (
                    f"{owner.name} keeps reads for {owner.retention_days} days; older reads are "
                    "not searched"
                )
            decisions.append(Decision(network.id, owner.id, "allow", (rule,), explanation, cutoff))
        return decisions
