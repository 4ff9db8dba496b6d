"""Which engine answers searches: ``<data>/engine.yaml`` (absent: DuckDB, as always).

    engine: spark                       # duckdb (default) | spark
    master: spark://10.0.0.5:7077       # standalone master, or sc://host:15002 (Spark Connect)
    lake: s3a://alpr-lake/reads         # the Parquet layout; a path is relative to the data dir
    spark_conf:                         # passed to the SparkSession as is (auth, TLS, memory)
      spark.authenticate: "true"

The DuckDB store keeps the registry, policy tables, search log and writes in either case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from plateledger.errors import ValidationError as PlateledgerValidationError

CONFIG_FILE = "engine.yaml"
MASTER_SCHEMES = ("spark://", "sc://", "local")


class EngineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        title="Engine",
        description="duckdb: the embedded store answers searches; spark: a Spark cluster does, "
        "over the Parquet lake",
    )
    master: str | None = Field(
        default=None,
        title="Spark master",
        description="spark://host:port (standalone), sc://host:port (Spark Connect) or local[N]",
        max_length=500,
    )
    lake: str = Field(
        default="lake",
        title="Parquet lake",
        description="directory or URI (file://, s3a://) of the owner=/day= Parquet layout; a "
        "relative path is taken inside the data directory",
        min_length=1,
        max_length=1000,
    )
    app_name: str = Field(default="plateledger", title="Spark application name", max_length=100)
    spark_conf: dict[str, str] = Field(
        default_factory=dict,
        title="Spark settings",
        description="extra SparkSession settings, e.g. spark.authenticate, spark.ssl.*",
    )

    @field_validator("master")
    @classmethod
    def _master(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(MASTER_SCHEMES):
            raise ValueError("must start with spark://, sc:// or local")
        return value

    def lake_uri(self, data_dir: Path) -> str:
        if "://" in self.lake:
            return self.lake
        path = Path(self.lake)
        return str((path if path.is_absolute() else data_dir / path).resolve())


def load_engine_config(data_dir: Path) -> EngineConfig:
    """The data directory's engine configuration; the defaults when there is no file."""
    path = data_dir / CONFIG_FILE
    if not path.exists():
        return EngineConfig()
    try:
        raw = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PlateledgerValidationError(
            f"{path}: not readable YAML ({exc})", {"file": str(path)}
        ) from None
    if not isinstance(raw, dict):
        raise PlateledgerValidationError(f"{path}: expected a mapping", {"file": str(path)})
    try:
        config = EngineConfig.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(file)"
        raise PlateledgerValidationError(
            f"{path}: {field}: {err['msg']}", {"file": str(path), "field": field}
        ) from None
    if config.engine == "spark" and config.master is None:
        raise PlateledgerValidationError(
            f"{path}: master: required when engine is spark", {"file": str(path), "field": "master"}
        )
    return config
