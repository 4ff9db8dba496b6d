"""Other ALPR systems' CSV / JSON / NDJSON exports, read row by row through a mapping file.

Rows are source objects (CSV: header -> cell text; JSON: objects, a top-level array or an object
whose first list value holds them, e.g. ``{"reads": [...]}``); each becomes a :data:`Mapped`
value by :meth:`FieldMapping.apply`. A line of NDJSON that is not JSON is an :class:`Unmapped`
row, the rest of the file is kept.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

from plateledger.errors import ValidationError
from plateledger.ingest.events import Mapped, Unmapped
from plateledger.ingest.mapping import FieldMapping

BATCH = 5_000


def _open(path: Path) -> IO[str]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _kind(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    for ext, kind in ((".csv", "csv"), (".ndjson", "ndjson"), (".jsonl", "ndjson"),
                      (".json", "json")):  # fmt: skip
        if name.endswith(ext):
            return kind
    raise ValidationError(
        f"{path}: unknown file type for a mapped export; use .csv, .ndjson, .jsonl or .json "
        "(optionally .gz)", {"file": str(path)},
    )  # fmt: skip


def _rows(path: Path) -> Iterator[Any]:
    kind = _kind(path)
    with _open(path) as handle:
        if kind == "csv":
            yield from csv.DictReader(handle)
        elif kind == "ndjson":
            for line in handle:
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        yield Unmapped("row", "is not valid JSON")
        else:
            yield from _json_rows(json.load(handle), path)


def _json_rows(data: object, path: Path) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, list):
                return value
    raise ValidationError(f"{path}: a JSON array of reads (or an object holding one) expected")


def mapped_batches(path: Path, mapping: FieldMapping, batch: int = BATCH) -> Iterator[list[Mapped]]:
    """The file's rows mapped, in batches of ``batch`` (row numbers continue across them)."""
    try:
        rows = _rows(path)
        while chunk := list(islice(rows, batch)):
            yield [
                row if isinstance(row, Unmapped)
                else mapping.apply(row) if isinstance(row, dict)
                else Unmapped("row", "must be an object")
                for row in chunk
            ]  # fmt: skip
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise ValidationError(f"{path}: cannot read the export ({exc.__class__.__name__})",
                              {"file": str(path)}) from None  # fmt: skip
