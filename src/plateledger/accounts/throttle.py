"""Per-client throttling of failed password sign-ins (the per-account lockout is in ``users``).

The account lockout stops guessing one account's password; it does nothing against one client
trying many user ids (unknown ones included) once or twice each. :class:`SignInThrottle` counts
a client's failed sign-ins over a sliding window, whatever the user ids: past
``max_failures`` the client is refused, before any password is checked, until its oldest
failure in the window ages out. Memory is bounded (the least recently seen clients are
dropped past ``max_clients``). A client is whatever key the caller gives: the web UI uses the
request's client address (behind a proxy, configure it to pass the real address).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from plateledger.errors import PlateledgerError

MAX_CLIENT_FAILURES = 10
WINDOW_S = 15 * 60
MAX_CLIENTS = 10_000


class SignInThrottled(PlateledgerError):
    """Too many failed sign-ins from one client: retry after ``retry_after_s`` seconds."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"Too many failed sign-ins from your address: try again in {retry_after_s} s.",
            {"retry_after_s": retry_after_s},
        )
        self.retry_after_s = retry_after_s


class SignInThrottle:
    """Failed sign-ins per client over a sliding window; thread-safe."""

    def __init__(
        self, max_failures: int = MAX_CLIENT_FAILURES, window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic, max_clients: int = MAX_CLIENTS,
    ) -> None:  # fmt: skip
        self.max_failures = max(1, max_failures)
        self.window_s = window_s
        self._clock = clock
        self._max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """0 if ``client`` may try to sign in now, else whole seconds until it may."""
        now = self._clock()
        with self._lock:
            seen = self._recent(client, now)
            if len(seen) < self.max_failures:
                return 0
            return max(1, int(seen[0] + self.window_s - now + 0.999))

    def failed(self, client: str) -> bool:
        """Count a failed sign-in; True if this failure is the one that starts the block."""
        now = self._clock()
        with self._lock:
            seen = self._recent(client, now)
            seen.append(now)
            self._failures[client] = seen
            self._failures.move_to_end(client)
            while len(self._failures) > self._max_clients:
                self._failures.popitem(last=False)
            return len(seen) == self.max_failures

    def _recent(self, client: str, now: float) -> deque[float]:
        seen = self._failures.get(client, deque())
        while seen and seen[0] <= now - self.window_s:
            seen.popleft()
        return seen


__all__ = ["MAX_CLIENT_FAILURES", "WINDOW_S", "SignInThrottle", "SignInThrottled"]
