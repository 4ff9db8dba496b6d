"""Request-size and rate limits for the whole app (API, portal and UI), as one ASGI middleware.

- **Size**: a request whose ``Content-Length`` exceeds the limit of its path gets ``413`` before
  the app reads a byte; a body without ``Content-Length`` (chunked) is read up to the limit and
  refused at the first byte past it. Ingest and hotlist imports (large files by design) have a
  bigger limit than the rest of the API; their routes' own limits (reads per request, rows per
  file) still apply below it.
- **Rate**: token buckets per *user* and per *agency*, not per token: a bearer token is resolved
  to its user (cached; never audited here), and each request takes one token from the user's
  bucket and one from the agency's, so issuing oneself more tokens does not raise one's budget
  and an agency's users together cannot pass the agency's. A request without a bearer token, or
  with one that resolves to no live user, takes from its client address's bucket (so spraying
  made-up tokens does not mint buckets either). Past the burst a request gets ``429`` with
  ``Retry-After`` (whole seconds). ``/api/v1/health`` is exempt (load balancers poll it).

Defaults suit a 2-core machine; every value can be set by environment variable (see
:meth:`Limits.from_env`) or passed to ``create_app``. Errors use the API's JSON error shape.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MiB = 1024 * 1024
# Paths (prefixes) that take large bodies: ingest batches and hotlist/file imports.
LARGE_BODY_PREFIXES = ("/api/v1/reads", "/api/v1/hotlists")
EXEMPT_PATHS = frozenset({"/api/v1/health"})
MAX_CLIENTS = 10_000  # buckets kept; the least recently seen are dropped past this


@dataclass(frozen=True, slots=True)
class Limits:
    """Configuration of :class:`LimitsMiddleware`. ``rate_per_s <= 0`` disables rate limiting."""

    max_body_bytes: int = 1 * MiB
    max_upload_bytes: int = 16 * MiB  # paths under LARGE_BODY_PREFIXES
    rate_per_s: float = 100.0  # per user (or client address), sustained
    burst: int = 200
    large_prefixes: tuple[str, ...] = field(default=LARGE_BODY_PREFIXES)
    agency_rate_per_s: float = 400.0  # per agency, all its users together
    agency_burst: int = 800

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """``PLATELEDGER_MAX_BODY_BYTES``, ``PLATELEDGER_MAX_UPLOAD_BYTES``,
        ``PLATELEDGER_RATE_PER_S``, ``PLATELEDGER_RATE_BURST``,
        ``PLATELEDGER_AGENCY_RATE_PER_S``, ``PLATELEDGER_AGENCY_RATE_BURST``; unset means the
        default."""
        env = os.environ if env is None else env
        base = cls()
        try:
            return cls(
                max_body_bytes=int(env.get("PLATELEDGER_MAX_BODY_BYTES", base.max_body_bytes)),
                max_upload_bytes=int(
                    env.get("PLATELEDGER_MAX_UPLOAD_BYTES", base.max_upload_bytes)
                ),
                rate_per_s=float(env.get("PLATELEDGER_RATE_PER_S", base.rate_per_s)),
                burst=int(env.get("PLATELEDGER_RATE_BURST", base.burst)),
                agency_rate_per_s=float(
                    env.get("PLATELEDGER_AGENCY_RATE_PER_S", base.agency_rate_per_s)
                ),
                agency_burst=int(env.get("PLATELEDGER_AGENCY_RATE_BURST", base.agency_burst)),
            )
        except ValueError as exc:
            raise ValueError(f"PLATELEDGER_* limit settings must be numbers: {exc}") from None

    def body_limit(self, path: str) -> int:
        large = any(path == p or path.startswith(p + "/") for p in self.large_prefixes)
        return self.max_upload_bytes if large else self.max_body_bytes


class RateLimiter:
    """Token buckets by client key; thread-safe; bounded memory (LRU of ``MAX_CLIENTS``)."""

    def __init__(
        self, rate_per_s: float, burst: int, clock: Callable[[], float] | None = None
    ) -> None:
        self.rate, self.burst = rate_per_s, max(1, burst)
        self._clock = clock or time.monotonic
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 if allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return wait


#: Resolves a bearer token to ``(user id, agency id)``; None for no live token.
Identify = Callable[[str], tuple[str, str] | None]


class LimitsMiddleware:
    def __init__(
        self, app: ASGIApp, limits: Limits | None = None, identify: Identify | None = None
    ) -> None:
        self.app = app
        self.limits = limits or Limits()
        on = self.limits.rate_per_s > 0
        self.rates = RateLimiter(self.limits.rate_per_s, self.limits.burst) if on else None
        self.agency_rates = (
            RateLimiter(self.limits.agency_rate_per_s, self.limits.agency_burst)
            if on and self.limits.agency_rate_per_s > 0
            else None
        )
        self.identities = Identities(identify)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if self.rates is not None and path not in EXEMPT_PATHS:
            wait = self._take(scope)
            if wait > 0:
                retry = str(max(1, math.ceil(wait)))
                await _reply(send, 429, "rate_limited",
                             f"too many requests: retry after {retry} s",
                             {"retry_after_s": int(retry)}, {"retry-after": retry})  # fmt: skip
                return
        limit = self.limits.body_limit(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        if declared is not None:
            await self.app(scope, receive, send)  # the server enforces Content-Length framing
            return
        await self._chunked(scope, receive, send, limit)

    def _take(self, scope: Scope) -> float:
        """One token from the caller's user (or address) bucket and its agency's bucket."""
        assert self.rates is not None
        who = self.identities.resolve(bearer(scope))
        if who is None:
            return self.rates.take(address_key(scope))
        user_id, agency_id = who
        wait = self.rates.take("u:" + user_id)
        if wait > 0 or self.agency_rates is None:
            return wait
        return self.agency_rates.take("g:" + agency_id)

    async def _chunked(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Read a body without Content-Length up to ``limit`` (413 past it), then replay it.

        Buffering here rather than failing inside the app's ``receive``: a route that reads the
        body would turn an exception there into its own error (FastAPI answers 400)."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await _too_large(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # after the body: wait for http.disconnect

        await self.app(scope, replay, send)


class Identities:
    """Bearer token → ``(user, agency)``, cached by the token's hash (a token never changes
    owner); unknown tokens are not cached, so a token issued later is found."""

    def __init__(self, identify: Identify | None) -> None:
        self._identify = identify
        self._known: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, token: str | None) -> tuple[str, str] | None:
        if token is None or self._identify is None:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            if digest in self._known:
                self._known.move_to_end(digest)
                return self._known[digest]
        who = self._identify(token)
        if who is not None:
            with self._lock:
                self._known[digest] = who
                while len(self._known) > MAX_CLIENTS:
                    self._known.popitem(last=False)
        return who


def bearer(scope: Scope) -> str | None:
    """The request's bearer token, if it sends one."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, credential = value.partition(b" ")
            if scheme.lower() == b"bearer" and credential.strip():
                return str(credential.strip().decode("latin-1"))
    return None


def address_key(scope: Scope) -> str:
    """The bucket of a caller without a live bearer token: its client address."""
    client = scope.get("client")
    return "a:" + (str(client[0]) if client else "unknown")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    await _reply(send, 413, "too_large", f"request body over {limit} bytes",
                 {"max_bytes": limit}, {})  # fmt: skip


async def _reply(
    send: Send, status: int, code: str, message: str, details: object, extra: dict[str, str]
) -> None:
    body = orjson.dumps({"error": {"code": code, "message": message, "details": details}})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
