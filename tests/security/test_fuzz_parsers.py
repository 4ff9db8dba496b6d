"""Property-based fuzzing of every importer and parser: random bytes, truncated and bit-flipped
valid files, and well-formed files with hostile cell values. Each must either parse or raise
our ``ValidationError`` naming the file (or the row/field) — never another exception, never a
hang (pytest-timeout per test).

Light by default; ``PLATELEDGER_FUZZ=deep`` (``make fuzz``) runs many more examples.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plateledger.alerts.imports import parse_entries
from plateledger.errors import ValidationError
from plateledger.ingest import RECORD_FIELDS, iter_file, parse_body, parse_records
from plateledger.oversight.importer import import_paths, own_entries_from
from plateledger.oversight.model import connect
from plateledger.oversight.own_log import entry_row

DEEP = os.environ.get("PLATELEDGER_FUZZ") == "deep"
EXAMPLES = int(os.environ.get("PLATELEDGER_FUZZ_EXAMPLES", "400" if DEEP else "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
pytestmark = pytest.mark.timeout(600 if DEEP else 120)
CAMERAS = frozenset({"cam-1", "cam-2"})
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# --- valid seeds that mutations start from ---------------------------------------------------
READ_ROWS = [
    {"camera_id": "cam-1", "ts": "2025-12-31T10:00:00Z", "plate": "ABC123", "confidence": 0.9,
     "color": "red", "candidates": [{"plate": "A8C123", "confidence": 0.1}]},
    {"camera_id": "cam-2", "ts": "2025-12-31T10:00:01+01:00", "plate": "XYZ 9",
     "vehicle": {"make": "ford"}},
]  # fmt: skip
READS_CSV = (
    b"camera_id,ts,plate,confidence,color,candidates\n"
    b"cam-1,2025-12-31T10:00:00Z,ABC123,0.9,red,A8C123:0.1|ABC128:0.05\n"
    b'cam-2,2025-12-31T10:00:01Z,"XYZ 9",,,\n'
)
FLOCK_CSV = (
    b"ID,Name,Org Name,Total Networks Searched,Total Devices Searched,Time Frame,"
    b"License Plate,Reason,Case #,Filters,Search Time,Search Type,Text Prompt\n"
    b'1,officer1,Test PD,3,120,"1/1/2025, 1:00:00 AM UTC\n1/2/2025, 1:00:00 AM UTC",ABC123,'
    b'stolen,24-1,,"1/3/2025, 2:00:00 PM UTC",search,\n'
)
HOTLIST_CSV = "plate,state,reason,case_number,expires_at\nABC123,IL,stolen,24-1,2027-01-01\n"
HOTLIST_NCIC = "ABC123    IL24-0001             2027-01-01STOLEN VEHICLE\n"


def _parquet_bytes() -> bytes:
    table = pa.table({"camera_id": ["cam-1", "cam-2"], "ts": ["2025-12-31T10:00:00Z", "x"],
                      "plate": ["ABC123", "Q"]})  # fmt: skip
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in FLOCK_CSV.decode().split("\n")[:1]:
        sheet.append(line.split(","))
    sheet.append(["1", "officer1", "Test PD", "3", "120", "", "ABC123", "stolen", "24-1", "",
                  "1/3/2025, 2:00:00 PM UTC", "search", ""])  # fmt: skip
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """Truncations, bit flips, byte insertions and splices of a valid file — plus pure noise."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 4))):
            op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "dup"]))
            pos = draw(st.integers(0, max(len(data) - 1, 0)))
            if op == "truncate":
                del data[pos:]
            elif op == "flip" and data:
                data[pos] ^= 1 << draw(st.integers(0, 7))
            elif op == "insert":
                data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
            elif op == "delete":
                del data[pos : pos + draw(st.integers(1, 64))]
            else:
                data[pos:pos] = data[pos : pos + draw(st.integers(1, 64))]
        return bytes(data)

    return st.one_of(build(), st.binary(max_size=512))


def _file(tmp: Path, name: str, content: bytes) -> Path:
    path = tmp / name
    path.write_bytes(content)
    return path


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="plateledger-fuzz-") as d:
        yield Path(d)


