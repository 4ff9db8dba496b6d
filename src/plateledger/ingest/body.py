"""Decode the body of an ingest HTTP request into records for :func:`parse_records`.

Two shapes are accepted: a JSON array of read objects, and NDJSON (one read object per line).
NDJSON is chosen by the content type (``application/x-ndjson`` and friends) or sniffed: the body
starts with ``{``, has more than one non-blank line, and its first line is a JSON value on its
own (so a pretty-printed single object is not mistaken for NDJSON). A single JSON object is
taken as a one-read array.

A malformed JSON array is refused as a whole; a malformed NDJSON line becomes a :class:`BadLine`
so that only that row is rejected. Rows are numbered by record: blank NDJSON lines are skipped
and not counted, while ``BadLine`` messages name the physical line.
"""

from __future__ import annotations

import orjson

from plateledger.errors import ValidationError
from plateledger.ingest.parse import BadLine

NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)
_BOM = b"\xef\xbb\xbf"
_SHAPE = "the body must be a JSON array of read objects, or NDJSON (one object per line)"


def _media_type(content_type: str | None) -> str:
    """``"application/json; charset=utf-8"`` -> ``"application/json"``."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def _too_many(count: int, max_reads: int) -> ValidationError:
    return ValidationError(
        f"at most {max_reads} reads per request; got {count}",
        {"max_reads": max_reads, "count": count},
    )


def ndjson_record(line: bytes, number: int) -> object:
    """Decode one NDJSON line; a malformed line becomes a :class:`BadLine` naming ``number``."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return BadLine(f"malformed JSON on line {number}: {exc.msg} (column {exc.colno})")


def _looks_like_ndjson(body: bytes) -> bool:
    """Sniff NDJSON: starts with ``{``, several lines, and the first line parses alone."""
    first, newline, rest = body.lstrip().partition(b"\n")
    if not first.startswith(b"{") or not newline or not rest.strip():
        return False
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return True


def _parse_ndjson(body: bytes, max_reads: int) -> list[object]:
    lines = body.split(b"\n")
    count = sum(1 for line in lines if line.strip())
    if count > max_reads:
        raise _too_many(count, max_reads)
    return [ndjson_record(line, number) for number, line in enumerate(lines, 1) if line.strip()]


def _parse_document(body: bytes, max_reads: int) -> list[object]:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(
            f"malformed JSON at position {exc.pos} (line {exc.lineno}, column {exc.colno}): "
            f"{exc.msg}",
            {"position": exc.pos, "line": exc.lineno, "column": exc.colno},
        ) from None
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise ValidationError(_SHAPE)
    if len(value) > max_reads:
        raise _too_many(len(value), max_reads)
    return value


def parse_body(body: bytes, content_type: str | None, *, max_reads: int = 10_000) -> list[object]:
    """Decode a request body into a list of records (dicts, or :class:`BadLine` for NDJSON lines).

    Raises :class:`~plateledger.errors.ValidationError` for an empty body, a malformed JSON array
    (naming the position), a body that is neither shape, or more than ``max_reads`` records.
    Records are not validated here: pass them to :func:`parse_records`.
    """
    body = body.removeprefix(_BOM)
    if not body.strip():
        raise ValidationError(f"empty body: {_SHAPE}")
    if _media_type(content_type) in NDJSON_TYPES or _looks_like_ndjson(body):
        return _parse_ndjson(body, max_reads)
    return _parse_document(body, max_reads)
