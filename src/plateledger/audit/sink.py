"""The narrow audit dependency a bounded context receives: an ``AuditSink``.

A context (accounts, registry, sharing, retention, ...) never holds the platform object; it is
given a callable that durably appends one audit event and returns its log index. The platform's
``log_event`` is one; a test may pass a real ``AuditLog`` wrapped by :func:`sink_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from plateledger.audit.events import AuditEvent, EventType, Outcome
from plateledger.audit.log import AuditLog
from plateledger.domain.types import User


class AuditSink(Protocol):
    """Durably append one audit event; the entry's index in the log."""

    def __call__(
        self,
        event_type: EventType,
        user: User | None,
        subject: Mapping[str, object],
        networks: Sequence[str] = (),
        outcome: Outcome = "success",
    ) -> int: ...


def sink_for(
    log: AuditLog, component: str, clock: Callable[[], datetime] | None = None
) -> AuditSink:
    """An :class:`AuditSink` appending to ``log`` as ``component``."""
    now = clock or (lambda: datetime.now(UTC))

    def append(
        event_type: EventType,
        user: User | None,
        subject: Mapping[str, object],
        networks: Sequence[str] = (),
        outcome: Outcome = "success",
    ) -> int:
        event = AuditEvent(
            now(), component, event_type, user.id if user else "unknown",
            user.agency_id if user else None, outcome, dict(subject), tuple(networks),
        )  # fmt: skip
        return log.append(event)

    return append
