"""The portal counts an analysis-policy change like the other change events: a store filled here,
a real audit log written by the real services, no platform."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import AGENCIES, CAMERAS, NETWORKS, USERS
from plateledger.audit.log import AuditLog
from plateledger.audit.sink import AuditSink, sink_for
from plateledger.domain.types import Agency
from plateledger.oversight.portal_figures import CHANGE_EVENTS
from plateledger.policy.engine import PolicyState
from plateledger.portal.data import Portal
from plateledger.portal.html import render
from plateledger.search.analysis_policy import AnalysisPolicies, KindSetting
from plateledger.store.duckdb_store import DuckDBStore

NOW = datetime.now(UTC).replace(microsecond=0)
IL = next(a for a in AGENCIES if a.id == "il-test-pd")
ADMINS = {str(u.agency_id): u for u in USERS if u.role == "admin"}
LABEL = "Sharing, policy and hotlist changes by our staff"


@dataclass(frozen=True)
class Window:
    agency: Agency
    minutes: int | None
    source: str


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[DuckDBStore, AuditLog]]:
    store = DuckDBStore(tmp_path)
    log = AuditLog(tmp_path / "audit", "test/origin")
    try:
        store.upsert_agencies(AGENCIES)
        store.upsert_networks(NETWORKS)
        store.upsert_cameras(CAMERAS)
        yield store, log
    finally:
        log.close()
        store.close()


def portal(store: DuckDBStore, log: AuditLog) -> Portal:
    return Portal(
        store=store, audit_log=log,
        windows=lambda: [Window(IL, 180 * 1440, "agency.il-test-pd.retention")],
        policy_state=lambda: PolicyState(store.agreements(), [], {}, {}, {}),
    )  # fmt: skip


def test_analysis_policy_change_is_a_change_event() -> None:
    assert {"sharing_change", "config_change", "hotlist_change"} < CHANGE_EVENTS
    assert "analysis_policy_change" in CHANGE_EVENTS


def test_analysis_policy_changes_counted_like_other_changes(
    world: tuple[DuckDBStore, AuditLog],
) -> None:
    store, log = world
    audit: AuditSink = sink_for(log, "test", clock=lambda: NOW - timedelta(minutes=5))
    policies = AnalysisPolicies(store=store, audit=audit)
    il, tx = ADMINS["il-test-pd"], ADMINS["tx-test-pd"]
    audit("config_change", il, {"action": "agency_policy"})
    before = portal(store, log).data("il-test-pd", NOW).audit.policy_changes
    assert before == 1
    policies.set(il, "il-test-pd", {"convoy": KindSetting(frozenset({"homicide"}))})
    policies.set(il, "il-test-pd", {"convoy": KindSetting(frozenset()),
                                    "multi_place": KindSetting(None, True)})  # fmt: skip
    policies.set(tx, "tx-test-pd", {"convoy": KindSetting(frozenset())})  # not IL's staff

    d = portal(store, log).data("il-test-pd", NOW)

    assert d.audit.policy_changes == 3  # one per change, however many kinds it sets
    assert d.audit.checkpoint.size == log.size
    assert f'{LABEL}: <span class="big">3</span>' in render(d).replace("&#x27;", "'")
    assert portal(store, log).data("tx-test-pd", NOW).audit.policy_changes == 1
