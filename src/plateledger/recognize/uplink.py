"""Posting reads to a plateledger server, with retry/backoff and an on-disk spool.

Reads are sent as NDJSON to ``POST {url}/api/v1/reads`` with ``Authorization: Bearer <token>``.
A batch that still fails after the retries (network error, 5xx, 429) is appended to
``spool/pending.ndjson`` and sent first on the next call; a 4xx other than 429 is a permanent
rejection (bad token, unknown camera) and is raised, not spooled, so it cannot loop forever.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plateledger.errors import PlateledgerError

PENDING = "pending.ndjson"


class UplinkRejected(PlateledgerError):
    """The server refused the reads for good (4xx): fix the token, camera or URL."""

    code = "uplink_rejected"
    status = 502


@dataclass(frozen=True, slots=True)
class PostResult:
    sent: int
    spooled: int


class Uplink:
    def __init__(
        self,
        url: str,
        token: str,
        spool_dir: Path,
        retries: int = 3,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = url.rstrip("/") + "/api/v1/reads"
        self.token = token
        self.spool = spool_dir
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._sleep = sleep

    def post(self, reads: Sequence[dict[str, Any]]) -> PostResult:
        """Send spooled reads, then ``reads``; spool whatever could not be delivered."""
        pending = self.spool / PENDING
        backlog = pending.read_text("utf-8").splitlines() if pending.exists() else []
        lines = [line for line in backlog if line.strip()]
        lines += [json.dumps(read, separators=(",", ":")) for read in reads]
        if not lines:
            return PostResult(0, 0)
        if self._send("\n".join(lines) + "\n"):
            pending.unlink(missing_ok=True)
            return PostResult(len(lines), 0)
        self.spool.mkdir(parents=True, exist_ok=True)
        tmp = pending.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", "utf-8")
        tmp.replace(pending)
        return PostResult(0, len(lines))

    def _send(self, body: str) -> bool:
        for attempt in range(self.retries):
            if attempt:
                self._sleep(self.backoff_s * 2 ** (attempt - 1))
            request = urllib.request.Request(
                self.endpoint,
                data=body.encode("utf-8"),
                method="POST",
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/x-ndjson",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    if 200 <= response.status < 300:
                        return True
            except urllib.error.HTTPError as exc:
                if 400 <= exc.code < 500 and exc.code != 429:
                    raise UplinkRejected(
                        f"server refused the reads: HTTP {exc.code} from {self.endpoint}",
                        {"status": exc.code},
                    ) from None
            except (urllib.error.URLError, OSError, TimeoutError):
                pass
        return False
