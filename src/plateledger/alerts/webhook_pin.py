"""Where a webhook is actually sent: its host resolved and checked at delivery, then pinned.

A URL checked at registration (``webhook_urls``) names a host; the name can be made to
resolve to an internal address later (DNS rebinding: a short TTL, a first answer public, the
next one 127.0.0.1 or 169.254.169.254). So every delivery attempt resolves the host once,
refuses the delivery if *any* address is not public (loopback, private, link-local, shared,
multicast, reserved, unspecified; IPv4-mapped and other IPv6 spellings of them too), and
connects to the address it checked: the request URL carries that address, the ``Host`` header
the original host, and for https the TLS server name (SNI and certificate check) the original
host name. The HTTP client never resolves the name itself, and redirects are not followed, so
nothing it connects to was left unchecked.

Plain http is only for development receivers on this machine (``PLATELEDGER_DEV_WEBHOOKS=1``):
with that flag an http URL must resolve to loopback addresses only.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from plateledger.alerts.webhook_urls import (
    Network,
    _address,
    _ascii_host,
    check_webhook_url,
    in_private,
)
from plateledger.errors import ValidationError

Resolver = Callable[[str, int], Sequence[str]]  # (host, port) -> addresses, as text
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookRefused(Exception):
    """A delivery refused before connecting; the message says why (never the URL's path)."""


@dataclass(frozen=True, slots=True)
class PinnedTarget:
    url: str  # the URL with its host replaced by the checked address
    host_header: str  # the original host[:port]
    sni_hostname: str | None  # https: the name the certificate must carry


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def pin_webhook_url(
    url: str, *, resolve: Resolver = system_resolve, allow_loopback_http: bool = False,
    private: Sequence[Network] = (),
) -> PinnedTarget:  # fmt: skip
    """The checked, pinned target of ``url``; :class:`WebhookRefused` if it may not be sent.
    ``private``: the agency's allowed private ranges (``webhook_urls.in_private``)."""
    try:
        check_webhook_url(url, allow_loopback_http=allow_loopback_http, private=private)
    except ValidationError as exc:
        raise WebhookRefused(exc.message) from None
    parts = urlsplit(url)
    host = _ascii_host(parts.hostname or "")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    literal = _address(host)
    raw = [str(literal)] if literal is not None else _resolve(resolve, host, port)
    checked = [(text, _parsed(text)) for text in raw]
    for text, addresses in checked:
        if not _allowed(addresses, https, private):
            raise WebhookRefused(f"{host} resolves to a non-public address ({text})")
    chosen = checked[0][1][0]
    netloc = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc += f":{parts.port}" if parts.port else ""
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = host + (f":{parts.port}" if parts.port else "")
    return PinnedTarget(pinned, host_header, host if https and literal is None else None)


def _resolve(resolve: Resolver, host: str, port: int) -> list[str]:
    try:
        found = [str(a).split("%", 1)[0] for a in resolve(host, port)]  # drop IPv6 zone ids
    except (OSError, UnicodeError) as exc:
        raise WebhookRefused(f"{host} does not resolve ({type(exc).__name__})") from None
    if not found:
        raise WebhookRefused(f"{host} does not resolve")
    return found


def _parsed(text: str) -> tuple[Address, Address]:
    """The address as given, and as judged (an IPv6 spelling of an IPv4 address: that one)."""
    try:
        given = ipaddress.ip_address(text)
    except ValueError:
        raise WebhookRefused(f"the resolver gave {text!r}, not an address") from None
    return given, _address(text) or given


def _allowed(addresses: tuple[Address, Address], https: bool, private: Sequence[Network]) -> bool:
    if not https:  # development http: loopback receivers only
        return any(a.is_loopback for a in addresses)
    return all(
        (a.is_global and not (a.is_multicast or a.is_unspecified)) or in_private(a, private)
        for a in addresses
    )
