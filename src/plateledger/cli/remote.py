"""The CLI as an HTTP client: `search`, `timeline` and `stats` with `--url` ask a running server.

A server holds its data directory (DuckDB and the audit log allow one process), so beside
`plateledger serve` or `make demo` the CLI goes through the API instead, with the caller's
token, and prints what the local path prints. Standard library only (urllib): no new
dependency. API errors become one line naming the field, the policy reasons or the search id.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from plateledger import __version__
from plateledger.cli.common import eprint
from plateledger.errors import PlateledgerError, ValidationError

API = "/api/v1"

TokenOpt = Annotated[
    str | None,
    typer.Option(
        envvar="PLATELEDGER_TOKEN",
        help="Your API token. Prefer the environment variable PLATELEDGER_TOKEN or --token-file: "
        "a token typed here stays in your shell history and shows in `ps`.",
    ),
]
TokenFileOpt = Annotated[
    Path | None,
    typer.Option(help="Read the token from this file (first line) instead of --token."),
]
UrlOpt = Annotated[
    str | None,
    typer.Option(
        envvar="PLATELEDGER_URL",
        help="Ask the server at this http(s) address (e.g. http://127.0.0.1:8000) through its "
        "API instead of opening --data: use it while `plateledger serve` or `make demo` runs.",
    ),
]
TIMEOUT_S = 120.0

# API field names (as a 422 names them) → the CLI option that sets them.
CLI_OPTION = {
    "query.plate": "--plate", "query.mode": "--mode", "query.max_distance": "--max-distance",
    "query.time_from": "--from", "query.time_to": "--to", "query.cameras": "--camera",
    "query.bbox": "--bbox", "query.near": "--near", "query.plate_state": "--state",
    "query.color": "--color", "query.vehicle_type": "--type", "query.make": "--make",
    "query.limit": "--limit", "query.offset": "--offset", "purpose": "--purpose",
    "case_number": "--case-number", "reason": "--reason", "on_behalf_of": "--on-behalf-of",
    "from": "--from", "to": "--to", "plate": "PLATE",
}  # fmt: skip


class RemoteError(PlateledgerError):
    """What the server (or the way to it) answered instead of a result, as one CLI line."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message, details)
        self.code = code


@dataclass(frozen=True, slots=True)
class Held:
    """A 202 answer: the request is logged and held for a supervisor; nothing was read."""

    search_id: str
    message: str


@dataclass(frozen=True, slots=True)
class Server:
    """A plateledger server at ``base`` (scheme, host, port and any path prefix), called with
    one bearer token."""

    base: str
    token: str

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any] | Held:
        return self._call("POST", path, json.dumps(body).encode())

    def get(self, path: str, params: Mapping[str, str | None]) -> dict[str, Any] | Held:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return self._call("GET", f"{path}?{query}" if query else path, None)

    def _call(self, method: str, path: str, data: bytes | None) -> dict[str, Any] | Held:
        url = f"{self.base}{API}{path}"
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   "User-Agent": f"plateledger-cli/{__version__}"}  # fmt: skip
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _OPENER.open(request, timeout=TIMEOUT_S) as resp:
                status, body = resp.status, _json(resp, self.base, resp.status)
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:
                where = exc.headers.get("Location", "?")
                raise RemoteError(
                    "redirect", f"--url: {self.base} redirects to {where}; pass that URL"
                ) from None
            body = _json(exc, self.base, exc.code)
            raise answer_error(exc.code, body) from None
        except (urllib.error.URLError, OSError) as exc:
            raise _unreachable(self.base, exc) from None
        if status == 202:
            return held_of(body)
        return body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is refused, not followed: it would carry the token to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _json(resp: IO[bytes], base: str, status: int) -> dict[str, Any]:
    raw = resp.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise RemoteError(
            "not_plateledger", f"--url: {base} did not answer as a plateledger API (HTTP {status})"
        )
    return body


