"""The demo builder produces what `make demo` promises (at a small size)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from plateledger.app.demo_build import build_demo
from plateledger.app.platform import Platform
from plateledger.errors import ConflictError

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
