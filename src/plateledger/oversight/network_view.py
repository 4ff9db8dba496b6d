"""What a network's owner may see of an audit entry: the entry narrowed to its own networks.

A search request is written once, with the policy's decision for every owner network it
touched, and a national search touches every network. The network audit view of network N
(``GET /api/v1/audit/networks/{N}``) shows, for each entry about N, who searched, why, and the
decision for N only: :func:`narrow` keeps the decisions, the searched and excluded networks,
the top-level ``networks`` and the cameras named in the query that belong to the networks the
view is about, and drops every other network's id and decision. It runs before redaction and
before any output format, so JSONL and the Flock CSV layouts (whose "Total Networks Searched"
and "Total Devices Searched" then count the viewer's networks only) show the same narrowed
entry under every profile. The log itself is never changed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any

Entry = tuple[int, dict[str, Any]]


def narrow(
    entry: dict[str, Any], networks: Collection[str], cameras: Collection[str] = ()
) -> dict[str, Any]:
    """A copy of ``entry`` naming only ``networks`` (and, in its query, only ``cameras``)."""
    keep = frozenset(networks)
    out = dict(entry)
    out["networks"] = [n for n in entry.get("networks") or () if n in keep]
    subject = entry.get("subject")
    if not isinstance(subject, dict):
        return out
    narrowed = dict(subject)
    if isinstance(subject.get("decisions"), list):
        narrowed["decisions"] = [
            d for d in subject["decisions"] if isinstance(d, dict) and d.get("network") in keep
        ]
    for name in ("networks_searched", "networks_excluded"):
        if isinstance(subject.get(name), list):
            narrowed[name] = [n for n in subject[name] if n in keep]
    query = subject.get("query")
    if isinstance(query, dict) and isinstance(query.get("cameras"), list):
        allowed = frozenset(cameras)
        narrowed["query"] = {**query, "cameras": [c for c in query["cameras"] if c in allowed]}
    out["subject"] = narrowed
    return out


def narrowed(
    rows: Iterable[Entry], networks: Collection[str], cameras: Collection[str] = ()
) -> Iterator[Entry]:
    """``rows`` with every entry narrowed to ``networks`` (see :func:`narrow`)."""
    for index, entry in rows:
        yield index, narrow(entry, networks, cameras)
