"""`plateledger policy classify`: classify search reasons, one JSON object per reason."""

from __future__ import annotations

import csv as csvlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import orjson
import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly
from plateledger.errors import ValidationError
from plateledger.policy.classifier import classify_many

CsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--csv",
        help="Read reasons from this CSV file (header row required) instead of stdin.",
        dir_okay=False,
    ),
]
ColumnOpt = Annotated[
    str, typer.Option("--column", help="CSV column holding the reason text (with --csv).")
]


@friendly
def classify_cmd(
    csv: CsvOpt = None,
    column: ColumnOpt = "reason",
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Classify free-text search reasons: prohibited class, vague or specific.

    Reads one reason per line on stdin, or the --column of a --csv file.

    Prints one JSON object per reason: reason, class, classes, action, evidence.

    Needs no data directory; --data is accepted like on every command."""
    del data
    reasons = _csv_reasons(csv, column) if csv is not None else _stdin_reasons()
    out = sys.stdout
    try:
        for result in classify_many(reasons):
            out.write(orjson.dumps(result.to_dict()).decode() + "\n")
        out.flush()
    except BrokenPipeError:  # `... | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None


def _stdin_reasons() -> Iterator[str]:
    for line in sys.stdin:
        yield line.rstrip("\r\n")


def _csv_reasons(path: Path, column: str) -> Iterator[str]:
    """Validate the file and column up front, then stream the column's cells."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError(f"--csv: file not found: {path}", {"field": "csv"}) from None
    except OSError as exc:
        raise ValidationError(
            f"--csv: cannot read {path}: {exc.strerror}", {"field": "csv"}
        ) from None
    reader = csvlib.DictReader(handle)
    fields = reader.fieldnames or []
    if column not in fields:
        handle.close()
        found = ", ".join(repr(f) for f in fields) if fields else "none (empty file)"
        raise ValidationError(
            f"--column: column {column!r} not found in {path}; columns found: {found}",
            {"field": "column", "columns": list(fields)},
        )
    return _cells(handle, reader, column)


def _cells(handle: TextIO, reader: csvlib.DictReader[str], column: str) -> Iterator[str]:
    try:
        for row in reader:
            yield row.get(column) or ""
    except csvlib.Error as exc:
        eprint(f"error (invalid): --csv: line {reader.line_num}: {exc}")
        raise typer.Exit(2) from None
    finally:
        handle.close()
