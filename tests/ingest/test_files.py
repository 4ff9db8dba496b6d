"""Tests for ``iter_file`` and ``count_rows_hint`` on generated CSV, NDJSON, JSON and Parquet."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from plateledger.errors import ValidationError
from plateledger.ingest import ParseResult, count_rows_hint, iter_file
from plateledger.store.schema import INGEST_SCHEMA

NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
CAMERAS = frozenset({"cam-1", "cam-2"})

CSV_TEXT = """\
camera_id,ts,plate,confidence,plate_state,color,candidates,lat,lon,notes
cam-1,2026-11-28T14:03:05Z,abc-123,0.93,ca,White,ABC123:0.93|A8C123:0.05,37.5,-122.1,hi
cam-1,2026-11-28T14:03:06Z,XYZ 789,high,,,,,,
cam-2,2026-11-28T14:03:07+01:00,JKL456,,,,,,,

cam-9,2026-11-28T14:03:08Z,MNO111,0.5,,,,,,
cam-2,2026-11-28T14:03:09Z,PQR222,0.5,,,BAD1:x|BAD2,,,
cam-2,2026-11-28T14:03:10Z,STU333,,,,,,,
"""


def run(path: Path, batch_rows: int = 50_000) -> list[ParseResult]:
    return list(iter_file(path, CAMERAS, batch_rows=batch_rows, now=NOW))


def errors(results: list[ParseResult]) -> list[tuple[int, str]]:
    return [(e.row, e.field) for result in results for e in result.errors]


def plates(results: list[ParseResult]) -> list[str]:
    return [p for result in results for p in result.table.column("plate").to_pylist()]


def records(count: int) -> list[dict[str, object]]:
    return [
        {"camera_id": "cam-1", "ts": f"2026-11-28T14:{i // 60:02d}:{i % 60:02d}Z", "plate": f"P{i}"}
        for i in range(count)
    ]


@pytest.mark.parametrize("name", ["reads.csv", "reads.CSV.gz"])
def test_csv(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    data = CSV_TEXT.encode()
    path.write_bytes(gzip.compress(data) if name.lower().endswith(".gz") else data)
    results = run(path)
    assert plates(results) == ["ABC123", "JKL456", "STU333"]
    assert errors(results) == [
        (2, "confidence"),
        (4, "camera_id"),
        (5, "candidates[0].confidence"),
        (5, "candidates[1].confidence"),
    ]
    row = results[0].table.to_pylist()[0]
    assert row["candidates"] == [
        {"plate": "ABC123", "confidence": pytest.approx(0.93)},
        {"plate": "A8C123", "confidence": pytest.approx(0.05)},
    ]
    assert (row["lat"], row["lon"], row["plate_state"], row["color"]) == (
        37.5,
        -122.1,
        "CA",
        "white",
    )
    assert results[0].table.schema.equals(INGEST_SCHEMA)
    assert sum(r.rows_seen for r in results) == 6  # the blank line is not a row


def test_csv_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "reads.csv"
    path.write_text("camera,ts,plate_number\ncam-1,2026-11-28T14:03:05Z,A1\n")
    with pytest.raises(ValidationError, match="missing required column") as info:
        run(path)
    assert str(path) in info.value.message
    assert info.value.details == {"file": str(path), "missing": ["camera_id", "plate"]}


def test_csv_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "reads.csv"
    path.write_text("")
    with pytest.raises(ValidationError, match="header"):
        run(path)


@pytest.mark.parametrize("name", ["reads.ndjson", "reads.jsonl", "reads.ndjson.gz"])
def test_ndjson_with_malformed_line(tmp_path: Path, name: str) -> None:
    lines = [orjson.dumps(r) for r in records(3)]
    lines.insert(1, b'{"camera_id": "cam-1",')
    data = b"\n".join(lines) + b"\n\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    results = run(path)
    assert plates(results) == ["P0", "P1", "P2"]
    assert errors(results) == [(2, "row")]
    assert "line 2" in results[0].errors[0].message


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "reads.json"
    path.write_bytes(orjson.dumps([*records(2), {"camera_id": "cam-1"}]))
    results = run(path)
    assert plates(results) == ["P0", "P1"]
    assert errors(results) == [(3, "ts"), (3, "plate")]


def test_json_malformed(tmp_path: Path) -> None:
    path = tmp_path / "reads.json"
    path.write_bytes(b'[{"camera_id": "cam-1"')
    with pytest.raises(ValidationError, match=r"reads\.json: malformed JSON at position"):
        run(path)


def test_row_numbers_continue_across_batches(tmp_path: Path) -> None:
    rows = records(10)
    rows[2]["camera_id"] = "nope"
    rows[7]["ts"] = "2026-11-28T14:00:00"
    path = tmp_path / "reads.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    results = run(path, batch_rows=3)
    assert [r.rows_seen for r in results] == [3, 3, 3, 1]
    assert errors(results) == [(3, "camera_id"), (8, "ts")]
    assert len(plates(results)) == 8


def test_parquet(tmp_path: Path) -> None:
    table = pa.table(
        {
            "camera_id": ["cam-1", "cam-2", "cam-1"],
            "ts": pa.array(
                [datetime(2026, 11, 28, 14, 3, 5, 123456, UTC)] * 3,
                type=pa.timestamp("ns", tz="UTC"),
            ),
            "plate": ["abc 123", "", "XYZ789"],
            "confidence": pa.array([0.9, 0.8, None], type=pa.float32()),
            "candidates": pa.array(
                [[{"plate": "ABC124", "confidence": 0.1}], None, []],
                type=pa.list_(pa.struct([("plate", pa.string()), ("confidence", pa.float32())])),
            ),
            "unrelated": [1, 2, 3],
        }
    )
    path = tmp_path / "reads.parquet"
    pq.write_table(table, path)
    results = run(path, batch_rows=2)
    assert plates(results) == ["ABC123", "XYZ789"]
    assert errors(results) == [(2, "plate")]
    first = results[0].table.to_pylist()[0]
    assert first["ts"] == datetime(2026, 11, 28, 14, 3, 5, 123456, UTC)
    assert first["confidence"] == pytest.approx(0.9)
    assert first["candidates"][0]["plate"] == "ABC124"
    assert all(r.table.schema.equals(INGEST_SCHEMA) for r in results)
    assert count_rows_hint(path) == 3


def test_parquet_naive_timestamps_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "naive.parquet"
    pq.write_table(
        pa.table({"camera_id": ["cam-1"], "ts": [datetime(2026, 11, 28, 14)], "plate": ["A1"]}),
        path,
    )
    assert errors(run(path)) == [(1, "ts")]


def test_parquet_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "reads.parquet"
    pq.write_table(pa.table({"camera_id": ["cam-1"], "plate": ["A1"]}), path)
    with pytest.raises(ValidationError, match=r"missing required column\(s\) ts"):
        run(path)


def test_corrupt_files(tmp_path: Path) -> None:
    parquet = tmp_path / "bad.parquet"
    parquet.write_bytes(b"PAR1 this is not parquet at all")
    with pytest.raises(ValidationError, match=r"bad\.parquet: cannot read"):
        run(parquet)
    gz = tmp_path / "bad.csv.gz"
    gz.write_bytes(b"\x1f\x8b not gzip")
    with pytest.raises(ValidationError, match=r"bad\.csv\.gz: cannot read"):
        run(gz)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("camera_id,ts,plate\ncam-1,2026-11-28T14:03:05Z,\xc4\n".encode("latin-1"))
    with pytest.raises(ValidationError, match=r"latin\.csv: cannot read"):
        run(latin)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"reads\.xlsx: unknown file type"):
        iter_file(tmp_path / "reads.xlsx", CAMERAS)
    with pytest.raises(ValidationError, match=r"nothere\.csv: no such file"):
        iter_file(tmp_path / "nothere.csv", CAMERAS)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(ValidationError, match=r"folder\.csv: not a file"):
        iter_file(folder, CAMERAS)


def test_count_rows_hint(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text(CSV_TEXT)
    assert count_rows_hint(small) == 6
    big = tmp_path / "big.ndjson.gz"
    big.write_bytes(gzip.compress(b"\n".join(orjson.dumps(r) for r in records(5000))))
    hint = count_rows_hint(big)
    assert hint is not None and 4000 < hint < 6000
    assert count_rows_hint(tmp_path / "reads.json") is None
    assert count_rows_hint(tmp_path / "missing.csv") is None
