"""The clock a bounded context is given: a callable returning the current time (UTC, aware).

Passing it as a keyword argument lets a test fix "now" without patching the standard library.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC: the default clock."""
    return datetime.now(UTC)
