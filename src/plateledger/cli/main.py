"""`plateledger` entry point: registers the command groups."""

from __future__ import annotations

import typer

from plateledger.cli import data_cmd, demo_cmd, plates_cmd, search_cmd
from plateledger.cli.common import setup_logging

app = typer.Typer(
    name="plateledger",
    help="plateledger: an ALPR network with purpose-bound access and a tamper-evident audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("demo")(demo_cmd.demo)
app.command("serve")(demo_cmd.serve)
app.command("ingest")(data_cmd.ingest)
app.command("compact")(data_cmd.compact)
app.command("purge")(data_cmd.purge)
app.command("stats")(data_cmd.stats)
app.command("export")(data_cmd.export)
app.command("import")(data_cmd.import_)
app.command("search")(search_cmd.search)
app.command("timeline")(search_cmd.timeline_cmd)
app.add_typer(plates_cmd.app, name="plates")


@app.callback()
def _main() -> None:
    setup_logging()


if __name__ == "__main__":
    app()
