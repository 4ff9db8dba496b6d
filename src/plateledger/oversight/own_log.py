"""plateledger's own audit entries as rows of the analysis model: searches, timelines, holds
and denials go to ``searches`` (with their outcome); hotlist, sharing, analysis-policy and user
changes go to ``events``. Entries come from JSONL or straight from a data directory's entry log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from plateledger.audit.seal import entry_bytes
from plateledger.audit.store import EntryLog

#: The search type an entry shows as (Flock's audit exports name `convoy` and `multiGeo`)
SEARCH_TYPE_NAMES = {"timeline": "lookup", "convoy": "convoy", "multi_place": "multiGeo",
                     "frequent_visitor": "frequentVisitor"}  # fmt: skip
SEARCH_TYPES = frozenset({"search", "timeline", "denial", "hold", *SEARCH_TYPE_NAMES})
EVENT_TYPES = frozenset(
    {"analysis_policy_change", "hotlist_change", "sharing_change", "user_change"}
)


def entries_in(data_dir: Path) -> Iterator[dict[str, Any]]:
    """Every entry of ``<data>/audit/entries`` (the log must not be open elsewhere)."""
    with EntryLog(data_dir / "audit" / "entries", verify=False) as entries:
        for _, data, _ in entries.iter_range(0):
            doc = orjson.loads(entry_bytes(data))
            if isinstance(doc, dict):
                yield doc


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def entry_row(entry: dict[str, Any], n: int) -> dict[str, Any] | None:
    kind = entry.get("event_type")
    subject = entry.get("subject") or {}
    if not isinstance(subject, dict):
        subject = {}
    at = _time(entry.get("at"))
    if kind in EVENT_TYPES:
        plate = subject.get("plate") or (subject.get("entry") or {}).get("plate")
        return {
            "_table": "events",
            "source": "own-log",
            "source_row": n,
            "at_utc": at,
            "user_id": _text(entry.get("user_id")),
            "agency": _text(entry.get("agency_id")),
            "action": _text(subject.get("action") or entry.get("outcome")),
            "entity_type": kind,
            "plate": (_text(plate) or "").upper() or None,
            "details": _text(subject.get("details")),
        }
    if kind not in SEARCH_TYPES:
        return None
    query = subject.get("query") or {}
    plate = _text(query.get("plate")) if isinstance(query, dict) else None
    searched = subject.get("networks_searched") or []
    filters = {k: v for k, v in query.items() if k not in ("plate", "time_from", "time_to")}
    reason = " ".join(p for p in (_text(subject.get("purpose")), _text(subject.get("reason"))) if p)
    return {
        "_table": "searches",
        "source": "own-log",
        "source_row": n,
        "layout": "plateledger-audit",
        "origin": "own",
        "search_id": _text(subject.get("search_id")),
        "at_utc": at,
        "user_id": _text(entry.get("user_id")),
        "agency": _text(entry.get("agency_id")),
        "reason": reason or None,
        "case_number": _text(subject.get("case_number")),
        "case_published": True,
        "offense_type": None,
        "network_count": len(searched) if isinstance(searched, list) else None,
        "camera_count": None,
        "plate": plate.upper() if plate else None,
        "on_behalf_of": _text(subject.get("on_behalf_of")),
        "outcome": _text(entry.get("outcome")),
        "search_type": SEARCH_TYPE_NAMES.get(str(kind), "search"),
        "frame_start": _time(query.get("time_from")),
        "frame_end": _time(query.get("time_to")),
        "filters": orjson.dumps(filters, option=orjson.OPT_SORT_KEYS).decode() if filters else None,
    }
