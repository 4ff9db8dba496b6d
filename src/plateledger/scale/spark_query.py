"""A read query as a Spark DataFrame over an explicit file list, and rows back to ``Read``.

Predicates are DataFrame expressions over literal values (no SQL text is assembled), and mirror
``store.read_query`` exactly, so both engines answer the same query with the same rows in the
same order: plate IN, per-network retention cutoffs, time window, cameras or bounding box,
attribute equality; then the same ORDER BY with ``read_id`` as the final tie-break.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from plateledger.domain.types import (
    AgencyId,
    CameraId,
    Candidate,
    Network,
    NetworkId,
    Read,
    ReadId,
    Vehicle,
)
from plateledger.scale.lake import EPOCH, ReadPlan, utc
from plateledger.store.base import ReadFilters, ReadOrder

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

SCHEMA_DDL = (
    "read_id BIGINT, network_id STRING, camera_id STRING, ts TIMESTAMP, plate STRING, "
    "plate_raw STRING, plate_state STRING, state_confidence FLOAT, confidence FLOAT, "
    "candidates ARRAY<STRUCT<plate: STRING, confidence: FLOAT>>, color STRING, "
    "color_confidence FLOAT, vehicle_type STRING, type_confidence FLOAT, make STRING, "
    "make_confidence FLOAT, crop_ref STRING, engine STRING, lat DOUBLE, lon DOUBLE"
)
OUT_COLUMNS = (
    "read_id", "network_id", "camera_id", "plate", "plate_raw", "plate_state",
    "state_confidence", "confidence", "candidates", "color", "color_confidence", "vehicle_type",
    "type_confidence", "make", "make_confidence", "crop_ref", "engine", "lat", "lon",
)  # fmt: skip
ORDER: Mapping[ReadOrder, tuple[tuple[str, bool], ...]] = {
    "ts_desc": (("ts", False), ("read_id", False)),
    "ts_asc": (("ts", True), ("read_id", True)),
    "plate_ts": (("plate", True), ("ts", False), ("read_id", False)),
}


def frame(spark: SparkSession, base: str, files: Sequence[str]) -> DataFrame:
    """The reads of exactly these files (``base`` makes owner/day partition columns)."""
    return spark.read.schema(SCHEMA_DDL).option("basePath", base).parquet(*files)


def condition(
    plan: ReadPlan,
    plates: Sequence[str] | None,
    filters: ReadFilters,
    camera_ids: frozenset[CameraId],
) -> Column | None:
    """The row filter; None when the filters exclude everything (as ``where_clause``)."""
    from pyspark.sql import functions as F

    conds: list[Column] = []
    if plates is not None:
        conds.append(F.col("plate").isin(list(plates)))
    conds.append(_scope(plan.networks))
    if filters.time_from is not None:
        conds.append(F.col("ts") >= F.lit(utc(filters.time_from)))
    if filters.time_to is not None:
        conds.append(F.col("ts") < F.lit(utc(filters.time_to)))
    if filters.cameras is not None or filters.bbox is not None:
        cams = _cameras(filters, camera_ids)
        if cams is None:
            return None
        conds.append(cams)
    for column, value in (
        ("plate_state", filters.plate_state),
        ("color", filters.color),
        ("vehicle_type", filters.vehicle_type),
        ("make", filters.make),
    ):
        if value is not None:
            conds.append(F.col(column) == F.lit(value))
    out = conds[0]
    for c in conds[1:]:
        out = out & c
    return out


def _scope(networks: Mapping[NetworkId, datetime]) -> Column:
    """Allowed networks, grouped by retention cutoff: (network IN …) AND ts >= cutoff, OR-ed."""
    from pyspark.sql import functions as F

    by_cutoff: dict[datetime, list[str]] = {}
    for net, cutoff in networks.items():
        by_cutoff.setdefault(cutoff, []).append(net)
    parts = []
    for cutoff, nets in sorted(by_cutoff.items()):
        part = F.col("network_id").isin(sorted(nets))
        if cutoff > EPOCH:
            part = part & (F.col("ts") >= F.lit(cutoff))
        parts.append(part)
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


def _cameras(filters: ReadFilters, camera_ids: frozenset[CameraId]) -> Column | None:
    from pyspark.sql import functions as F

    known = sorted(c for c in (filters.cameras or ()) if c in camera_ids)
    parts = []
    if known:
        parts.append(F.col("camera_id").isin(known))
    if filters.bbox is not None:
        b = filters.bbox
        parts.append(
            F.col("lat").between(b.min_lat, b.max_lat) & F.col("lon").between(b.min_lon, b.max_lon)
        )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else parts[0] | parts[1]


def ordered(df: DataFrame, order: ReadOrder) -> DataFrame:
    from pyspark.sql import functions as F

    return df.orderBy(*[F.col(c).asc() if up else F.col(c).desc() for c, up in ORDER[order]])


def project(df: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return df.select(*OUT_COLUMNS, F.unix_micros("ts").alias("ts_us"))


def _conf(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def to_read(row: Mapping[str, Any], networks: Mapping[NetworkId, Network]) -> Read:
    network = networks[NetworkId(row["network_id"])]
    vehicle = Vehicle(
        row["color"], _conf(row["color_confidence"]), row["vehicle_type"],
        _conf(row["type_confidence"]), row["make"], _conf(row["make_confidence"]),
    )  # fmt: skip
    return Read(
        id=ReadId(int(row["read_id"])),
        camera_id=CameraId(row["camera_id"]),
        network_id=network.id,
        owner_agency=AgencyId(network.agency_id),
        ts=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(row["ts_us"])),
        plate=row["plate"],
        plate_raw=row["plate_raw"] if row["plate_raw"] is not None else row["plate"],
        plate_state=row["plate_state"],
        state_confidence=_conf(row["state_confidence"]),
        confidence=_conf(row["confidence"]),
        candidates=tuple(
            Candidate(c["plate"], _conf(c["confidence"]) or 0.0) for c in row["candidates"] or ()
        ),
        vehicle=vehicle,
        crop_ref=row["crop_ref"],
        engine=row["engine"],
        lat=row["lat"],
        lon=row["lon"],
    )
