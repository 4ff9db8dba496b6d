"""The sharing context on its own: a real store and a real audit log, no platform. An admin
shares a network, the change is in the log, the access answer sees it, and a revocation too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import AGENCIES, CAMERAS, NETWORKS, USERS
from plateledger.audit.log import AuditLog
from plateledger.audit.sink import sink_for
from plateledger.errors import ForbiddenError
from plateledger.policy.engine import PolicyState, PurposePolicy
from plateledger.sharing.agreements import AgreementIn, Sharing
from plateledger.store.duckdb_store import DuckDBStore

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ADMIN = next(u for u in USERS if u.id == "il-admin")
OFFICER = next(u for u in USERS if u.id == "il-officer")


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[Sharing, AuditLog]]:
    store = DuckDBStore(tmp_path)
    store.upsert_agencies(AGENCIES)
    store.upsert_networks(NETWORKS)
    store.upsert_cameras(CAMERAS)
    log = AuditLog(tmp_path / "audit", "test/origin")

    def state() -> PolicyState:
        return PolicyState(store.agreements(), store.declarations(), store.agency_policies(),
                           {}, {})  # fmt: skip

    sharing = Sharing(
        store=store, audit=sink_for(log, "test"), policy=PurposePolicy(state), clock=lambda: AT
    )
    yield sharing, log
    log.close()
    store.close()


def last(log: AuditLog) -> dict[str, Any]:
    entry: dict[str, Any] = orjson.loads(log.entry(log.size - 1))
    return entry


def test_add_is_audited_and_seen_by_access(parts: tuple[Sharing, AuditLog]) -> None:
    sharing, log = parts
    a = sharing.add_agreement(ADMIN, "il-net", AgreementIn("agency", "tx-test-pd", note="mutual"))
    assert (a.network_id, a.grantee, a.created_at, a.created_by) == (
        "il-net", "tx-test-pd", AT, "il-admin")  # fmt: skip
    entry = last(log)
    assert (entry["event_type"], entry["user_id"], entry["networks"]) == (
        "sharing_change", "il-admin", ["il-net"])  # fmt: skip
    subject = entry["subject"]
    assert (subject["action"], subject["id"], subject["grantee"], subject["active"]) == (
        "add", a.id, "tx-test-pd", True)  # fmt: skip

    answer = sharing.access(OFFICER, "il-net")  # any user of the owner may ask
    assert [x["id"] for x in answer["agreements"]] == [a.id]
    assert answer["computed_at"] == AT.isoformat()
    rows = {r["agency"]: r["purposes"] for r in answer["who_can_search"]}
    assert rows["il-test-pd"]["stolen_vehicle"]["decision"] == "allow"  # its own data
    assert rows["va-test-pd"]["stolen_vehicle"]["decision"] == "deny"  # no agreement


def test_revoke_and_refusals(parts: tuple[Sharing, AuditLog]) -> None:
    sharing, log = parts
    a = sharing.add_agreement(ADMIN, "il-net", AgreementIn("national"))
    sharing.revoke_agreement(ADMIN, "il-net", a.id)
    subject = last(log)["subject"]
    assert (subject["action"], subject["id"], subject["active"]) == ("revoke", a.id, False)
    assert subject["revoked_at"] == AT.isoformat()
    size = log.size
    with pytest.raises(ForbiddenError):
        sharing.add_agreement(OFFICER, "il-net", AgreementIn("national"))
    with pytest.raises(ForbiddenError):
        sharing.add_agreement(ADMIN, "tx-net", AgreementIn("national"))  # not their network
    assert log.size == size  # a refused change writes nothing