def _unreachable(base: str, exc: BaseException) -> RemoteError:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ConnectionRefusedError):
        return RemoteError("no_server", f"--url: no server at {base} (connection refused)")
    if isinstance(reason, socket.gaierror):
        return RemoteError("no_server", f"--url: no server at {base} (unknown host)")
    if isinstance(reason, TimeoutError | socket.timeout):
        return RemoteError("no_server", f"--url: {base} did not answer in {TIMEOUT_S:.0f} s")
    return RemoteError("no_server", f"--url: cannot reach {base}: {reason}")


def held_of(body: Mapping[str, Any]) -> Held:
    """A 202: a search's body (``search_id``, ``message``) or a timeline's error envelope."""
    error = body.get("error")
    if isinstance(error, Mapping):
        details = error.get("details") or {}
        return Held(str(details.get("search_id", "?")), str(error.get("message", "held")))
    return Held(str(body.get("search_id", "?")), str(body.get("message", "held")))


def answer_error(status: int, body: Mapping[str, Any]) -> RemoteError:
    """The API's error envelope as one CLI line: 401 the token, 403 the policy's reasons,
    422 the fields (with the CLI options that set them)."""
    error = body.get("error")
    error = error if isinstance(error, Mapping) else {}
    code = str(error.get("code") or f"http_{status}")
    message = str(error.get("message") or f"HTTP {status}")
    details = error.get("details")
    if status == 401:
        return RemoteError(code, f"the server refused the token ({message}); check --token, "
                                 "PLATELEDGER_TOKEN or --token-file")  # fmt: skip
    if status == 422 and isinstance(details, Sequence):
        return RemoteError(code, "invalid: " + "; ".join(_problem(p) for p in details), details)
    if isinstance(details, Mapping) and details.get("field"):
        field = str(details["field"])
        named = _option(field).split(" (")[0] if message.startswith(f"{field}:") else None
        return RemoteError(code, f"{named or _option(field)}: {message}", details)
    return RemoteError(code, message, details)


def _option(field: str) -> str:
    """``--near (query.near.lat)``: the CLI option beside the API's field name. A body field of
    a search is ``query.near.lat``; a query-string or path parameter ``query.purpose``,
    ``path.plate``."""
    parts = field.split(".")
    option = (CLI_OPTION.get(field) or CLI_OPTION.get(".".join(parts[:2]))
              or CLI_OPTION.get(".".join(parts[1:2])))  # fmt: skip
    return f"{option} ({field})" if option else field


def _problem(problem: Any) -> str:
    if not isinstance(problem, Mapping):
        return str(problem)
    return f"{_option(str(problem.get('field', '?')))}: {problem.get('message', '')}"


def server(url: str, token: str | None, token_file: Path | None) -> Server:
    """Check ``--url`` (http or https, a host, no query) and the token; warn on stderr when the
    token would cross the network in clear text."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            f"--url: {url!r} is not an http:// or https:// address of a server", {"field": "url"}
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(
            "--url: give scheme, host, port and path only (no query, fragment or credentials)",
            {"field": "url"},
        )
    path = parts.path.rstrip("/").removesuffix(API)
    base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    secret = read_token(token, token_file)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        eprint(f"warning: your token goes to {parts.hostname} over plain http, readable on the "
               "way; use https")  # fmt: skip
    return Server(base, secret)


def read_token(token: str | None, token_file: Path | None) -> str:
    """The token from --token / PLATELEDGER_TOKEN or from --token-file (first line)."""
    if token and token_file is not None:
        raise ValidationError(
            "--token-file: give the token one way: --token (or PLATELEDGER_TOKEN) or --token-file",
            {"field": "token_file"},
        )
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(
                f"--token-file: cannot read {token_file}: {exc}", {"field": "token_file"}
            ) from None
        token = lines[0].strip() if lines else ""
        if not token:
            raise ValidationError(f"--token-file: {token_file} is empty", {"field": "token_file"})
    if not token:
        raise ValidationError(
            "--token: no token; set PLATELEDGER_TOKEN (preferred) or pass --token-file",
            {"field": "token"},
        )
    return token


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
