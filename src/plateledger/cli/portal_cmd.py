"""`plateledger portal export`: an agency's transparency portal as a static site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, friendly, open_platform
from plateledger.portal.html import render

app = typer.Typer(help="The public transparency portal of an agency.", no_args_is_help=True)


@app.command("export")
@friendly
def export(
    agency: Annotated[str, typer.Option(help="Agency id.")],
    out: Annotated[Path, typer.Option(help="Directory to write index.html and portal.json.")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Write the portal (last 30 days, verified against the latest signed checkpoint) as
    index.html and portal.json, ready for any static web host."""
    with open_platform(data, component="cli") as platform:
        portal = platform.portal.data(agency)
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(render(portal), encoding="utf-8")
    (out / "portal.json").write_bytes(
        orjson.dumps(portal.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"
    )
    cp = portal.audit.checkpoint
    typer.echo(orjson.dumps({"agency": agency, "out": str(out), "checkpoint_size": cp.size,
                             "root": cp.root_hex}).decode())  # fmt: skip
