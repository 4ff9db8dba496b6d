"""Check thresholds: ``defaults.yaml`` shipped in the package, overridden by a YAML file."""

from __future__ import annotations

from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from plateledger.errors import ValidationError


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
    return Config(**doc)
