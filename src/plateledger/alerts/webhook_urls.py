"""Where a webhook may point: https to a public host, nothing else by default.

A webhook is a request the server makes on an admin's behalf; without a check it reaches the
server's own loopback services, the cloud metadata address (169.254.169.254) or the agency's
private network. Refused: every scheme but https, credentials in the URL, IP literals that are
loopback, private, link-local, multicast, reserved or unspecified (IPv4, IPv6 and IPv4-mapped),
host names that are `localhost` or end in `.localhost`/`.local`/`.internal`. An agency admin
may allow private ranges (an audited setting, ``private``: CIDR networks inside 10/8,
172.16/12, 192.168/16, 100.64/10 or fc00::/7): an https URL whose address falls in one is then
accepted; loopback, link-local (169.254.169.254) and the rest never are. For development a flag
allows plain http to loopback only. Names are not resolved here (that is checked again at
delivery time by whoever resolves them); errors name the field `url`.

What the audit log records of a URL (:func:`audit_url`): the whole URL without its secrets —
no user info, the value of every query parameter whose name looks like a credential (`token`,
`key`, `secret`, `sig`, `signature`, `auth`, `password`, `code`, ...) or whose value looks like
one (16 or more letters, digits, `-`, `_`, with letters and digits mixed), and every path
segment that looks like one, replaced by `REDACTED`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import NoReturn
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from plateledger.errors import ValidationError

MAX_URL = 2048
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def check_webhook_url(
    url: str, *, allow_loopback_http: bool = False, private: Sequence[Network] = ()
) -> str:
    """``url`` if a webhook may be sent there, else :class:`ValidationError` on ``url``;
    ``private``: the agency's allowed private ranges."""
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
    if address is not None and not address.is_global and not in_private(address, private):
        _refuse("must be a public address (not loopback, private, link-local or reserved)")
    return url


def in_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
               private: Sequence[Network]) -> bool:  # fmt: skip
    """Whether ``address`` is in one of the allowed private ranges (never loopback or
    link-local, whatever the list says)."""
    if address.is_loopback or address.is_link_local or address.is_unspecified:
        return False
    return any(address.version == n.version and address in n for n in private)


_ALLOWABLE = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
))  # fmt: skip
MAX_PRIVATE_NETWORKS = 20


def check_private_networks(values: Sequence[str]) -> list[Network]:
    """The allow-list an admin gives, checked: CIDR networks inside the private ranges only
    (:class:`ValidationError` on ``networks``)."""
    if len(values) > MAX_PRIVATE_NETWORKS:
        _refuse_networks(f"at most {MAX_PRIVATE_NETWORKS} networks")
    out: list[Network] = []
    for value in values:
        try:
            net = ipaddress.ip_network(value, strict=True)
        except ValueError:
            _refuse_networks("give CIDR networks such as 10.20.0.0/16 (host bits zero)")
        if not any(net.version == r.version and net.subnet_of(r) for r in _ALLOWABLE):  # type: ignore[arg-type]
            _refuse_networks(
                "only private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)"
            )
        out.append(net)
    return sorted(set(out), key=str)


def _refuse_networks(problem: str) -> NoReturn:
    raise ValidationError(f"networks: {problem}", {"field": "networks"})


_SECRET_NAMES = re.compile(
    r"(token|key|secret|sig|signature|auth|password|passwd|pwd|code|credential|session|hmac)",
    re.IGNORECASE,
)
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-]{16,}")


def _looks_like_token(text: str) -> bool:
    return (
        bool(_TOKEN_LIKE.fullmatch(text))
        and any(c.isdigit() for c in text)
        and any(c.isalpha() for c in text)
    )


def audit_url(url: str) -> str:
    """The URL as the audit log records it: everything but what looks like a secret (see the
    module doc): no user info, such query values and path segments replaced by ``REDACTED``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    path = "/".join("REDACTED" if _looks_like_token(seg) else seg for seg in parts.path.split("/"))
    query = "&".join(
        f"{quote(k, safe='')}="
        + ("REDACTED" if _SECRET_NAMES.search(k) or _looks_like_token(v) else quote(v, safe=""))
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _ascii_host(host: str) -> str:
    """The host as an HTTP client will resolve it: IDNA (so ideographic and full-width dots
    are dots: "127。0。0。1" is 127.0.0.1), lower case, no trailing dot."""
    try:
        return host.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        _refuse("has a host name that is not a valid international domain name")


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
