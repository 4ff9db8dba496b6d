"""Known audit-export layouts, header normalisation and automatic detection.

A layout is a list of canonical field names in column order. Header cells are normalised
(lower case, punctuation dropped) and mapped to fields through ``ALIASES``; a file matches the
layout whose fields it has (extra, unlabeled "phantom" columns are ignored). A header-less file
is matched by its column count and cell shapes (``detect_headerless``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from plateledger.errors import ValidationError

# fmt: off
ALIASES: dict[str, str] = {
    "id": "search_id", "search id": "search_id", "name": "user", "userid": "user",
    "user": "user", "user id": "user", "org name": "agency", "agency": "agency",
    "agency name": "agency", "agencyname": "agency",
    "total networks searched": "network_count", "networkcount": "network_count",
    "total devices searched": "camera_count", "cameracount": "camera_count",
    "time frame": "time_frame", "license plate": "plate", "plate": "plate", "reason": "reason",
    "case": "case_number", "case #": "case_number", "casenumber": "case_number",
    "case number": "case_number", "offense type": "offense_type",
    "offensetype": "offense_type", "filters": "filters", "search time": "at",
    "search date/time": "at", "searchdate": "at", "search date": "date",
    "search type": "search_type", "text prompt": "text_prompt", "moderation": "moderation",
    "agency slug": "agency_slug", "agency_slug": "agency_slug", "first archived": "ignored",
    "first_archived": "ignored", "timestamp": "at", "event type": "event_type",
    "entity type": "entity_type", "entity details": "entity_details", "event id": "event_id",
    "date/time": "at", "date time": "at", "datetime": "at", "date and time": "at",
    "search reason": "reason", "time frame start": "frame_start", "time frame end": "frame_end",
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    fields: tuple[str, ...]
    kind: str = "search"  # "search" or "event"
    required: frozenset[str] = frozenset()  # needed although usually optional


# fmt: off
LAYOUTS: tuple[Layout, ...] = (
    Layout("flock-org-13", ("search_id", "user", "agency", "network_count", "time_frame", "plate",
                           "reason", "case_number", "filters", "at", "search_type", "text_prompt",
                           "moderation")),
    Layout("flock-org-14", ("search_id", "user", "agency", "network_count", "camera_count",
                           "time_frame", "plate", "reason", "case_number", "filters", "at",
                           "search_type", "text_prompt", "moderation")),
    Layout("flock-network-11", ("user", "agency", "network_count", "camera_count", "time_frame",
                               "plate", "reason", "case_number", "filters", "at", "search_type")),
    Layout("flock-org-no-agency", ("search_id", "user", "network_count", "time_frame", "plate",
                                  "reason", "case_number", "filters", "at", "search_type")),
    Layout("flock-documented-org", ("user", "network_count", "time_frame", "plate", "case_number",
                                   "filters", "reason", "offense_type", "at")),
    Layout("flock-documented-network", ("user", "agency", "network_count", "camera_count",
                                       "time_frame", "plate", "case_number", "filters", "reason",
                                       "at")),
    Layout("flock-short-8", ("search_id", "user", "agency", "network_count", "at", "reason",
                            "case_number", "plate")),
    Layout("flock-split-date", ("user", "agency", "network_count", "date", "at", "reason")),
    Layout("portal-2025", ("search_id", "user", "at", "camera_count", "reason")),
    Layout("portal-2026", ("search_id", "user", "at", "network_count", "reason")),
    Layout("portal-archive", ("search_id", "user", "at", "camera_count", "reason",
                             "network_count")),
    Layout("portal-rows", ("agency_slug", "agency", "ignored", "search_id", "user", "at",
                          "network_count", "camera_count", "reason", "case_number",
                          "offense_type")),
    Layout("flock-split-frame", ("search_id", "agency", "network_count", "camera_count",
                                "frame_start", "frame_end", "reason", "at", "search_type",
                                "moderation")),
    Layout("reason-time", ("reason", "at"), required=frozenset({"reason"})),
    Layout("event-log", ("at", "user", "event_type", "entity_type", "entity_details"),
                        kind="event"),
)
# fmt: on
OPTIONAL = frozenset(
    {
        "case_number",
        "offense_type",
        "event_id",
        "camera_count",
        "network_count",
        "reason",
        "text_prompt",
        "moderation",
        "search_type",
        "ignored",
    }
)
_PUNCT = re.compile(r"[^a-z0-9#/ ]+")


class UnknownLayoutError(ValidationError):
    def __init__(self, source: str, columns: Sequence[str], closest: str, missing: list[str]):
        super().__init__(
            f"{source}: unknown layout; columns found: {', '.join(columns) or '(none)'}; "
            f"closest known layout: {closest} (missing {', '.join(missing)})",
            {"columns": list(columns), "closest": closest, "missing": missing},
        )
        self.columns, self.closest, self.missing = list(columns), closest, missing


def normalise(cell: str) -> str:
    text = _PUNCT.sub("", cell.strip().lower().lstrip("\ufeff").replace("_", " ")).strip()
    return " ".join(text.split())


def field_of(cell: str) -> str | None:
    key = normalise(cell)
    return ALIASES.get(key) or ALIASES.get(key.replace(" ", "")) or ALIASES.get(key.rstrip(" #"))


def is_header(cells: Sequence[str]) -> bool:
    mapped = [f for f in (field_of(c) for c in cells) if f]
    filled = len([c for c in cells if c.strip()])
    if len(mapped) == 2 == filled:  # a two-column sheet: reason and date/time
        return True
    return len(mapped) >= 3 and len(mapped) * 2 >= filled


@dataclass(frozen=True, slots=True)
class Mapping:
    """A detected layout and, per canonical field, the column index that holds it."""

    layout: Layout
    index: dict[str, int]


def detect(cells: Sequence[str], source: str) -> Mapping:
    """The layout of a header row; phantom (unlabeled or unknown) columns are ignored."""
    index: dict[str, int] = {}
    for i, cell in enumerate(cells):
        f = field_of(cell)
        if f and f not in index:
            index[f] = i
    have = set(index)
    fits = [
        lay
        for lay in LAYOUTS
        if {f for f in lay.fields if f not in OPTIONAL} | lay.required <= have
    ]
    if fits and "at" in have:
        best = max(fits, key=lambda lay: (len(set(lay.fields) & have), -len(lay.fields)))
        return Mapping(best, index)
    best = max(LAYOUTS, key=lambda lay: len(set(lay.fields) & have) / len(set(lay.fields) | have))
    best_missing = [f for f in best.fields if f not in have]
    raise UnknownLayoutError(source, [c for c in cells if c.strip()], best.name, best_missing)


def detect_headerless(cells: Sequence[str], source: str) -> Mapping:
    """A first data row without a header: the Flock layouts by column count and cell shape."""
    width = len(cells)
    by_width = {13: "flock-org-13", 14: "flock-org-14", 11: "flock-network-11", 5: "portal-2026"}
    name = by_width.get(width)
    if name is not None:
        layout = next(lay for lay in LAYOUTS if lay.name == name)
        return Mapping(layout, {f: i for i, f in enumerate(layout.fields)})
    from plateledger.oversight.values import parse_time

    if not any(parse_time(c) for c in cells):  # a header we do not know: name its columns
        return detect(cells, source)
    raise UnknownLayoutError(
        source, [f"column {i + 1}" for i in range(width)], "flock-org-13", ["a header row"]
    )


def mapping_from_columns(columns: dict[str, str], header: Sequence[str], source: str) -> Mapping:
    """A generic CSV: ``columns`` maps canonical field -> the file's header cell."""
    positions = {h.strip(): i for i, h in enumerate(header)}
    index: dict[str, int] = {}
    for f, name in columns.items():
        if name not in positions:
            raise UnknownLayoutError(source, list(header), "mapping", [name])
        index[f] = positions[name]
    if "at" not in index:
        raise UnknownLayoutError(source, list(header), "mapping", ["at"])
    return Mapping(Layout("generic", tuple(index)), index)
