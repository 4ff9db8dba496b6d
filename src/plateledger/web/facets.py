"""The total and the facets of one page of search results, counted from the response's hits.

A facet is one way to narrow the reads shown (owner agency, camera, day, colour, vehicle
type); each value carries how many of the hits have it. The results page prints them as
buttons that filter the cards in the browser (``static/results.js``); without the script the
counts are still there to read. Nothing here queries the store: it counts what came back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plateledger.domain.types import Read
from plateledger.search.types import Hit
from plateledger.web.when import day_key, human_day

NOT_RECORDED = "-"  # the key of reads without a colour or type
FACET_TITLES: tuple[tuple[str, str], ...] = (
    ("agency", "Owner agency"),
    ("camera", "Camera"),
    ("day", "Day (UTC)"),
    ("color", "Colour"),
    ("type", "Vehicle type"),
)


@dataclass(frozen=True, slots=True)
class FacetValue:
    key: str  # what the card carries in its data-<facet> attribute
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Facet:
    name: str  # agency, camera, day, color or type
    title: str
    values: tuple[FacetValue, ...]  # most reads first


def card_keys(read: Read) -> dict[str, str]:
    """The facet keys of one read, as its card's ``data-*`` attributes carry them."""
    return {
        "agency": read.owner_agency,
        "camera": read.camera_id,
        "day": day_key(read.ts),
        "color": (read.vehicle.color or "").lower() or NOT_RECORDED,
        "type": (read.vehicle.type or "").lower() or NOT_RECORDED,
    }


def facets(
    hits: Sequence[Hit], agency_names: Mapping[str, str], camera_names: Mapping[str, str]
) -> tuple[Facet, ...]:
    """Every facet with at least one value, values by count (then label); days in date order."""
    keys = [card_keys(h.read) for h in hits]
    day_labels = {day_key(h.read.ts): human_day(h.read.ts) for h in hits}
    out = []
    for name, title in FACET_TITLES:
        counts = Counter(k[name] for k in keys)
        values = [FacetValue(key, _label(name, key, agency_names, camera_names, day_labels), n)
                  for key, n in counts.items()]  # fmt: skip
        if name == "day":
            values.sort(key=lambda v: v.key)
        else:
            values.sort(key=lambda v: (-v.count, v.label))
        if values:
            out.append(Facet(name, title, tuple(values)))
    return tuple(out)


def _label(
    name: str,
    key: str,
    agency_names: Mapping[str, str],
    camera_names: Mapping[str, str],
    day_labels: Mapping[str, str],
) -> str:
    if key == NOT_RECORDED:
        return "not recorded"
    if name == "agency":
        return agency_names.get(key, key)
    if name == "camera":
        return f"{camera_names.get(key, key)} ({key})"
    if name == "day":
        return day_labels.get(key, key)
    return key
