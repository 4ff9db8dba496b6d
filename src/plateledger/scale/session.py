"""Opening a SparkSession from the engine configuration (standalone, Spark Connect or local)."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

from plateledger.errors import StoreError
from plateledger.scale.cluster import ClusterError, find_java
from plateledger.scale.config import EngineConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOOPBACK = ("spark://127.0.0.1", "spark://localhost", "local")

# Sized for small clusters; every key can be overridden by `spark_conf`.
DEFAULT_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.parquet.filterPushdown": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # The planner hands Spark an explicit file list: list it on the driver, not in a job.
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "1000000",
    "spark.driver.memory": "2g",
    "spark.executor.memory": "3g",
    "spark.executor.cores": "1",
}


def open_session(config: EngineConfig) -> SparkSession:
    master = config.master or "local[2]"
    if master.startswith("sc://"):
        return _connect(config, master)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise StoreError("engine spark needs pyspark: pip install -e '.[spark]'") from None
    try:
        os.environ.setdefault("JAVA_HOME", str(find_java()))
    except ClusterError as exc:
        raise StoreError(exc.message) from None
    conf = dict(DEFAULT_CONF)
    conf["spark.local.dir"] = tempfile.gettempdir()
    if master.startswith(LOOPBACK):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        conf.update({"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"})
    conf.update(config.spark_conf)
    builder = SparkSession.builder.master(master).appName(config.app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j/JVM start-up errors have no narrower common type
        raise StoreError(f"cannot start a Spark session on {master}: {exc}") from None
    session.sparkContext.setLogLevel("WARN")
    return session


def _connect(config: EngineConfig, url: str) -> SparkSession:
    try:
        from pyspark.sql.connect.session import SparkSession as ConnectSession
    except ImportError:
        raise StoreError(
            "Spark Connect (sc://) needs the connect client: pip install 'pyspark[connect]'"
        ) from None
    builder = ConnectSession.builder.remote(url)
    for key, value in {**DEFAULT_CONF, **config.spark_conf}.items():
        if key.startswith("spark.sql."):  # runtime settings only; the server owns the rest
            builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # grpc errors have no narrower common type
        raise StoreError(f"cannot reach Spark Connect at {url}: {exc}") from None
    return session  # type: ignore[return-value]
