"""`plateledger spark ...`: the local Spark cluster, the Parquet lake it reads, lake retention."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, friendly, open_platform, print_json
from plateledger.errors import ValidationError
from plateledger.scale import cluster
from plateledger.scale.config import load_engine_config
from plateledger.scale.lake import Lake

app = typer.Typer(help="Scale-out on Apache Spark over the Parquet lake (docs/scale.md).")

PortOpt = Annotated[int, typer.Option(help="Master port.")]
UiPortOpt = Annotated[int, typer.Option(help="Master web UI port (workers use the next ones).")]


@app.command("up")
@friendly
def up(data: DataOpt = DEFAULT_DATA, port: PortOpt = 7077, webui_port: UiPortOpt = 8080) -> None:
    """Start a standalone master + 2 workers on 127.0.0.1 (state in DATA/spark-cluster)."""
    state = cluster.up(cluster.ClusterSpec((data / "spark-cluster").resolve(), port, webui_port))
    print_json({"master_url": state.master_url, "ui_url": state.ui_url, "pids": state.pids})


@app.command("down")
@friendly
def down(data: DataOpt = DEFAULT_DATA) -> None:
    """Stop the cluster started by `spark up` with the same --data."""
    print_json({"stopped": cluster.down((data / "spark-cluster").resolve())})


@app.command("status")
@friendly
def status(data: DataOpt = DEFAULT_DATA) -> None:
    """The engine configuration, the lake's size and the local cluster's state."""
    config = load_engine_config(data)
    lake = Lake(config.lake_uri(data))
    print_json(
        {
            "engine": config.engine,
            "master": config.master,
            "lake": lake.uri,
            "lake_owners": len(lake.index()),
            "lake_files": lake.file_count(),
            "cluster": cluster.status((data / "spark-cluster").resolve()),
        }
    )


@app.command("sync")
@friendly
def sync(data: DataOpt = DEFAULT_DATA) -> None:
    """Write the store's reads to the lake (owner=/day= Parquet + per-day plate dictionary)."""
    config = load_engine_config(data)
    lake = Lake(config.lake_uri(data))
    if "://" in lake.uri:
        raise ValidationError(
            f"lake {lake.uri}: sync writes a local lake only; copy it to object storage "
            "(docs/scale.md)", {"field": "lake"}
        )  # fmt: skip
    with open_platform(data) as platform:
        platform.log_event("export", None, {"what": "reads_lake", "out": lake.uri})
        n = platform.store.export_parquet(Path(lake.base))
        platform.dictionary.reload()
    print_json({"exported": n, "lake": lake.uri, "files": Lake(lake.uri).file_count()})


@app.command("retention")
@friendly
def retention(data: DataOpt = DEFAULT_DATA) -> None:
    """Delete lake partitions older than each owner's window; receipts go to the audit log."""
    with open_platform(data) as platform:
        got = platform.retention.run_lake()
    out = [
        {"owner": owner, "day": r.day.isoformat(), "count": r.count, "bytes_freed": r.bytes_freed}
        for owner, r in got
    ]
    print_json(out)
