"""Bulk ingest from files: CSV, NDJSON, JSON arrays and Parquet, validated in batches.

Formats, chosen by the file name (case-insensitive):

* ``.csv`` (or ``.csv.gz``): UTF-8, a header row naming the columns like the JSON fields
  (``camera_id``, ``ts`` and ``plate`` required; unknown columns ignored; the nested ``vehicle``
  form is not available). An empty cell is null. Numbers are parsed from the text.
  ``candidates`` is written ``PLATE:0.91|PLATE2:0.05``. Row numbers count data rows: the header
  is not counted, nor are blank lines.
* ``.ndjson`` / ``.jsonl`` (or ``.gz``): one JSON object per line; blank lines are skipped and
  not counted; a malformed line rejects that row only.
* ``.json`` (or ``.json.gz``): a JSON array of objects.
* ``.parquet``: columns named like the fields (``camera_id``, ``ts``, ``plate`` required); ``ts``
  may be a string or a timezone-aware timestamp column.

Every row goes through :func:`plateledger.ingest.parse.parse_records`, so the field rules and the
error messages are those of the HTTP API.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Container, Iterator, Mapping
from datetime import datetime
from itertools import islice
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from plateledger.errors import ValidationError
from plateledger.ingest import readers
from plateledger.ingest.parse import ParseResult, parse_records

_EXTENSIONS = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json"}
_SAMPLE_BYTES = 1 << 16
_READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error, pa.ArrowException)


def _format(path: Path) -> tuple[str, bool]:
    """``(format, gzipped)`` from the file name; unknown names raise ``ValidationError``."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes[-1:] == [".parquet"]:
        return "parquet", False
    gz = suffixes[-1:] == [".gz"]
    ext = suffixes[-2] if gz and len(suffixes) >= 2 else (suffixes[-1] if suffixes else "")
    if ext not in _EXTENSIONS:
        raise ValidationError(
            f"{path}: unknown file type; use .csv, .ndjson, .jsonl, .json (optionally .gz) "
            "or .parquet",
            {"file": str(path)},
        )
    return _EXTENSIONS[ext], gz


def _records(path: Path, kind: str, gz: bool, batch_rows: int) -> Iterator[object]:
    if kind == "csv":
        return readers.csv_records(path, gz)
    if kind == "ndjson":
        return readers.ndjson_records(path, gz)
    if kind == "json":
        return readers.json_records(path, gz)
    return readers.parquet_records(path, batch_rows)


def _batches(
    path: Path,
    records: Iterator[object],
    known_cameras: Container[str],
    batch_rows: int,
    now: datetime | None,
    oldest: Mapping[str, datetime] | None = None,
) -> Iterator[ParseResult]:
    """Validate ``records`` ``batch_rows`` at a time, numbering rows across batches."""
    first_row = 1
    while True:
        try:
            batch = list(islice(records, batch_rows))
        except ValidationError as exc:
            raise ValidationError(f"{path}: {exc.message}", _details(path, exc.details)) from None
        except _READ_ERRORS as exc:
            raise ValidationError(
                f"{path}: cannot read the file: {exc}", {"file": str(path)}
            ) from None
        if not batch:
            return
        yield parse_records(batch, known_cameras, first_row=first_row, now=now, oldest=oldest)
        first_row += len(batch)


def _details(path: Path, details: object) -> dict[str, object]:
    extra = dict(details) if isinstance(details, dict) else {}
    return {"file": str(path), **extra}


def iter_file(
    path: Path,
    known_cameras: Container[str],
    *,
    batch_rows: int = 50_000,
    now: datetime | None = None,
    oldest: Mapping[str, datetime] | None = None,
) -> Iterator[ParseResult]:
    """Read and validate a file of reads, yielding one :class:`ParseResult` per batch
    (``oldest``: per camera, the earliest ``ts`` kept, as in :func:`parse_records`).

    Row numbers continue across batches (the ``n``-th data row of the file is row ``n``). An
    unknown extension or a missing file raises :class:`~plateledger.errors.ValidationError` at
    once; an unreadable or corrupt file, or a CSV/Parquet file lacking ``camera_id``, ``ts`` or
    ``plate``, raises it while iterating. Every such error names the file.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    kind, gz = _format(path)
    if not path.is_file():
        reason = "not a file" if path.exists() else "no such file"
        raise ValidationError(f"{path}: {reason}", {"file": str(path)})
    records = _records(path, kind, gz, batch_rows)
    return _batches(path, records, known_cameras, batch_rows, now, oldest)


def _gzip_size(path: Path) -> int:
    """The uncompressed size recorded in a gzip trailer (modulo 4 GiB, last member only)."""
    with path.open("rb") as handle:
        handle.seek(-4, 2)
        return int.from_bytes(handle.read(4), "little")


def count_rows_hint(path: Path) -> int | None:
    """A rough number of rows in ``path`` for a progress bar, or ``None`` when unknown.

    Exact for Parquet (from the footer); for CSV and NDJSON an estimate from the line length of
    the first 64 KiB; ``None`` for JSON arrays and for anything unreadable.
    """
    try:
        kind, gz = _format(path)
        if kind == "parquet":
            return int(pq.ParquetFile(path).metadata.num_rows)
        if kind == "json":
            return None
        size = _gzip_size(path) if gz else path.stat().st_size
        with readers.open_binary(path, gz) as handle:
            sample = handle.read(_SAMPLE_BYTES)
    except (ValidationError, *_READ_ERRORS):
        return None
    lines = sum(1 for line in sample.splitlines() if line.strip())
    if len(sample) < _SAMPLE_BYTES:
        estimate = lines
    else:
        estimate = round(size * lines / len(sample))
    header = 1 if kind == "csv" and lines else 0
    return max(estimate - header, 0)
