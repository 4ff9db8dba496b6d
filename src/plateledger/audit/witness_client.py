"""The witness's HTTP client for a plateledger server's public audit endpoints (no token):
``GET /api/v1/audit/checkpoint``, ``GET /api/v1/audit/consistency`` and
``POST /api/v1/audit/cosignatures``. Every failure is a one-line :class:`WitnessError`."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import orjson

from plateledger.audit.witness import WitnessError

API = "/api/v1/audit"
MAX_RESPONSE = 1 << 20


class HttpLog:
    """A log served by a plateledger server at ``base`` (e.g. ``https://alpr.example``)."""

    def __init__(self, base: str, *, timeout: float = 30.0) -> None:
        parsed = urllib.parse.urlsplit(base)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise WitnessError("unreachable", f"--server {base!r}: not an http(s) URL")
        self.base = base.rstrip("/")
        self.timeout = timeout

    def checkpoint(self) -> str:
        return self._call("GET", "/checkpoint").decode("utf-8", "replace")

    def consistency(self, first: int, second: int) -> list[bytes]:
        query = urllib.parse.urlencode({"first": first, "second": second})
        try:
            proof = orjson.loads(self._call("GET", f"/consistency?{query}"))
            return [bytes.fromhex(h) for h in proof["hashes"]]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise WitnessError(
                "inconsistent", f"{self.base}: malformed consistency proof"
            ) from None

    def rotations(self) -> list[str]:
        """The log's key rotation notes (``GET /api/v1/audit/keys``), oldest first."""
        try:
            return [str(n) for n in orjson.loads(self._call("GET", "/keys"))["rotations"]]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise WitnessError("bad_signature", f"{self.base}: malformed key history") from None

    def submit(self, size: int, witness: str, line: str) -> None:
        body = orjson.dumps({"size": size, "witness": witness, "cosignature": line})
        self._call("POST", "/cosignatures", body)

    def _call(self, method: str, path: str, body: bytes | None = None) -> bytes:
        url = f"{self.base}{API}{path}"
        headers = {"Content-Type": "application/json"} if body is not None else {}
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                data: bytes = resp.read(MAX_RESPONSE + 1)
        except urllib.error.HTTPError as exc:
            raise WitnessError(
                "server_refused", f"{method} {url}: HTTP {exc.code} {_message(exc)}"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WitnessError("unreachable", f"{method} {url}: {reason}") from None
        if len(data) > MAX_RESPONSE:
            raise WitnessError("server_refused", f"{method} {url}: response too large")
        return data


def _message(exc: urllib.error.HTTPError) -> str:
    """The API's error message from an error response, if it has one."""
    try:
        body = json.loads(exc.read(64 * 1024) or b"{}")
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError, OSError):
        return str(exc.reason)
