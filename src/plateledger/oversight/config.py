"""Check thresholds: ``defaults.yaml`` shipped in the package, overridden by a YAML file."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from plateledger.errors import ValidationError

_SPAN = re.compile(r"([01]?\d|2[0-4]):[0-5]\d-([01]?\d|2[0-4]):[0-5]\d")


@dataclass(frozen=True, slots=True)
class Config:
    timezone: str
    shift_start_hour: int
    shift_end_hour: int
    off_hours_share: float
    off_hours_min_searches: int
    repeat_min_searches: int
    repeat_min_days: int
    concurrency_window_seconds: int
    volume_user_month_max: int
    national_min_networks: int
    hotlist_removal_hours: int
    home_state: str | None
    federal_terms: tuple[str, ...]
    case_only_pattern: str
    national_min_cameras: int = 1000
    streak_min_days: int = 7
    shifts: tuple[tuple[str, str], ...] = ()  # (name, "HH:MM-HH:MM") local time
    user_shifts: tuple[tuple[str, str], ...] = ()  # (user, shift name)
    case_repeat_min_searches: int = 20
    top_reasons: int = 25
    hotlist_max_days: int = 365
    analysis_types: tuple[str, ...] = ("convoy", "multiGeo", "frequentVisitor")
    analysis_min_case_length: int = 4


def load(path: Path | None = None) -> Config:
    text = resources.files("plateledger.oversight").joinpath("defaults.yaml").read_text("utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    if path is not None:
        extra = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(extra, dict):
            raise ValidationError(f"{path}: must be a mapping of setting: value")
        doc.update(extra)
    doc.pop("schema", None)
    names = {f.name for f in fields(Config)}
    unknown = sorted(set(doc) - names)
    if unknown:
        raise ValidationError(
            f"oversight config: unknown setting {unknown[0]}", {"field": unknown[0]}
        )
    doc["federal_terms"] = tuple(str(t) for t in doc["federal_terms"])
    if "analysis_types" in doc:
        doc["analysis_types"] = tuple(str(t) for t in doc["analysis_types"] or ())
    for key in ("shifts", "user_shifts"):
        doc[key] = _pairs(doc.get(key), key)
    return Config(**doc)


def _pairs(value: object, key: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ValidationError(f"oversight config: {key} must be a mapping", {"field": key})
    pairs = tuple((str(k), str(v)) for k, v in value.items())
    if key == "shifts":
        for name, span in pairs:
            if not _SPAN.fullmatch(span):
                raise ValidationError(
                    f"oversight config: shift {name}: {span!r} is not HH:MM-HH:MM", {"field": key}
                )
    return pairs
