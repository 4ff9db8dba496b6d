"""Evidence crops: the file store, ingest with ``crop_b64``, the audited API route, the sweep
after a retention purge, and backups. Real app, real store, real files."""

from __future__ import annotations

import base64
import os
import stat
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.backup.archive import read_manifest
from plateledger.backup.restore import restore_backup
from plateledger.ingest import parse_records
from plateledger.store import crops
from plateledger.store.base import ReadFilters, Scope
from plateledger.store.crops import CropEmpty, CropNotImage, CropTooLarge, image_kind, put_crop

OLD = 200 * 24 * 60  # minutes: past Test PD (IL)'s 180-day retention


def tiny_png(width: int = 4, height: int = 2, shade: int = 0) -> bytes:
    """A real, decodable PNG (8-bit grey), built by hand."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes((shade + x) % 256 for x in range(width)) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))  # fmt: skip


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def row(minutes_ago: int = 1, plate: str = "CRP123", **extra: Any) -> dict[str, Any]:
    return {"camera_id": "il-c1", "ts": iso(minutes_ago), "plate": plate, "confidence": 0.9,
            **extra}  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def post(client: TestClient, platform: Platform, rows: list[dict[str, Any]]) -> Any:
    return client.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin"))


def stored_long_ago(platform: Platform, rows: list[dict[str, Any]]) -> int:
    """Store reads as they were stored when they were still within retention (ingest today
    refuses reads older than the owner keeps): parsed without today's floor, crops first."""
    result = parse_records(rows, {"il-c1"}, accept_crops=True)
    platform.crops.store_crops(result)
    return platform.intake.store_parsed(result).stored


def crop_refs(platform: Platform, plate: str) -> list[str | None]:
    scope = Scope({n.id: None for n in platform.store.networks()})
    return [r.crop_ref for r in platform.store.find_reads([plate], ReadFilters(), scope, limit=100)]


def audit_events(platform: Platform, kind: str) -> list[dict[str, Any]]:
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size))
    return [e for e in entries if e["event_type"] == kind]


# --- the file store ---------------------------------------------------------------------------
def test_store_is_content_addressed_private_and_validated(tmp_path: Path) -> None:
    data = tiny_png()
    ref = put_crop(tmp_path, data)
    sha = ref.removeprefix("sha256:")
    assert ref == crops.ref_of(data) and len(sha) == 64
    path = tmp_path / "crops" / sha[:2] / f"{sha}.png"
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (tmp_path / "crops", path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert put_crop(tmp_path, data) == ref  # same content, same file
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left behind
    assert crops.read_crop(tmp_path, ref) == (data, "image/png")
    assert crops.read_crop(tmp_path, "crop://elsewhere/1.jpg") is None
    assert crops.find_crop(tmp_path, "../" + sha[3:]) is None
    assert image_kind(b"\xff\xd8 jpeg body \xff\xd9") == "jpg"
    for bad, error in (
        (b"", CropEmpty),
        (b"GIF89a....", CropNotImage),
        (b"\xff\xd8 no end marker", CropNotImage),
        (b"\xff\xd8" + bytes(crops.MAX_CROP_BYTES) + b"\xff\xd9", CropTooLarge),
    ):
        with pytest.raises(error):
            put_crop(tmp_path, bad)  # fmt: skip
    assert len(list(crops.iter_crops(tmp_path))) == 1


# --- ingest --------------------------------------------------------------------------------
def test_ingest_stores_the_crop_before_acknowledging_and_sets_crop_ref(
    client: TestClient, platform: Platform
) -> None:
    data = tiny_png()
    r = post(client, platform, [row(crop_b64=b64(data)), row(2, crop_ref="crop://cam/2.jpg")])
    assert r.status_code == 200 and r.json()["stored"] == 2, r.text
    ref = crops.ref_of(data)
    assert sorted(crop_refs(platform, "CRP123"), key=str) == ["crop://cam/2.jpg", ref]
    assert crops.read_crop(platform.data_dir, ref) == (data, "image/png")
    again = post(client, platform, [row(3, crop_b64=b64(data), crop_ref=ref)])  # agreeing ref
    assert again.json()["stored"] == 1


def test_bad_crops_are_per_row_errors_and_the_other_rows_are_kept(
    client: TestClient, platform: Platform
) -> None:
    good = tiny_png(shade=9)
    too_big = b"\xff\xd8" + bytes(crops.MAX_CROP_BYTES) + b"\xff\xd9"
    rows = [
        row(1, crop_b64="not base64 !!"),
        row(2, crop_b64=b64(b"GIF89a not a jpeg or png")),
        row(3, crop_b64=b64(too_big)),
        row(4, crop_b64=b64(good)),
        row(5, crop_b64=b64(good), crop_ref="sha256:" + "0" * 64),
        row(6, crop_b64=42),
        row(7),
    ]
    r = post(client, platform, rows)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["received"], body["stored"], body["rejected"]) == (7, 2, 5)
    errors = {(e["row"], e["field"]): e["message"] for e in body["errors"]}
    assert errors[(1, "crop_b64")] == "is not valid base64"
    assert "not a JPEG" in errors[(2, "crop_b64")] and "PNG" in errors[(2, "crop_b64")]
    assert f"at most {crops.MAX_CROP_BYTES}" in errors[(3, "crop_b64")]
    assert errors[(5, "crop_ref")].startswith("conflicts with crop_b64")
    assert errors[(6, "crop_b64")] == "must be base64 text, not a number"
    assert set(errors) == {(1, "crop_b64"), (2, "crop_b64"), (3, "crop_b64"), (5, "crop_ref"),
                           (6, "crop_b64")}  # fmt: skip
    assert sorted(crop_refs(platform, "CRP123"), key=str) == [None, crops.ref_of(good)]
    assert [ref for ref, _ in crops.iter_crops(platform.data_dir)] == [crops.ref_of(good)]


