"""Shared CLI plumbing: the --data option, opening the platform, errors without tracebacks."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import orjson
import typer
from rich.console import Console

from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import DataDirInUseError, ForbiddenError, PlateledgerError

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
    return _friendly(func, remote=False)


def friendly_remote(func: Callable[P, R]) -> Callable[P, R]:
    """:func:`friendly` for a command that can also ask a server (``--url``): a data directory
    in use says so."""
    return _friendly(func, remote=True)


def _friendly(func: Callable[P, R], *, remote: bool) -> Callable[P, R]:
    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DataDirInUseError as exc:
            eprint(in_use_line(exc, remote=remote))
            raise typer.Exit(2) from None
        except PlateledgerError as exc:
            eprint(error_line(exc))
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt, typer.TyperException):
            raise  # typer prints a usage error (BadParameter names the option), exit 2
        except Exception as exc:  # a bug: say so plainly; details only at DEBUG level
            logging.getLogger(__name__).debug("unexpected error", exc_info=exc)
            eprint(
                f"internal error ({type(exc).__name__}); rerun with PLATELEDGER_LOG_LEVEL=DEBUG "
                "for details and report it"
            )
            raise typer.Exit(3) from None

    return wrapper


def error_line(exc: PlateledgerError) -> str:
    """``error (code): message``, with each network's decision when policy refused them all."""
    line = f"error ({exc.code}): {exc.message}"
    if isinstance(exc.details, Mapping) and exc.details.get("networks_excluded"):
        line += f": {network_reasons(exc.details['networks_excluded'])}"
    return line


def network_reasons(excluded: Any) -> str:
    """Per-network decisions on one line: ``il-net (il-pd) deny: explanation [rule ids]``."""
    parts = []
    for d in excluded if isinstance(excluded, Sequence) else ():
        if isinstance(d, Mapping):
            rules = ", ".join(str(r) for r in d.get("rule_ids") or ())
            parts.append(f"{d.get('network')} ({d.get('owner_agency')}) {d.get('decision')}: "
                         f"{d.get('explanation')}" + (f" [{rules}]" if rules else ""))  # fmt: skip
    return "; ".join(parts)


def in_use_line(exc: DataDirInUseError, *, remote: bool) -> str:
    """The data directory is held by another process (a server: one process owns it)."""
    pid = holder_pid(exc)
    path = exc.details.get("path") if isinstance(exc.details, Mapping) else None
    where = Path(path).parent if path else "the data directory"
    line = (
        f"error ({exc.code}): {where} is in use by a running server or another plateledger "
        f"process{f' (pid {pid})' if pid else ''}; stop it first"
    )
    if remote:
        line += (
            ", or ask that server: add --url http://127.0.0.1:8000 (its address) with your "
            "token in PLATELEDGER_TOKEN or --token-file"
        )
    return line


def holder_pid(exc: BaseException) -> int | None:
    """The pid of the process holding the lock, where the cause names it (DuckDB does)."""
    cause: BaseException | None = exc
    while cause is not None:
        found = re.search(r"\(PID (\d+)\)", str(cause))
        if found:
            return int(found.group(1))
        cause = cause.__cause__
    return None


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
