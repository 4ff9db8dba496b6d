"""Tests for ``parse_records`` and ``parse_body``."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pyarrow as pa
import pytest

from plateledger.errors import ValidationError
from plateledger.ingest import BadLine, RowError, parse_body, parse_records
from plateledger.store.schema import INGEST_SCHEMA

NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
CAMERAS = frozenset({"cam-1", "cam-2"})


def read(**fields: object) -> dict[str, object]:
    """A valid typical record, with ``fields`` overriding or adding keys."""
    record: dict[str, object] = {
        "camera_id": "cam-1",
        "ts": "2026-11-28T14:03:05Z",
        "plate": "abc-123",
        "confidence": 0.93,
        "plate_state": "ca",
        "color": "White",
    }
    record.update(fields)
    return record


def errors_of(*records: object) -> list[tuple[int, str]]:
    result = parse_records(records, CAMERAS, now=NOW)
    return [(e.row, e.field) for e in result.errors]


def test_valid_record_columns() -> None:
    result = parse_records([read(make="toyota", crop_ref="s3://c/1.jpg")], CAMERAS, now=NOW)
    assert result.errors == ()
    assert result.rows_seen == 1
    assert result.table.schema.equals(INGEST_SCHEMA)
    row = result.table.to_pylist()[0]
    assert row["plate"] == "ABC123"
    assert row["plate_raw"] == "abc-123"
    assert row["ts"] == datetime(2026, 11, 28, 14, 3, 5, tzinfo=UTC)
    assert row["plate_state"] == "CA"
    assert row["color"] == "white"
    assert row["make"] == "TOYOTA"
    assert row["crop_ref"] == "s3://c/1.jpg"
    assert row["candidates"] is None
    assert row["lat"] is None


def test_offset_is_converted_to_utc() -> None:
    result = parse_records([read(ts="2026-11-28T14:03:05.123+01:00")], CAMERAS, now=NOW)
    assert result.table.column("ts")[0].as_py() == datetime(2026, 11, 28, 13, 3, 5, 123000, UTC)


def test_bad_rows_are_reported_and_good_rows_kept() -> None:
    records = [
        read(plate="GOOD1"),
        read(ts="not a time"),
        read(ts="2026-11-28T14:03:05"),  # naive
        read(ts="2026-11-28T15:11:00Z"),  # 11 minutes ahead of NOW
        read(camera_id="cam-9"),
        read(plate=" - "),
        read(confidence=1.5),
        read(candidates=[{"plate": "ABC124", "confidence": 0.2}, {"plate": "X"}]),
        read(plate="GOOD2"),
    ]
    result = parse_records(records, CAMERAS, now=NOW)
    assert [(e.row, e.field) for e in result.errors] == [
        (2, "ts"),
        (3, "ts"),
        (4, "ts"),
        (5, "camera_id"),
        (6, "plate"),
        (7, "confidence"),
        (8, "candidates[1].confidence"),
    ]
    assert result.table.column("plate").to_pylist() == ["GOOD1", "GOOD2"]
    assert result.rows_seen == 9
    messages = {e.row: e.message for e in result.errors}
    assert "add one" in messages[3]
    assert "future" in messages[4]
    assert messages[5] == "unknown camera_id"


def test_one_error_per_bad_field() -> None:
    record = read(confidence=True, plate_state="C4", color="x" * 41, lat=91, lon=0)
    del record["plate"]
    assert sorted(errors_of(record)) == [
        (1, "color"),
        (1, "confidence"),
        (1, "lat"),
        (1, "plate"),
        (1, "plate_state"),
    ]


@pytest.mark.parametrize(
    ("ts", "ok"),
    [
        ("2026-11-28T14:03:05Z", True),
        ("2026-11-28T14:03:05.123456-05:00", False),  # 19:03 UTC: future
        ("2026-11-28T15:09:59Z", True),
        ("1999-12-31T23:59:59Z", False),
        ("2000-01-01T00:00:00+00:00", True),
        ("2026-11-28", False),
        (1795870985, False),
        ("", False),
    ],
)
def test_timestamps(ts: object, ok: bool) -> None:
    assert (errors_of(read(ts=ts)) == []) is ok


def test_candidates() -> None:
    good = read(
        candidates=[{"plate": "abc 124", "confidence": 0.2}, {"plate": "A8C123", "confidence": 0}]
    )
    result = parse_records([good], CAMERAS, now=NOW)
    assert result.table.column("candidates")[0].as_py() == [
        {"plate": "ABC124", "confidence": pytest.approx(0.2)},
        {"plate": "A8C123", "confidence": 0.0},
    ]
    too_many = read(candidates=[{"plate": "A", "confidence": 0.1}] * 11)
    assert errors_of(too_many) == [(1, "candidates")]
    assert errors_of(read(candidates=["ABC124"])) == [(1, "candidates[0]")]
    assert errors_of(read(candidates={"plate": "A"})) == [(1, "candidates")]
    bad_plate = read(candidates=[{"plate": "", "confidence": 0.5}])
    assert errors_of(bad_plate) == [(1, "candidates[0].plate")]


def test_nested_vehicle_form() -> None:
    vehicle = {"color": "Red", "type": "SUV", "type_confidence": 0.7, "make": "ford"}
    record = read(vehicle=vehicle)
    del record["color"]
    row = parse_records([record], CAMERAS, now=NOW).table.to_pylist()[0]
    assert (row["color"], row["vehicle_type"], row["make"]) == ("red", "suv", "FORD")
    assert row["type_confidence"] == pytest.approx(0.7)
    assert errors_of(read(vehicle={"color": "blue"})) == [(1, "vehicle.color")]  # vs color=White
    assert errors_of(read(vehicle={"make_confidence": 2})) == [(1, "vehicle.make_confidence")]
    assert errors_of(read(vehicle="red")) == [(1, "vehicle")]


def test_lat_lon_and_strings() -> None:
    assert errors_of(read(lat=37.5, lon=-122.1)) == []
    assert errors_of(read(lat=37.5)) == [(1, "lon")]
    assert errors_of(read(lat=37.5, lon=-181)) == [(1, "lon")]
    assert errors_of(read(lat=float("nan"), lon=0.0)) == [(1, "lat")]
    assert errors_of(read(engine="e" * 101)) == [(1, "engine")]
    assert errors_of(read(crop_ref="c" * 501)) == [(1, "crop_ref")]
    assert errors_of(read(plate_state="qc"), read(plate_state="NSW"), read(plate_state="")) == []
    assert errors_of(read(plate_state=5)) == [(1, "plate_state")]


def test_non_objects_nulls_and_unknown_fields() -> None:
    records = [[1, 2], "x", BadLine("malformed JSON on line 3"), read(extra=1, confidence=None)]
    result = parse_records(records, CAMERAS, now=NOW, first_row=11)
    assert [e.to_dict() for e in result.errors] == [
        {"row": 11, "field": "row", "message": "must be a JSON object"},
        {"row": 12, "field": "row", "message": "must be a JSON object"},
        {"row": 13, "field": "row", "message": "malformed JSON on line 3"},
    ]
    assert result.table.column("confidence").to_pylist() == [None]
    assert errors_of({"camera_id": "cam-1", "ts": None, "plate": "A1"}) == [(1, "ts")]


def test_error_messages_do_not_contain_plate_text() -> None:
    result = parse_records([read(plate="SECRET99999"), read(plate=12345)], CAMERAS, now=NOW)
    assert len(result.errors) == 2
    assert all("SECRET" not in e.message and "12345" not in e.message for e in result.errors)


def test_empty_input_gives_empty_table() -> None:
    result = parse_records([], CAMERAS, now=NOW)
    assert result.table.schema.equals(INGEST_SCHEMA)
    assert (result.table.num_rows, result.rows_seen, result.errors) == (0, 0, ())


def test_table_types_match_schema() -> None:
    record = read(
        candidates=[{"plate": "ABC124", "confidence": 0.5}],
        state_confidence=1,
        lat=1,
        lon=2,
        engine="openalpr 3",
    )
    table = parse_records([record, read()], CAMERAS, now=NOW).table
    assert isinstance(table, pa.Table)
    assert table.schema.equals(INGEST_SCHEMA, check_metadata=True)
    assert table.num_rows == 2


def test_row_error_is_frozen() -> None:
    error = RowError(1, "ts", "is required")
    with pytest.raises(AttributeError):
        error.row = 2  # type: ignore[misc]


# --- parse_body -------------------------------------------------------------------------------


def test_body_json_array() -> None:
    body = orjson.dumps([read(), read(plate="B2")])
    records = parse_body(body, "application/json; charset=utf-8")
    assert len(records) == 2
    assert parse_records(records, CAMERAS, now=NOW).table.num_rows == 2


def test_body_ndjson_with_one_malformed_line() -> None:
    lines = [orjson.dumps(read()), b'{"camera_id": "cam-1", "ts": ', b"", orjson.dumps(read())]
    records = parse_body(b"\n".join(lines) + b"\n", "application/x-ndjson")
    assert len(records) == 3
    assert isinstance(records[1], BadLine)
    assert "line 2" in records[1].message
    result = parse_records(records, CAMERAS, now=NOW)
    assert result.table.num_rows == 2
    assert [(e.row, e.field) for e in result.errors] == [(2, "row")]


def test_body_ndjson_is_sniffed() -> None:
    body = orjson.dumps(read()) + b"\n" + orjson.dumps(read()) + b"\r\n"
    assert len(parse_body(body, None)) == 2
    assert len(parse_body(body, "application/json")) == 2
    pretty = orjson.dumps(read(), option=orjson.OPT_INDENT_2)
    assert parse_body(pretty, "application/json") == [read()]


@pytest.mark.parametrize("body", [b"", b"  \n ", b"\xef\xbb\xbf"])
def test_body_empty(body: bytes) -> None:
    with pytest.raises(ValidationError, match="empty body"):
        parse_body(body, "application/json")


def test_body_malformed_json_names_position() -> None:
    with pytest.raises(ValidationError, match="position 14") as info:
        parse_body(b'[{"plate": 1},', "application/json")
    assert info.value.details == {"position": 14, "line": 1, "column": 15}
    with pytest.raises(ValidationError, match="JSON array"):
        parse_body(b'"just a string"', "application/json")


def test_body_too_many_reads() -> None:
    array = orjson.dumps([{}] * 10_001)
    with pytest.raises(ValidationError, match="at most 10000 reads per request; got 10001"):
        parse_body(array, "application/json")
    ndjson = b"{}\n" * 6
    with pytest.raises(ValidationError, match="at most 5 reads per request; got 6"):
        parse_body(ndjson, "application/x-ndjson", max_reads=5)
    assert len(parse_body(orjson.dumps([{}] * 10_000), "application/json")) == 10_000
