"""Turn the rows of one input file into records (dicts) for :func:`parse_records`.

Readers only decode; validation is :func:`parse_records`' job, so every format reports the same
field-named errors. A reader raises :class:`~plateledger.errors.ValidationError` (without the
file name: the caller adds it) for problems with the file as a whole, and lets I/O and decoding
errors propagate for the caller to translate.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from plateledger.errors import ValidationError
from plateledger.ingest.body import ndjson_record
from plateledger.ingest.parse import RECORD_FIELDS
from plateledger.store.schema import REQUIRED_FIELDS

NUMBER_FIELDS = frozenset(
    {
        "state_confidence",
        "confidence",
        "color_confidence",
        "type_confidence",
        "make_confidence",
        "lat",
        "lon",
    }
)
# CSV has flat columns only; the nested ``vehicle`` object is a JSON form.
CSV_FIELDS = RECORD_FIELDS - {"vehicle"}


def _missing_columns(names: list[str]) -> None:
    missing = [name for name in REQUIRED_FIELDS if name not in names]
    if missing:
        raise ValidationError(
            f"missing required column(s) {', '.join(missing)}", {"missing": missing}
        )


def _number_cell(cell: str) -> object:
    """A number from CSV text; text that is no number is passed on for the validator to name."""
    try:
        return float(cell)
    except ValueError:
        return cell


def csv_candidates(cell: str) -> list[dict[str, object]]:
    """``"ABC123:0.91|A8C123:0.05"`` -> candidate objects (confidence missing if no ``:``)."""
    out: list[dict[str, object]] = []
    for piece in cell.split("|"):
        if not piece.strip():
            continue
        plate, colon, confidence = piece.rpartition(":")
        if colon:
            out.append({"plate": plate, "confidence": _number_cell(confidence.strip())})
        else:
            out.append({"plate": piece})
    return out


def _cell_converter(name: str) -> Callable[[str], object] | None:
    if name in NUMBER_FIELDS:
        return _number_cell
    if name == "candidates":
        return csv_candidates
    return None


def _open_text(path: Path, gz: bool) -> IO[str]:
    if gz:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def open_binary(path: Path, gz: bool) -> io.BufferedIOBase:
    """``path`` opened for reading bytes, decompressing if ``gz``."""
    if gz:
        return gzip.open(path, "rb")
    return path.open("rb")


def csv_records(path: Path, gz: bool) -> Iterator[object]:
    """Rows of a CSV file with a header row, as dicts; empty cells and blank lines are skipped."""
    with _open_text(path, gz) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ValidationError("empty file: a CSV header row is required")
        names = [name.strip() for name in header]
        _missing_columns(names)
        columns = [
            (index, name, _cell_converter(name))
            for index, name in enumerate(names)
            if name in CSV_FIELDS
        ]
        for row in reader:
            if not row:
                continue
            width = len(row)
            record: dict[str, object] = {}
            for index, name, convert in columns:
                if index < width and (cell := row[index]) != "":
                    record[name] = cell if convert is None else convert(cell)
            yield record


def ndjson_records(path: Path, gz: bool) -> Iterator[object]:
    """One record per non-blank line; a malformed line becomes a ``BadLine``."""
    with open_binary(path, gz) as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield ndjson_record(line, number)


def json_records(path: Path, gz: bool) -> Iterator[object]:
    """The elements of a JSON array (a single object counts as a one-element array)."""
    with open_binary(path, gz) as handle:
        data = handle.read()
    try:
        value: Any = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(
            f"malformed JSON at position {exc.pos} (line {exc.lineno}, column {exc.colno}): "
            f"{exc.msg}",
            {"position": exc.pos, "line": exc.lineno, "column": exc.colno},
        ) from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ValidationError("must be a JSON array of read objects")
    yield from value


def _microsecond_timestamps(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Cast nanosecond timestamps to microseconds so ``to_pylist`` yields ``datetime`` objects."""
    arrays = []
    for column in batch.columns:
        kind = column.type
        if pa.types.is_timestamp(kind) and kind.unit == "ns":
            arrays.append(column.cast(pa.timestamp("us", tz=kind.tz), safe=False))
        else:
            arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def parquet_records(path: Path, batch_rows: int) -> Iterator[object]:
    """Rows of a Parquet file as dicts (timestamp columns become ``datetime`` objects)."""
    parquet = pq.ParquetFile(path)
    names = list(parquet.schema_arrow.names)
    _missing_columns(names)
    columns = [name for name in names if name in RECORD_FIELDS]
    try:
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
            yield from _microsecond_timestamps(batch).to_pylist()
    finally:
        parquet.close()
