"""Sharing lists as produced by records requests: Flock ``SharedNetworks.csv`` (Organization
Name, Networks Shared With Me, Networks I'm Sharing; a blank cell means no sharing that way),
the same with a State / Network Count column, two-column inbound-only lists, and one-column
workbook sheets titled "shared with" / "received from". Each becomes rows of the ``sharing``
table: direction 'outbound' = the agency shares its data with the partner, 'inbound' = it
receives the partner's data."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plateledger.oversight.layouts import normalise
from plateledger.oversight.portal_sharing import state_of

STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)
_ORG = {"organization name", "organization", "org name", "agency", "agency name", "partner"}
_FEDERAL = re.compile(
    r"\[federal\]|\b(?:FBI|DEA|ATF|ICE|HSI|CBP|USBP|DHS|NCIS|U\.?S\.? Marshals?|Border Patrol|"
    r"Homeland Security|Veterans Affairs|Secret Service|Federal)\b",
    re.I,
)
_POLICE = re.compile(
    r"\b(?:PD|SO|SD|DPS|Police|Sheriff'?s?|Marshal'?s?|Patrol|Constable|Law Enforcement|"
    r"Task Force|DA'?s Office|District Attorney|Public Safety|NCRIC|RISS|Fusion)\b",
    re.I,
)
_PRIVATE = re.compile(
    r"\b(?:LLC|Inc|Corp|Homes?|Apartments?|Apts|HOA|Homeowners|Walmart|Lowe'?s|Home Depot|"
    r"Property|Properties|Neighborhood|Capital|Mall|Plaza|Village|Cemetery|Healthcare)\b",
    re.I,
)
_TOKEN = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class SharingLayout:
    """Which column holds the partner and which columns say each direction; ``fixed`` is the
    direction of every row of a one-column list (from the sheet's title)."""

    partner: int
    state: int | None = None
    inbound: int | None = None
    outbound: int | None = None
    fixed: str | None = None


def header(cells: Sequence[str], title: str = "") -> SharingLayout | None:
    """The sharing layout of a header row, or None when the row is not one."""
    keys = [normalise(c) for c in cells]
    org = next((i for i, k in enumerate(keys) if k in _ORG), None)
    inbound = next(
        (i for i, k in enumerate(keys) if "shared with me" in k or "received from" in k), None
    )
    outbound = next(
        (i for i, k in enumerate(keys) if "im sharing" in k or k.startswith("sharing with")), None
    )
    state = next((i for i, k in enumerate(keys) if k == "state"), None)
    if org is not None and (inbound is not None or outbound is not None):
        return SharingLayout(org, state, inbound, outbound)
    filled = [k for k in keys if k]
    direction = title_direction(title)
    if org is not None and len(filled) <= 2 and direction:
        return SharingLayout(org, state, fixed=direction)
    return None


def title_direction(title: str) -> str | None:
    t = normalise(title)
    if any(w in t for w in ("received", "shared with me", "inbound", "from")):
        return "inbound"
    if any(w in t for w in ("shared with", "sharing", "outbound", "share")):
        return "outbound"
    return None


def partner_state(name: str, given: str | None = None) -> str | None:
    """The two-letter state of a partner: the State column, else one read from its name by the
    same rule as portal snapshots (``portal_sharing.state_of``: the last state code, a trailing
    ``SD`` being a sheriff's department)."""
    if given and given.strip().upper() in STATES:
        return given.strip().upper()
    return state_of(name)


def partner_kind(name: str) -> str:
    """'federal', 'police', 'private' or 'other', from the words of the partner's name."""
    if _FEDERAL.search(name):
        return "federal"
    if _POLICE.search(name):
        return "police"
    if _PRIVATE.search(name):
        return "private"
    return "other"


def rows(
    cells_rows: Iterable[list[str]],
    lay: SharingLayout,
    source: str,
    agency: str | None,
    fallback: str | None = None,
) -> tuple[list[tuple[str, str | None, str, str, str | None, str]], str | None]:
    """(sharing rows, the agency): without ``agency`` it is the name most often found in the
    "Networks I'm Sharing" column (the agency's own network), else ``fallback``."""
    found: list[tuple[str, str, str | None]] = []
    own: Counter[str] = Counter()
    for cells in cells_rows:
        partner = _cell(cells, lay.partner)
        if not partner:
            continue
        state = partner_state(partner, _cell(cells, lay.state))
        if lay.fixed:
            found.append((lay.fixed, partner, state))
            continue
        if _cell(cells, lay.inbound):
            found.append(("inbound", partner, state))
        mine = _cell(cells, lay.outbound)
        if mine:
            found.append(("outbound", partner, state))
            own.update(m.strip() for m in mine.split(",") if m.strip())
    name = agency or (own.most_common(1)[0][0] if own else fallback)
    out = [(source, name, d, p, s, partner_kind(p)) for d, p, s in found]
    return out, name


def _cell(cells: list[str], i: int | None) -> str:
    return cells[i].strip() if i is not None and i < len(cells) else ""
