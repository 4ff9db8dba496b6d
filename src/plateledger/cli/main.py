"""`plateledger` entry point: registers the command groups."""

from __future__ import annotations

import typer

from plateledger.cli import (
    analyses_cmd,
    analysis_policy_cmd,
    assist_cmd,
    audit_cmd,
    backup_cmd,
    data_cmd,
    demo_cmd,
    hotlist_cmd,
    ingest_cmd,
    oversight_cmd,
    plates_cmd,
    policy_classify,
    policy_show,
    portal_cmd,
    recognize_cmd,
    retention_cmd,
    roles_cmd,
    search_cmd,
    sharing_cmd,
    spark_cmd,
    users_cmd,
    witness_cmd,
)
from plateledger.cli.common import setup_logging
from plateledger.cli.help_text import unwrap_app

app = typer.Typer(
    name="plateledger",
    help="plateledger: an ALPR network with purpose-bound access and a tamper-evident audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("demo")(demo_cmd.demo)
app.command("serve")(demo_cmd.serve)
app.command("ingest")(data_cmd.ingest)
app.command("ingest-mqtt")(ingest_cmd.ingest_mqtt)
app.command("camera-token")(ingest_cmd.camera_token)
app.command("compact")(data_cmd.compact)
app.command("purge")(data_cmd.purge)
app.command("stats")(data_cmd.stats)
app.command("export")(data_cmd.export)
app.command("import")(data_cmd.import_)
app.command("search")(search_cmd.search)
app.command("timeline")(search_cmd.timeline_cmd)
app.command("convoy")(analyses_cmd.convoy)
app.command("multi-place")(analyses_cmd.multi_place)
app.command("frequent-visitor")(analyses_cmd.frequent_visitor)
app.add_typer(analysis_policy_cmd.app, name="analysis-policy")
app.add_typer(plates_cmd.app, name="plates")
policy = typer.Typer(help="Purposes, state law, the reason classifier.", no_args_is_help=True)
policy.command("show")(policy_show.show_cmd)
policy.command("classify")(policy_classify.classify_cmd)
app.add_typer(policy, name="policy")
app.add_typer(sharing_cmd.app, name="sharing")
app.add_typer(assist_cmd.app, name="assist")
app.add_typer(retention_cmd.app, name="retention")
audit_cmd.app.add_typer(witness_cmd.witness_app, name="witness")
audit_cmd.app.add_typer(witness_cmd.witnesses_app, name="witnesses")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(hotlist_cmd.app, name="hotlist")
app.add_typer(oversight_cmd.app, name="oversight")
app.add_typer(portal_cmd.app, name="portal")
app.add_typer(spark_cmd.app, name="spark")
app.command("recognize")(recognize_cmd.recognize_cmd)
backup_cmd.register(app)
app.add_typer(users_cmd.app, name="users")
app.add_typer(roles_cmd.app, name="roles")


@app.callback()
def _main() -> None:
    setup_logging()


unwrap_app(app)  # help paragraphs on one line each: the terminal wraps them, at its width


if __name__ == "__main__":
    app()
