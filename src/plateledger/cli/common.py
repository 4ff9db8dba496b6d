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
from plateledger.domain.types import User
from plateledger.errors import ForbiddenError, PlateledgerError

DEFAULT_DATA = Path("plateledger-data")
console = Console(stderr=True)

DataOpt = Annotated[
    Path,
    typer.Option(
        "--data",
        envvar="PLATELEDGER_DATA",
        help="Data directory.",
    ),
]

TokenOpt = Annotated[
    str, typer.Option(envvar="PLATELEDGER_TOKEN", help="Your API token (env PLATELEDGER_TOKEN).")
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
            eprint(f"error ({exc.code}): {exc.message}")
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so plainly; details only at DEBUG level
            logging.getLogger(__name__).debug("unexpected error", exc_info=exc)
            eprint(
                f"internal error ({type(exc).__name__}); rerun with PLATELEDGER_LOG_LEVEL=DEBUG "
                "for details and report it"
            )
            raise typer.Exit(3) from None

    return wrapper


@contextmanager
def open_platform(data: Path, component: str = "cli") -> Iterator[Platform]:
    platform = Platform(data, component=component)
    try:
        yield platform
    finally:
        platform.close()


@contextmanager
def acting_as(data: Path, token: str, permission: str) -> Iterator[tuple[Platform, User]]:
    """Open the data directory and authenticate the token: a command run as that user, if the
    token (its user's role, narrowed by its scopes) has ``permission`` — as on the API."""
    with open_platform(data) as platform:
        principal = platform.identify(token)
        if principal.user is None or not principal.can(permission):
            raise ForbiddenError(f"this token lacks the permission {permission!r} for this command")
        yield platform, principal.user


def eprint(line: str) -> None:
    """One unwrapped line on stderr (error lists must stay greppable)."""
    sys.stderr.write(line + "\n")


def print_json(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode() + "\n")
