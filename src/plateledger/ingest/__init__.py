"""Ingest: validate reads arriving over HTTP or in files and turn them into ingest-schema tables.

* :func:`parse_body` decodes an HTTP request body (JSON array or NDJSON) into records;
* :func:`parse_records` validates records into a :class:`ParseResult` (an ``INGEST_SCHEMA``
  table of the valid rows plus one :class:`RowError` per bad field);
* :func:`iter_file` does the same for CSV, NDJSON, JSON and Parquet files, batch by batch.
"""

from __future__ import annotations

from plateledger.ingest.body import parse_body
from plateledger.ingest.files import count_rows_hint, iter_file
from plateledger.ingest.parse import RECORD_FIELDS, BadLine, ParseResult, RowError, parse_records

__all__ = [
    "RECORD_FIELDS",
    "BadLine",
    "ParseResult",
    "RowError",
    "count_rows_hint",
    "iter_file",
    "parse_body",
    "parse_records",
]