def assert_names_the_file(exc: ValidationError, path: Path) -> None:
    assert path.name in exc.message, exc.message
    assert "Traceback" not in exc.message


def consume_reads(path: Path) -> None:
    """iter_file must yield ParseResults whose errors name a row and a known field, or raise a
    ValidationError naming the file."""
    try:
        for result in iter_file(path, CAMERAS, batch_rows=3, now=NOW):
            assert result.table.num_rows + len({e.row for e in result.errors}) >= 0
            for err in result.errors:
                assert err.row >= 1
                root = err.field.split("[")[0].split(".")[0]
                assert root in (*RECORD_FIELDS, "row"), err
    except ValidationError as exc:
        assert_names_the_file(exc, path)


# --- reads: files and HTTP bodies ------------------------------------------------------------
@FUZZ
@given(content=mutated(READS_CSV), gz=st.booleans())
def test_fuzz_reads_csv(workdir: Path, content: bytes, gz: bool) -> None:
    name = "reads.csv.gz" if gz else "reads.csv"
    consume_reads(_file(workdir, name, gzip.compress(content) if gz else content))


@FUZZ
@given(content=mutated(gzip.compress(READS_CSV)))
def test_fuzz_reads_corrupt_gzip(workdir: Path, content: bytes) -> None:
    consume_reads(_file(workdir, "reads.ndjson.gz", content))


@FUZZ
@given(content=mutated(b"\n".join(orjson.dumps(r) for r in READ_ROWS)))
def test_fuzz_reads_ndjson(workdir: Path, content: bytes) -> None:
    consume_reads(_file(workdir, "reads.ndjson", content))


@FUZZ
@given(content=mutated(orjson.dumps(READ_ROWS)))
def test_fuzz_reads_json(workdir: Path, content: bytes) -> None:
    consume_reads(_file(workdir, "reads.json", content))


@FUZZ
@given(content=mutated(_parquet_bytes()))
def test_fuzz_reads_parquet(workdir: Path, content: bytes) -> None:
    consume_reads(_file(workdir, "reads.parquet", content))


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),  # fmt: skip
    max_leaves=12,
)
RECORD = st.fixed_dictionaries(
    {}, optional={name: JSONISH for name in ("camera_id", "ts", "plate", "confidence", "color",
                                              "candidates", "vehicle", "lat", "lon", "make")},
)  # fmt: skip


@FUZZ
@given(records=st.lists(st.one_of(RECORD, JSONISH), max_size=8))
def test_fuzz_parse_records_hostile_values(records: list[Any]) -> None:
    result = parse_records(records, CAMERAS, now=NOW)
    assert result.rows_seen == len(records)
    assert result.table.num_rows + len({e.row for e in result.errors}) == len(records)
    for err in result.errors:
        assert 1 <= err.row <= len(records)
        assert err.message


@FUZZ
@given(
    body=st.one_of(mutated(orjson.dumps(READ_ROWS)), st.binary(max_size=256)),
    content_type=st.sampled_from([None, "application/json", "application/x-ndjson", "text/x"]),
)
def test_fuzz_ingest_http_body(body: bytes, content_type: str | None) -> None:
    try:
        records = parse_body(body, content_type, max_reads=50)
    except ValidationError as exc:
        assert exc.message
        return
    parse_records(records, CAMERAS, now=NOW)


# --- oversight: vendor audit CSV / XLSX / portal JSON / own JSONL ----------------------------
def consume_audit(path: Path) -> None:
    con = connect()
    try:
        import_paths(con, [path])
    except ValidationError as exc:
        assert_names_the_file(exc, path)
    finally:
        con.close()


@FUZZ
@given(content=mutated(FLOCK_CSV))
def test_fuzz_oversight_csv(workdir: Path, content: bytes) -> None:
    consume_audit(_file(workdir, "audit.csv", content))


@FUZZ
@given(content=mutated(_xlsx_bytes()))
def test_fuzz_oversight_xlsx(workdir: Path, content: bytes) -> None:
    consume_audit(_file(workdir, "audit.xlsx", content))


