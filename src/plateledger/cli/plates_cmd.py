"""`plateledger plates check TEXT --state XX`."""

from __future__ import annotations

from typing import Annotated

import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, friendly, print_json
from plateledger.domain.plate_formats import check_plate, formats_for
from plateledger.domain.plates import canonicalize, fold

app = typer.Typer(help="Plate text: canonical form, confusables and state formats.")


@app.command("check")
@friendly
def check(
    text: Annotated[str, typer.Argument(help="Plate text as read, e.g. '7ABC 123'.")],
    state: Annotated[str, typer.Option("--state", help="Two-letter issuing state, e.g. CA.")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Canonicalise a plate and check it against the state's standard passenger formats.

    Needs no data directory; --data is accepted like on every command."""
    del data
    canonical = canonicalize(text)
    result = check_plate(canonical, state)
    print_json(
        {
            "input": text,
            "canonical": canonical,
            "folded": fold(canonical),
            "state": result.state,
            "valid": result.valid,
            "matched_format": result.matched_format,
            "confusable_fixes": list(result.confusable_fixes),
            "message": result.message,
            "formats": [f.pattern for f in formats_for(state)],
        }
    )
    if not result.valid:
        raise typer.Exit(1)