def test_file_ingest_ignores_crop_b64(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "reads.ndjson"
    path.write_bytes(orjson.dumps(row(1, crop_b64=b64(tiny_png()))) + b"\n")
    report = platform.intake.ingest_file(path)
    assert report.stored == 1
    assert crop_refs(platform, "CRP123") == [None]
    assert list(crops.iter_crops(platform.data_dir)) == []


# --- the API route ------------------------------------------------------------------------------
def test_crop_route_serves_own_agency_crops_only_and_audits_every_request(
    client: TestClient, platform: Platform
) -> None:
    data = tiny_png(shade=50)
    assert post(client, platform, [row(crop_b64=b64(data))]).json()["stored"] == 1
    sha = crops.ref_of(data).removeprefix("sha256:")
    url = f"/api/v1/crops/{sha}"
    got = client.get(url, headers=auth(platform, "il-officer"))
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "image/png"
    assert "no-store" in got.headers["cache-control"]
    assert client.get(url, headers=auth(platform, "il-supervisor")).status_code == 200
    assert client.get(url, headers=auth(platform, "tx-officer")).status_code == 404  # not theirs
    assert client.get(url, headers=auth(platform, "il-admin")).status_code == 403  # no search
    assert client.get(url).status_code == 401
    unknown = client.get(f"/api/v1/crops/{'ab' * 32}", headers=auth(platform, "il-officer"))
    assert unknown.status_code == 404
    views = audit_events(platform, "crop_view")
    outcomes = [(v["user_id"], v["outcome"]) for v in views]
    assert outcomes == [("il-officer", "success"), ("il-supervisor", "success"),
                        ("tx-officer", "denied"), ("il-officer", "denied")]  # fmt: skip
    assert views[0]["subject"]["crop"] == f"sha256:{sha}" and views[0]["networks"] == ["il-net"]


@pytest.mark.parametrize("spelling", ["sha256:{}", "SHA256:{}", " sha256:{} ", "Sha256: {}"])
def test_a_borrowed_crop_hash_is_refused_at_ingest_and_the_crop_stays_unreachable(
    client: TestClient, platform: Platform, tmp_path: Path, spelling: str
) -> None:
    """A Texas admin cannot attach Illinois's stored crop to a read of its own camera by naming
    its hash (over HTTP or in a file), so Texas officers cannot fetch it through that read."""
    data = tiny_png(shade=77)
    assert post(client, platform, [row(crop_b64=b64(data))]).json()["stored"] == 1
    sha = crops.ref_of(data).removeprefix("sha256:")
    borrowed = {"camera_id": "tx-c1", "ts": iso(1), "plate": "BRW123", "confidence": 0.9,
                "crop_ref": spelling.format(sha)}  # fmt: skip
    sent = client.post("/api/v1/reads", json=[borrowed], headers=auth(platform, "tx-admin"))
    body = sent.json()
    assert body["stored"] == 0
    assert [e["field"] for e in body["errors"]] == ["crop_ref"]
    path = tmp_path / "reads.ndjson"
    path.write_bytes(orjson.dumps(borrowed) + b"\n")
    assert platform.intake.ingest_file(path).stored == 0
    url = f"/api/v1/crops/{sha}"
    assert client.get(url, headers=auth(platform, "tx-officer")).status_code == 404
    assert client.get(url, headers=auth(platform, "il-officer")).status_code == 200


def test_ingest_refuses_a_read_older_than_the_owner_keeps(
    client: TestClient, platform: Platform
) -> None:
    """A read past the owner's retention would be purged at once: it is a row error on `ts`,
    its crop is not stored, and the valid row next to it is kept."""
    data = tiny_png(shade=71)
    body = post(client, platform, [row(OLD, "OLD999", crop_b64=b64(data)), row(2, "NEW999")])
    assert body.json()["stored"] == 1
    assert [(e["row"], e["field"]) for e in body.json()["errors"]] == [(1, "ts")]
    assert crops.ref_of(data) not in {ref for ref, _ in crops.iter_crops(platform.data_dir)}
    assert crop_refs(platform, "OLD999") == []


def test_crop_route_refuses_reads_past_the_agency_retention(
    client: TestClient, platform: Platform
) -> None:
    data = tiny_png(shade=70)
    assert stored_long_ago(platform, [row(OLD, crop_b64=b64(data))]) == 1
    sha = crops.ref_of(data).removeprefix("sha256:")
    got = client.get(f"/api/v1/crops/{sha}", headers=auth(platform, "il-officer"))
    assert got.status_code == 404  # stored, not yet purged, but past the 180 days


# --- retention and backups -----------------------------------------------------------------------
def age(platform: Platform, seconds: float) -> None:
    """Make every stored crop file look ``seconds`` old (past the sweep's grace period)."""
    for _, path in crops.iter_crops(platform.data_dir):
        then = time.time() - seconds
        os.utime(path, (then, then))


def test_purge_deletes_unreferenced_crops_and_keeps_referenced_ones(
    client: TestClient, platform: Platform
) -> None:
    old_only, shared, recent = tiny_png(shade=1), tiny_png(shade=2), tiny_png(shade=3)
    rows = [
        row(OLD, "OLD111", crop_b64=b64(old_only)),
        row(OLD, "OLD222", crop_b64=b64(shared)),
        row(5, "NEW111", crop_b64=b64(shared)),
        row(5, "NEW222", crop_b64=b64(recent)),
    ]
    assert stored_long_ago(platform, rows) == 4
    loose = crops.ref_of(tiny_png(shade=4))
    put_crop(platform.data_dir, tiny_png(shade=4))  # referenced by no read at all
    age(platform, 3600)
    fresh = put_crop(platform.data_dir, tiny_png(shade=5))  # just written: its read may follow
    receipts = platform.retention.run()
    assert sum(r.count for r in receipts) == 2
    left = {ref for ref, _ in crops.iter_crops(platform.data_dir)}
    assert left == {crops.ref_of(shared), crops.ref_of(recent), fresh}
    assert crops.ref_of(old_only) not in left and loose not in left
    (event,) = [e for e in audit_events(platform, "purge") if "crops_deleted" in e["subject"]]
    assert event["subject"]["crops_deleted"] == 2 and event["networks"] == ["il-net"]


def test_backup_and_restore_carry_the_crops(
    client: TestClient, platform: Platform, tmp_path: Path
) -> None:
    data = tiny_png(shade=88)
    assert post(client, platform, [row(crop_b64=b64(data))]).json()["stored"] == 1
    sha = crops.ref_of(data).removeprefix("sha256:")
    member = f"crops/{sha[:2]}/{sha}.png"
    archive = tmp_path / "backup.tar.gz"
    platform.backups.create(archive, include_keys=True)
    manifest = read_manifest(archive)
    assert manifest["files"][member]["bytes"] == len(data)
    target = tmp_path / "restored"
    report = restore_backup(archive, target)
    assert report.files == len(manifest["files"])
    assert crops.read_crop(target, f"sha256:{sha}") == (data, "image/png")
    assert stat.S_IMODE((target / member).stat().st_mode) == 0o600