PORTAL = orjson.dumps(
    {"crawled_name": "Test PD", "search_audit_csv": [
        {"id": "1", "userId": "u1", "searchDate": "2025-01-03T14:00:00Z", "reason": "stolen",
         "licensePlate": "ABC123"}]}
)  # fmt: skip


@FUZZ
@given(content=mutated(PORTAL))
def test_fuzz_oversight_portal_json(workdir: Path, content: bytes) -> None:
    consume_audit(_file(workdir, "portal.json", content))


@FUZZ
@given(content=mutated(b'{"index": 0, "entry": {"v": 1, "event_type": "search"}}\n'))
def test_fuzz_oversight_own_jsonl(workdir: Path, content: bytes) -> None:
    path = _file(workdir, "own.jsonl", content)
    try:
        for n, entry in enumerate(own_entries_from([path])):
            entry_row(entry, n)
    except ValidationError as exc:
        assert_names_the_file(exc, path)


# --- hotlist files ---------------------------------------------------------------------------
@FUZZ
@given(
    text=st.one_of(
        mutated(HOTLIST_CSV.encode()).map(lambda b: b.decode("utf-8", "replace")),
        mutated(HOTLIST_NCIC.encode()).map(lambda b: b.decode("utf-8", "replace")),
        st.text(max_size=300),
    ),
    fmt=st.sampled_from(["csv", "ncic", "xml"]),
    mapping=st.one_of(st.none(), st.dictionaries(
        st.sampled_from(["plate", "state", "reason", "case_number", "expires_at", "vehicle"]),
        st.text(max_size=8), max_size=3)),
    default=st.one_of(st.none(), st.just(NOW)),
)  # fmt: skip
@example(text='plate,reason\n"A"\rB,x\n', fmt="csv", mapping=None, default=NOW)  # found by deep
def test_fuzz_hotlist_import(
    text: str, fmt: str, mapping: dict[str, str] | None, default: datetime | None
) -> None:
    try:
        rows = parse_entries(text, fmt, mapping, default)
    except ValidationError as exc:
        named = exc.details if isinstance(exc.details, dict) else {}
        assert named.keys() & {"row", "field"} or "header" in exc.message, exc.message
        return
    for row in rows:
        assert row["plate"] and row["reason"] and row["expires_at"]


# --- recognition: images and video -----------------------------------------------------------
def _image_bytes(ext: str) -> bytes:
    cv2 = pytest.importorskip("cv2")
    image = np.zeros((24, 48, 3), dtype=np.uint8)
    image[6:18, 8:40] = 255
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return bytes(buf.tobytes())


def _video_bytes() -> bytes:
    cv2 = pytest.importorskip("cv2")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "clip.avi"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (32, 24))
        for i in range(4):
            writer.write(np.full((24, 32, 3), i * 40, dtype=np.uint8))
        writer.release()
        return path.read_bytes()


def _recognition_loaders() -> tuple[Callable[[Path], Any], Callable[..., Any]]:
    pytest.importorskip("cv2")
    from plateledger.recognize.images import load_image
    from plateledger.recognize.video import iter_frames

    return load_image, iter_frames


@FUZZ
@given(data=st.data())
def test_fuzz_recognition_images(workdir: Path, data: st.DataObject) -> None:
    load_image, _ = _recognition_loaders()
    ext = data.draw(st.sampled_from([".png", ".jpg"]))
    content = data.draw(mutated(_image_bytes(ext)))
    path = _file(workdir, f"frame{ext}", content)
    try:
        image = load_image(path)
    except ValidationError as exc:
        assert_names_the_file(exc, path)
        return
    assert image.ndim == 3 and image.dtype == np.uint8


@settings(FUZZ, max_examples=max(EXAMPLES // 4, 10))
@given(content=mutated(_video_bytes()))
def test_fuzz_recognition_video(workdir: Path, content: bytes) -> None:
    _, iter_frames = _recognition_loaders()
    path = _file(workdir, "clip.avi", content)
    try:
        for _index, _seconds, frame in iter_frames(path, every=1):
            assert frame.ndim == 3
    except ValidationError as exc:
        assert_names_the_file(exc, path)
