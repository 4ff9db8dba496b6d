"""The demo builder produces what `make demo` promises (at a small size)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from plateledger.app.demo_build import build_demo
from plateledger.app.platform import Platform
from plateledger.demo import build_network, planted_convoys
from plateledger.errors import ConflictError, NotFoundError
from plateledger.retention.tables import crop_owners
from plateledger.store.crops import image_kind, read_crop, sha_of_ref

READS = 60_000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("demo")
    platform = Platform(data)
    build_demo(platform, READS, seed=3)
    platform.close()
    return data


def test_counts_and_composition(built: Path) -> None:
    platform = Platform(built)
    try:
        store = platform.store
        stats = store.stats()
        assert stats.reads == READS
        assert stats.hot_reads == 0  # bulk load leaves everything compacted
        assert 28 <= stats.days <= 31
        agencies = {a.id: a for a in store.agencies()}
        states = {a.state for a in agencies.values()}
        assert {"IL", "CA", "VA", "WA", "TX", "OR"} <= states
        kinds = {a.kind for a in agencies.values()}
        assert {"federal", "federal_immigration", "municipal"} <= kinds
        owners = {n.agency_id for n in store.networks()}
        for agency in agencies.values():
            if agency.kind in ("federal", "federal_immigration"):
                assert agency.id not in owners  # users but no cameras
        assert len(store.cameras()) >= 300
        roles_by_agency: dict[str, set[str]] = {}
        for user in store.users():
            roles_by_agency.setdefault(user.agency_id, set()).add(user.role)
        full = [a for a, roles in roles_by_agency.items() if len(roles) == 4]
        assert len(full) >= 3
    finally:
        platform.close()


def test_credentials_file_and_tokens_work(built: Path) -> None:
    creds = orjson.loads((built / "demo-credentials.json").read_bytes())
    assert {"user", "agency", "state", "agency_kind", "role", "token", "password"} == set(creds[0])
    assert (built / "demo-credentials.json").stat().st_mode & 0o077 == 0
    platform = Platform(built)
    try:
        for cred in creds[:5]:
            assert platform.authenticate(cred["token"]).id == cred["user"]
        _, user = platform.accounts.sign_in(creds[0]["user"], creds[0]["password"])
        assert user.id == creds[0]["user"]
    finally:
        platform.close()


def test_rerun_reuses_and_refuses_another_size(built: Path) -> None:
    platform = Platform(built)
    try:
        summary = build_demo(platform, READS, seed=3)
        assert summary.reused and summary.reads == READS
        assert platform.store.stats().reads == READS
        with pytest.raises(ConflictError, match="another --data"):
            build_demo(platform, READS + 1)
    finally:
        platform.close()


def test_the_seeded_declarations_are_accepted_by_every_illinois_owner(built: Path) -> None:
    """The demo's Texas declarations for Illinois count because each Illinois owner accepted
    them (filing alone opens nothing), so a Texas stolen-vehicle search reaches Illinois data."""
    platform = Platform(built)
    try:
        store = platform.store
        agencies = {a.id: a for a in store.agencies()}
        il_owners = {n.agency_id for n in store.networks() if agencies[n.agency_id].state == "IL"}
        seeded = {d.agency_id: d for d in store.declarations() if d.state == "IL"}
        assert set(seeded) == {"tx-dps", "tx-houston-pd"}
        assert all(d.accepted_by == il_owners for d in seeded.values())
    finally:
        platform.close()


def _crop_rows(platform: Platform, plates: list[str]) -> list[tuple[str, str | None, str]]:
    """(plate, crop_ref, owner agency) of every read of ``plates``."""
    rows = platform.store.execute(
        "SELECT r.plate, r.crop_ref, n.agency_id FROM reads r JOIN networks n "
        "ON n.key = r.network_key WHERE list_contains(?::VARCHAR[], r.plate)",
        [plates],
    )
    return [(str(p), c, str(a)) for p, c, a in rows]


def test_featured_plates_have_stored_pictures_bound_to_their_owners(built: Path) -> None:
    """Every read of a hotlisted or convoy plate names a stored JPEG (a few framings per plate),
    recorded as stored by the agency owning that read, as ingest with crop_b64 records it."""
    lists = orjson.loads((built / "demo-hotlists.json").read_bytes())
    listed = [str(p) for h in lists for p in h["plates"]]
    convoys = [p for g in planted_convoys(build_network(3), 3) for p in g]
    assert len(listed) >= 60 and len(convoys) == 10
    platform = Platform(built)
    try:
        rows = _crop_rows(platform, listed + convoys)
        assert {p for p, _, _ in rows} >= set(listed)
        refs = {ref for _, ref, _ in rows}
        assert all(ref is not None and sha_of_ref(ref) for ref in refs)
        owners = crop_owners(platform.store, [str(r) for r in refs])
        for _, ref, agency in rows:
            assert agency in owners[str(ref)]
        for ref in list(refs)[:20]:
            found = read_crop(built, str(ref))
            assert found is not None and found[1] == "image/jpeg"
            assert image_kind(found[0]) == "jpg"
        per_plate = {p: {r for q, r, _ in rows if q == p} for p in listed}
        assert max(len(v) for v in per_plate.values()) == 3  # framings, not one image repeated
    finally:
        platform.close()


def test_pictures_are_served_to_the_owner_and_the_rest_keep_demo_refs(built: Path) -> None:
    """The newest pictured read is inside its owner's retention whatever the time of day the
    test runs (the oldest demo day may already be past a 30-day window)."""
    platform = Platform(built)
    try:
        store = platform.store
        ref, owner = store.execute(
            "SELECT r.crop_ref, n.agency_id FROM reads r JOIN networks n ON n.key = r.network_key "
            "WHERE r.crop_ref LIKE 'sha256:%' ORDER BY r.ts DESC, r.read_id LIMIT 1"
        )[0]
        users = store.users()
        mine = next(u for u in users if u.agency_id == owner and u.role == "officer")
        other = next(u for u in users if u.agency_id != owner and u.role == "officer")
        data, media = platform.crops.crop_for(mine, str(sha_of_ref(str(ref))))
        assert media == "image/jpeg" and image_kind(data) == "jpg"
        with pytest.raises(NotFoundError):
            platform.crops.crop_for(other, str(sha_of_ref(str(ref))))
        assert str(ref) in platform.crops.data_uris([(str(ref), owner)])
        kinds = dict(store.execute(
            "SELECT CASE WHEN crop_ref LIKE 'sha256:%' THEN 'image' WHEN crop_ref LIKE 'demo://%' "
            "THEN 'demo' ELSE 'none' END, count(*) FROM reads GROUP BY 1"
        ))  # fmt: skip
        assert 1_000 < kinds["image"] < READS // 2 and kinds["demo"] > 0  # chosen plates only
    finally:
        platform.close()


def test_the_documented_example_searches_land_on_pictures(built: Path) -> None:
    """docs/search.md searches `*123` and `AB?12*`: their first plates have pictures."""
    platform = Platform(built)
    try:
        for pattern in ("%123", "AB_12%"):
            rows = platform.store.execute(
                "SELECT plate, bool_and(crop_ref LIKE 'sha256:%') FROM reads WHERE plate LIKE ? "
                "GROUP BY plate ORDER BY plate LIMIT 20",
                [pattern],
            )
            assert rows or pattern != "%123"  # a small demo may have no AB?12* plate at all
            assert all(has for _, has in rows), pattern
    finally:
        platform.close()


def test_the_camera_copy_holds_the_same_rows_after_the_demo_pictures(built: Path) -> None:
    """The demo's picture update touches every read table, the camera copy included."""
    platform = Platform(built)
    try:
        store = platform.store
        first = store.camera_days.first_day
        assert first is not None
        cols = "read_id, camera_key, ts, plate, crop_ref"
        for a, b in (("reads", "reads_cam"), ("reads_cam", "reads")):
            extra = store.execute(
                f"SELECT count(*) FROM (SELECT {cols} FROM {a} WHERE CAST(ts AS DATE) >= ? "
                f"EXCEPT ALL SELECT {cols} FROM {b} WHERE CAST(ts AS DATE) >= ?)",
                [first, first],
            )[0][0]
            assert extra == 0, (a, b)
        pictured = store.execute("SELECT count(*) FROM reads_cam WHERE crop_ref LIKE 'sha256:%'")
        assert pictured[0][0] > 0
    finally:
        platform.close()
