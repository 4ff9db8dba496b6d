"""Choosing the read engine from the data directory's ``engine.yaml`` (see ``config``)."""

from __future__ import annotations

from pathlib import Path

from plateledger.scale.config import EngineConfig, load_engine_config
from plateledger.scale.lake import Lake
from plateledger.store.base import ReadStore


def open_read_store(
    data_dir: Path, local: ReadStore, config: EngineConfig | None = None
) -> ReadStore:
    """``local`` itself for ``engine: duckdb``; a ``SparkReadStore`` over the lake for
    ``engine: spark`` (its SparkSession opens on the first search)."""
    config = config or load_engine_config(data_dir)
    if config.engine == "duckdb":
        return local
    from plateledger.scale.session import open_session
    from plateledger.scale.spark_store import SparkReadStore

    lake = Lake(config.lake_uri(data_dir))
    return SparkReadStore(local, lake, lambda: open_session(config))
