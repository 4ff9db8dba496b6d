"""Ingest from cameras plateledger does not make: mapped exports, MQTT, per-camera tokens."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from plateledger.app.camera_tokens import issue_camera_token
from plateledger.app.event_intake import EventIntake
from plateledger.app.mqtt_ingest import MqttIngest
from plateledger.app.platform import Platform
from plateledger.cli.common import (
    DataOpt,
    eprint,
    friendly,
    in_use_line,
    open_platform,
    print_json,
)
from plateledger.errors import DataDirInUseError
from plateledger.ingest.mapped_files import mapped_batches
from plateledger.ingest.mapping import load_mapping
from plateledger.ingest.mqtt_config import load_mqtt_config

MAX_SHOWN = 50


def ingest_mapped(platform: Platform, files: list[Path], mapping_file: Path) -> dict[str, int]:
    """Store other systems' exports through a mapping file; errors name file, row and field."""
    mapping = load_mapping(mapping_file)
    intake = EventIntake(platform)
    totals = {"received": 0, "stored": 0, "duplicates": 0, "rejected": 0}
    for path in files:
        shown, offset = 0, 0
        for batch in mapped_batches(path, mapping):
            report = intake.ingest(batch, source=mapping.source,
                                   audit_source=f"file:{path.name}")  # fmt: skip
            for err in report.errors:
                if shown < MAX_SHOWN:
                    eprint(f"{path}: row {err.row + offset}: {err.field}: {err.message}")
                shown += 1
            offset += report.received
            for key in totals:
                totals[key] += getattr(report, key)
        if shown > MAX_SHOWN:
            eprint(f"{path}: … and {shown - MAX_SHOWN} more errors")
    return totals


ConfigOpt = Annotated[
    Path, typer.Option("--config", help="The MQTT YAML file: broker, frigate, topics.")
]


@friendly
def ingest_mqtt(config: ConfigOpt, data: DataOpt = Path("plateledger-data")) -> None:
    """Subscribe to Frigate's plate topics and mapped JSON topics and store their reads (QoS 1:
    a message is acknowledged only once its read is stored). Runs until interrupted. Where a
    server holds the data directory, run `plateledger serve --mqtt FILE` instead."""
    settings = load_mqtt_config(config)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        platform = Platform(data, component="mqtt")
    except DataDirInUseError as exc:
        hint = f"plateledger serve --mqtt {config} --data {data}"
        eprint(f"{in_use_line(exc, remote=False)}; to subscribe beside a server, run the "
               f"subscriber inside it: {hint}")  # fmt: skip
        raise typer.Exit(2) from None
    try:
        subscriber = MqttIngest(platform, settings, on_ready=lambda: eprint("subscribed"))
        subscriber.run(stop)
    finally:
        platform.close()


@friendly
def camera_token(
    camera: Annotated[str, typer.Argument(help="The camera id (registered, active).")],
    user: Annotated[str, typer.Option(help="The agency user the token acts as (an admin).")],
    data: DataOpt = Path("plateledger-data"),
) -> None:
    """Issue an ingest token bound to one camera, for POST /api/v1/cameras/{id}/events; the
    secret is printed once."""
    with open_platform(data) as platform:
        secret, record = issue_camera_token(platform, camera, user)
    print_json({"token": secret, "token_id": record.token_id, "camera_id": camera})
