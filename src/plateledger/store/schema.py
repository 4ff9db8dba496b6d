"""The Arrow schema of reads entering the store (bulk load, Parquet import, ingest batches).

Producers (ingest, the demo generator, Parquet import) hand the store ``pyarrow`` tables in this
schema: plates already canonical, times in UTC, confidences in 0..1. The store assigns read ids and
maps external camera ids to its internal keys.
"""

from __future__ import annotations

import pyarrow as pa

CANDIDATE_TYPE = pa.struct([("plate", pa.string()), ("confidence", pa.float32())])

INGEST_SCHEMA = pa.schema(
    [
        pa.field("camera_id", pa.string(), nullable=False),
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("plate", pa.string(), nullable=False),  # canonical
        pa.field("plate_raw", pa.string()),  # as read; null means same as plate
        pa.field("plate_state", pa.string()),
        pa.field("state_confidence", pa.float32()),
        pa.field("confidence", pa.float32()),
        pa.field("candidates", pa.list_(CANDIDATE_TYPE)),
        pa.field("color", pa.string()),
        pa.field("color_confidence", pa.float32()),
        pa.field("vehicle_type", pa.string()),
        pa.field("type_confidence", pa.float32()),
        pa.field("make", pa.string()),
        pa.field("make_confidence", pa.float32()),
        pa.field("crop_ref", pa.string()),
        pa.field("engine", pa.string()),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
    ]
)

REQUIRED_FIELDS = ("camera_id", "ts", "plate")
