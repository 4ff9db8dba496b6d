"""`plateledger demo` and `plateledger serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from plateledger.api.app import create_app
from plateledger.app.demo_build import DemoSummary, build_demo
from plateledger.app.platform import Platform
from plateledger.cli.common import DataOpt, console, eprint, friendly, open_platform

DEFAULT_SHARED = Path("..") / "shared" / "data"


@friendly
def demo(
    data: DataOpt = Path("plateledger-data"),
    reads: Annotated[int, typer.Option(help="Synthetic reads to generate.", min=1)] = 2_000_000,
    port: Annotated[int, typer.Option(help="Port to serve on (127.0.0.1).")] = 8000,
    serve_: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve after building.")
    ] = True,
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 7,
    shared_data: Annotated[
        Path | None,
        typer.Option(help="Folder with reads/seattle-pd-2021-10.csv.gz for the hour-of-day shape."),
    ] = None,
) -> None:
    """Build (or reuse) a realistic synthetic network and serve its API on 127.0.0.1."""
    shared = (
        shared_data
        if shared_data is not None
        else (DEFAULT_SHARED if DEFAULT_SHARED.exists() else None)
    )
    platform = Platform(data)
    try:
        with Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console,
        ) as bar:  # fmt: skip
            reused = platform.store.get_meta("demo_reads") is not None
            task = bar.add_task("building demo reads", total=reads, visible=not reused)
            summary = build_demo(
                platform, reads, seed=seed, shared_data=shared,
                progress=lambda n: bar.advance(task, n),
            )  # fmt: skip
        _print_summary(summary)
        if serve_:
            _serve(platform, port)
    finally:
        platform.close()


@friendly
def serve(
    data: DataOpt = Path("plateledger-data"),
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Serve the API on an existing data directory."""
    with open_platform(data, component="api") as platform:
        _serve(platform, port, host)


def _serve(platform: Platform, port: int, host: str = "127.0.0.1") -> None:
    base = f"http://{host}:{port}"
    console.print(
        f"serving on {base}  (sign in at {base}/ui/ with a user id and password, or a token, "
        f"from above; API docs {base}/docs)"
    )
    uvicorn.run(create_app(platform), host=host, port=port, log_level="warning")


def _print_summary(s: DemoSummary) -> None:
    state = "reused" if s.reused else "built"
    console.print(
        f"demo {state}: {s.reads:,} reads, {s.agencies} agencies, {s.cameras} cameras, "
        f"{s.users} users (hour profile: {s.profile_source})"
    )
    # Plain lines, never truncated: people copy these tokens.
    eprint(f"demo users: user, state, role, password, API token (also in {s.credentials_path}):")
    width = max((len(c["user"]) for c in s.credentials), default=10)
    for c in s.credentials:
        password = c.get("password", "-")
        eprint(f"  {c['user']:<{width}}  {c['state']}  {c['role']:<10}  {password:<16}  "
               f"{c['token']}")  # fmt: skip
