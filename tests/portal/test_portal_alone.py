"""The portal context on its own: a store filled here, a real audit log, no platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import AGENCIES, CAMERAS, NETWORKS, USERS, make_reads
from plateledger.audit.log import AuditLog
from plateledger.audit.sink import sink_for
from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import Agency, NetworkId, UserId
from plateledger.policy.engine import PolicyState
from plateledger.portal.data import Portal
from plateledger.store.duckdb_store import DuckDBStore

NOW = datetime.now(UTC).replace(microsecond=0)
IL = next(a for a in AGENCIES if a.id == "il-test-pd")


@dataclass(frozen=True)
class Window:
    agency: Agency
    minutes: int | None
    source: str


def agreement(network: str, kind: str, grantee: str | None) -> SharingAgreement:
    return SharingAgreement(
        id=f"sa-{network}", network_id=NetworkId(network), grantee_kind=kind,  # type: ignore[arg-type]
        grantee=grantee, radius_km=None, purposes=frozenset(), created_by=UserId("x"),
        created_at=NOW - timedelta(days=1),
    )  # fmt: skip


def test_data_for_an_agency(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path)
    log = AuditLog(tmp_path / "audit", "test/origin")
    try:
        store.upsert_agencies(AGENCIES)
        store.upsert_networks(NETWORKS)
        store.upsert_cameras(CAMERAS)
        old = NOW - timedelta(days=40)
        store.append(make_reads([
            {"camera_id": "il-c1", "ts": NOW - timedelta(hours=1), "plate": "ABC1234"},
            {"camera_id": "il-c2", "ts": NOW - timedelta(days=2), "plate": "XYZ9876"},
            {"camera_id": "il-c1", "ts": old, "plate": "OLD5555"},
            {"camera_id": "tx-c1", "ts": NOW - timedelta(hours=2), "plate": "TEX4242"},
        ]))  # fmt: skip
        store.save_agreement(agreement("il-net", "national", None))
        store.save_agreement(agreement("tx-net", "agency", "il-test-pd"))
        admin = next(u for u in USERS if u.id == "il-admin")
        audit = sink_for(log, "test", clock=lambda: NOW - timedelta(minutes=5))
        audit("config_change", admin, {"action": "agency_policy"})
        portal = Portal(
            store=store, audit_log=log,
            windows=lambda: [Window(IL, 180 * 1440, "agency.il-test-pd.retention")],
            policy_state=lambda: PolicyState(store.agreements(), [], {}, {}, {}),
        )  # fmt: skip

        d = portal.data("il-test-pd", NOW)

        assert (d.agency_id, d.name, len(d.fixed_cameras), d.mobile_cameras) == (
            "il-test-pd", "Test PD (IL)", 2, 0)  # fmt: skip
        assert (d.retention.days, d.retention.rule_id) == (180, "agency.il-test-pd.retention")
        assert d.reads_30d == 2  # the 40-day-old read is outside; TX reads are not ours
        assert [(p.kind, p.network) for p in d.sharing_out] == [("national", "il-net")]
        assert [(p.who, p.network) for p in d.sharing_in] == [("Test PD (TX)", "tx-net")]
        assert d.hotlist_hits_30d == 0 and d.hotlists == ()
        assert d.audit.policy_changes == 1 and d.audit.checkpoint.size == log.size
        assert d.window_end == NOW.isoformat()
    finally:
        log.close()
        store.close()
