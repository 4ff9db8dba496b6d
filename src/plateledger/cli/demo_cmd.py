"""`plateledger demo` and `plateledger serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from plateledger.api.app import create_app
from plateledger.app.demo_build import DemoSummary, build_demo
from plateledger.app.event_intake import EventIntake
from plateledger.app.mqtt_ingest import MqttService
from plateledger.app.platform import Platform
from plateledger.app.traffic_player import PlayerSettings, TrafficPlayer
from plateledger.app.traffic_script import prepare_script
from plateledger.cli.common import DataOpt, console, eprint, friendly, open_platform
from plateledger.ingest.mqtt_config import MqttConfig, load_mqtt_config

DEFAULT_SHARED = Path("..") / "shared" / "data"
MqttOpt = Annotated[
    Path | None,
    typer.Option(
        "--mqtt",
        help="Also subscribe to MQTT (Frigate, mapped JSON topics) inside the server, with this "
        "YAML file (as for ingest-mqtt).",
    ),
]


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
    live: Annotated[
        bool,
        typer.Option(
            "--live/--no-live",
            help="While serving, post live reads (with hotlisted plates, so alerts arrive) "
            "through the ingest API.",
        ),
    ] = True,
    live_rate: Annotated[
        float, typer.Option(help="Live reads per second (on average).", min=0.1, max=50.0)
    ] = 2.0,
    live_first_hit: Annotated[
        float,
        typer.Option(help="Seconds before the first hotlisted pass.", min=0.0),
    ] = 20.0,
    mqtt: MqttOpt = None,
) -> None:
    """Build (or reuse) a realistic synthetic network and serve its API on 127.0.0.1."""
    settings = load_mqtt_config(mqtt) if mqtt is not None else None
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
            player = PlayerSettings(rate=live_rate, first_hit_s=live_first_hit)
            _serve(platform, port, player=player if live else None, seed=seed, mqtt=settings)
    finally:
        platform.close()


def _player(
    platform: Platform, base: str, seed: int, settings: PlayerSettings, server: uvicorn.Server
) -> TrafficPlayer:
    """Start the live traffic (it waits for the server to answer, and stops when the server
    begins to shut down) and say what it does."""
    script = prepare_script(platform, seed=seed)
    player = TrafficPlayer(base, script, settings, lambda: bool(server.should_exit))
    owners = script.hit_order()
    console.print(
        f"live traffic: posting about {settings.rate:g} reads/s (time now, with evidence crops) "
        "through POST /api/v1/reads; a hotlisted plate passes a camera of "
        f"{owners[0] if owners else '-'} {settings.first_hit_s:g} s after start, then one every "
        f"{settings.hit_every_s:g} s ({', '.join(dict.fromkeys(owners)) or 'no lists'}); "
        "--no-live turns it off"
    )
    player.start()
    return player


@friendly
def serve(
    data: DataOpt = Path("plateledger-data"),
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    mqtt: MqttOpt = None,
) -> None:
    """Serve the API on an existing data directory (with --mqtt, the MQTT subscriber too)."""
    settings = load_mqtt_config(mqtt) if mqtt is not None else None
    with open_platform(data, component="api") as platform:
        _serve(platform, port, host, mqtt=settings)


def _serve(
    platform: Platform,
    port: int,
    host: str = "127.0.0.1",
    *,
    player: PlayerSettings | None = None,
    seed: int = 7,
    mqtt: MqttConfig | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM; with ``player`` settings, the demo's live traffic too;
    with ``mqtt``, the MQTT subscriber on the server's platform (stopped before it closes)."""
    base = f"http://{host}:{port}"
    intake = EventIntake(platform)  # MQTT and camera pushes share it: one lock for each batch
    services = [_subscriber(platform, mqtt, intake)] if mqtt is not None else []
    app = create_app(platform, services=services)
    app.state.event_intake = intake
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    live = _player(platform, base, seed, player, server) if player is not None else None
    console.print(
        f"serving on {base}  (sign in at {base}/ui/ with a user id and password, or a token, "
        f"from above; API docs {base}/docs)"
    )
    try:
        server.run()
    finally:
        if live is not None:
            live.stop()


def _subscriber(platform: Platform, mqtt: MqttConfig, intake: EventIntake) -> MqttService:
    """MQTT ingest inside the server, started and stopped by the app's lifespan (so it is
    stopped cleanly before uvicorn re-raises SIGTERM); says where it subscribes."""
    where = f"{mqtt.broker.host}:{mqtt.broker.port}"
    service = MqttService(platform, mqtt, intake=intake,
                          on_ready=lambda: eprint(f"mqtt: subscribed at {where}"))  # fmt: skip
    console.print(f"mqtt: subscribing to {len(mqtt.filters())} topic filters at {where} "
                  f"(client id {mqtt.broker.client_id})")  # fmt: skip
    return service


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
