"""Where a webhook may point: https to a public host, nothing else by default.

A webhook is a request the server makes on an admin's behalf; without a check it reaches the
server's own loopback services, the cloud metadata address (169.254.169.254) or the agency's
private network. Refused: every scheme but https, credentials in the URL, IP literals that are
loopback, private, link-local, multicast, reserved or unspecified (IPv4, IPv6 and IPv4-mapped),
host names that are `localhost` or end in `.localhost`/`.local`/`.internal`. For development a
flag allows plain http to loopback only. Names are not resolved here (that is checked again at
delivery time by whoever resolves them); errors name the field `url`.
"""

from __future__ import annotations

import ipaddress
from typing import NoReturn
from urllib.parse import urlsplit

from plateledger.errors import ValidationError

MAX_URL = 2048
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


def check_webhook_url(url: str, *, allow_loopback_http: bool = False) -> str:
    """``url`` if a webhook may be sent there, else :class:`ValidationError` on ``url``."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or url != url.strip():
        _refuse(f"give an https URL of at most {MAX_URL} characters")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        _refuse("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a bad port raises here
    except ValueError:
        _refuse("is not a URL")
    host = _ascii_host(parts.hostname or "")
    if not host:
        _refuse("has no host")
    if parts.username is not None or parts.password is not None:
        _refuse("must not carry credentials (use the webhook secret)")
    address = _address(host)
    loopback = host == "localhost" or (address is not None and address.is_loopback)
    if parts.scheme == "http" and allow_loopback_http and loopback:
        return url  # development only: a receiver on this machine
    if parts.scheme != "https":
        _refuse("must be https")
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        _refuse("must be a public host, not a local name")
    if address is not None and not address.is_global:
        _refuse("must be a public address (not loopback, private, link-local or reserved)")
    return url


def _ascii_host(host: str) -> str:
    """The host as an HTTP client will resolve it: IDNA (so ideographic and full-width dots
    are dots: "127。0。0。1" is 127.0.0.1), lower case, no trailing dot."""
    try:
        return host.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        _refuse("has a host name that is not a valid international domain name")


def webhook_origin(url: str) -> str:
    """``scheme://host[:port]`` of a checked URL: what the audit log records of it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return _legacy_ipv4(host)
    if isinstance(address, ipaddress.IPv6Address):
        return _embedded_ipv4(address) or address
    return address


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPAT = ipaddress.ip_network("::/96")  # IPv4-compatible (deprecated, still routed by some)
_SIIT = ipaddress.ip_network("::ffff:0:0:0/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 spelling carries (mapped, 6to4, NAT64, compatible, SIIT)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or address in _COMPAT or address in _SIIT:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Numeric forms HTTP clients still accept: ``2130706433``, ``0x7f.1``, ``127.1``."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_is_number(p) for p in parts):
        return None
    values = [int(p, 0) if not p.startswith("0") or p in {"0"} or p.lower().startswith("0x")
              else int(p, 8) for p in parts]  # fmt: skip
    last_bits = 8 * (5 - len(values))
    if any(v > 255 for v in values[:-1]) or values[-1] >= 1 << last_bits:
        return ipaddress.IPv4Address(0)  # out of range: treat as unspecified (refused)
    number = 0
    for v in values[:-1]:
        number = number << 8 | v
    number = number << last_bits | values[-1]
    return ipaddress.IPv4Address(number)


def _is_number(part: str) -> bool:
    p = part.lower()
    if p.startswith("0x"):
        return len(p) > 2 and all(c in "0123456789abcdef" for c in p[2:])
    return p.isdigit()


def _refuse(problem: str) -> NoReturn:
    raise ValidationError(f"url: {problem}", {"field": "url"})
