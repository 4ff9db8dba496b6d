"""Shared CLI plumbing: the --data option, opening the platform, errors without tracebacks."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import orjson
import typer
from rich.console import Console

from plateledger.app.platform import Platform
from plateledger.errors import PlateledgerError

DEFAULT_DATA = Path("plateledger-data")
console = Console(stderr=True)

DataOpt = Annotated[
    Path,
    typer.Option(
        "--data",
        envvar="PLATELEDGER_DATA",
        help="Data directory (default ./plateledger-data; env PLATELEDGER_DATA).",
    ),
]

P = ParamSpec("P")
R = TypeVar("R")


def setup_logging() -> None:
    level = os.environ.get("PLATELEDGER_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Print plateledger errors as one clear line (exit 2) instead of a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PlateledgerError as exc:
            console.print(f"[red]error[/red] ({exc.code}): {exc.message}", markup=True)
            if exc.details and isinstance(exc.details, dict) and "errors" in exc.details:
                for line in exc.details["errors"][:20]:
                    console.print(f"  {line}")
            raise typer.Exit(2) from None

    return wrapper


@contextmanager
def open_platform(data: Path) -> Iterator[Platform]:
    platform = Platform(data)
    try:
        yield platform
    finally:
        platform.close()


def print_json(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode() + "\n")
