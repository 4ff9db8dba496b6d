"""Hotlist entries from files people already have: CSV with a column mapping, NCIC-style exports.

``csv``: a header row; ``mapping`` maps our field (plate, state, reason, case_number,
expires_at, vehicle) to the file's column. Without a mapping our own names are tried, then the
NCIC message keys (``LIC`` plate, ``LIS`` state, ``OCA`` case number, ``MIS`` reason,
``EXP`` expiry, ``VMA``/``VCO``/``VYR`` make, colour, year).

``ncic``: fixed-width lines; ``mapping`` maps our field to ``start:end`` (0-based, end
exclusive). The default layout is ``NCIC_LAYOUT``. Rows without an expiry take
``default_expires_at``; a row still without one is an error naming the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from plateledger.errors import ValidationError

FIELDS = ("plate", "state", "reason", "case_number", "expires_at")
NCIC_KEYS = {"plate": "LIC", "state": "LIS", "case_number": "OCA", "reason": "MIS",
             "expires_at": "EXP"}  # fmt: skip
VEHICLE_KEYS = ("VYR", "VMA", "VCO")
NCIC_LAYOUT = {"plate": "0:10", "state": "10:12", "case_number": "12:32", "expires_at": "32:42",
               "reason": "42:"}  # fmt: skip
MAX_ROWS = 1_000_000


def parse_entries(
    text: str,
    fmt: str,
    mapping: Mapping[str, str] | None = None,
    default_expires_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Rows ready for ``Governance.add_entries``; ``ValidationError`` names the bad row."""
    if fmt == "csv":
        rows = _csv(text, dict(mapping or {}))
    elif fmt == "ncic":
        rows = _fixed(text, dict(mapping or NCIC_LAYOUT))
    else:
        raise ValidationError("format: expected csv or ncic", {"field": "format"})
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"file: more than {MAX_ROWS} rows", {"field": "text"})
    for i, row in enumerate(rows, start=1):
        if not row.get("expires_at"):
            if default_expires_at is None:
                raise ValidationError(
                    f"row {i}: expires_at missing (give default_expires_at)", {"row": i}
                )
            row["expires_at"] = default_expires_at
        if not row.get("plate"):
            raise ValidationError(f"row {i}: plate missing", {"row": i})
        if not row.get("reason"):
            raise ValidationError(f"row {i}: reason missing", {"row": i})
    return rows


def _csv(text: str, mapping: dict[str, str]) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = set(reader.fieldnames or ())
    except csv.Error as exc:
        raise ValidationError(f"header: not CSV ({exc})", {"field": "text", "row": 0}) from None
    columns: dict[str, str] = {}
    for field in FIELDS:
        for name in (mapping.get(field), field, NCIC_KEYS[field]):
            if name and name in header:
                columns[field] = name
                break
    if "plate" not in columns:
        raise ValidationError("header: no plate column (map one with mapping.plate)")
    vehicle = [mapping["vehicle"]] if "vehicle" in mapping else [k for k in VEHICLE_KEYS
                                                                  if k in header]  # fmt: skip
    if "vehicle" in header and "vehicle" not in mapping:
        vehicle = ["vehicle"]
    out = []
    try:
        for raw in reader:
            row: dict[str, Any] = {f: (raw.get(c) or "").strip() for f, c in columns.items()}
            row["vehicle"] = " ".join((raw.get(c) or "").strip() for c in vehicle).strip()
            out.append(row)
    except csv.Error as exc:
        n = len(out) + 1
        raise ValidationError(f"row {n}: not CSV ({exc})", {"field": "text", "row": n}) from None
    return out


def _fixed(text: str, layout: dict[str, str]) -> list[dict[str, Any]]:
    slices: dict[str, slice] = {}
    for field, spec in layout.items():
        try:
            start, _, end = spec.partition(":")
            slices[field] = slice(int(start or 0), int(end) if end else None)
        except ValueError:
            raise ValidationError(
                f"mapping.{field}: expected start:end", {"field": field}
            ) from None
    return [
        {field: line[where].strip() for field, where in slices.items()}
        for line in text.splitlines()
        if line.strip()
    ]
