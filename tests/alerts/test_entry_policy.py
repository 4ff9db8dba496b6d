"""A hotlist entry is a search (issue 23, item 1): entries judged by the same policy engine and
reason classifier as searches, write-ahead audited, and re-judged at every alert on another
owner's camera, as the sharing of that owner stands at that moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from plateledger.alerts import tables
from plateledger.app.platform import Platform
from plateledger.domain.types import AgencyId, User
from plateledger.errors import ForbiddenError, PlateledgerError
from plateledger.policy.base import AccessRequest

NOW = datetime.now(UTC)
LATER = (NOW + timedelta(days=30)).isoformat()


def user(platform: Platform, uid: str) -> User:
    return next(u for u in platform.store.users() if u.id == uid)


def new_list(platform: Platform, who: str, **kw: Any) -> str:
    fields = {"name": "Stolen", "purpose": "stolen_vehicle", "legal_basis": "NCIC",
              "share_with": ["*"], **kw}  # fmt: skip
    return platform.hotlists.lists.create(user(platform, who), fields).id


def add(platform: Platform, who: str, lid: str, reason: str, plate: str = "ABC1234") -> str:
    row = {"plate": plate, "reason": reason, "case_number": "24-1188", "expires_at": LATER}
    return platform.hotlists.lists.add_entries(user(platform, who), lid, [row])[0].id


def details(exc: PlateledgerError) -> dict[str, Any]:
    assert isinstance(exc.details, dict)
    return exc.details


def search_decision(platform: Platform, reason: str) -> str:
    """What the search path decides for an Illinois officer on Illinois' network."""
    il = platform.store.agency(AgencyId("il-test-pd"))
    assert il is not None
    net = next(n for n in platform.store.networks() if n.id == "il-net")
    request = AccessRequest(user(platform, "il-officer"), il, "stolen_vehicle", "24-1", reason,
                            None, NOW)  # fmt: skip
    return platform.policy.evaluate(request, [(net, il)])[0].decision


@pytest.mark.parametrize(
    "reason", ["ICE WARRANT", "I.C.E warrant", "\u0456ce-warrant", "I C E warrant", "HSI",
               "h.s.i. request", "remov al order"],
)  # fmt: skip
def test_an_entry_is_refused_or_held_exactly_where_the_search_path_would_be(
    platform: Platform, reason: str
) -> None:
    lid = new_list(platform, "il-admin")
    expected = search_decision(platform, reason)
    assert expected in ("deny", "hold"), "the search path refuses or holds it"
    with pytest.raises(ForbiddenError) as refused:
        add(platform, "il-admin", lid, reason)
    assert details(refused.value)["decision"] == expected
    assert tables.load_entries(platform.store, lid) == []


def test_protected_activity_is_refused_on_any_list_anywhere(platform: Platform) -> None:
    lid = new_list(platform, "tx-admin")
    with pytest.raises(ForbiddenError) as refused:
        add(platform, "tx-admin", lid, "car seen at the abortion clinic")
    assert any(r.startswith("floor.protected_activity") for r in details(refused.value)["rule_ids"])


def test_the_owners_own_policy_decides_a_vague_reason(platform: Platform) -> None:
    lid = new_list(platform, "tx-admin")
    add(platform, "tx-admin", lid, "inv", plate="AAA1111")  # no policy: a vague reason passes
    platform.sharing.set_policy(user(platform, "tx-admin"), True, ())
    with pytest.raises(ForbiddenError) as refused:
        add(platform, "tx-admin", lid, "inv", plate="BBB2222")
    assert details(refused.value)["decision"] == "hold"
    assert "agency.tx-test-pd.specific_reason" in details(refused.value)["rule_ids"]


def test_an_immigration_list_where_the_owners_law_allows_it_keeps_its_own_entries(
    platform: Platform,
) -> None:
    """Not a blanket refusal: the law decides (Texas has no such prohibition)."""
    lid = new_list(platform, "tx-admin", purpose="immigration_enforcement", share_with=[])
    add(platform, "tx-admin", lid, "ICE WARRANT - removal order")
    assert len(tables.load_entries(platform.store, lid)) == 1


def test_changing_an_entrys_reason_is_judged_again(platform: Platform) -> None:
    lid = new_list(platform, "tx-admin")
    entry_id = add(platform, "tx-admin", lid, "stolen Honda, owner report")
    with pytest.raises(ForbiddenError):
        platform.hotlists.lists.update_entry(user(platform, "tx-admin"), lid, entry_id,
                                             {"reason": "ice detainer"})  # fmt: skip
    with pytest.raises(PlateledgerError):
        platform.hotlists.lists.update_entry(user(platform, "tx-admin"), lid, entry_id,
                                             {"case_number": "x"})  # fmt: skip
    kept = tables.load_entry(platform.store, entry_id)
    assert kept is not None and kept.reason == "stolen Honda, owner report"
    assert kept.case_number == "24-1188"


def test_a_failed_audit_append_stores_no_entry(platform: Platform) -> None:
    lid = new_list(platform, "tx-admin")
    platform.audit.entries.close()  # the log can no longer be written
    with pytest.raises(Exception):  # noqa: B017 - whatever the disk raises
        add(platform, "tx-admin", lid, "stolen Honda, owner report")
    assert tables.load_entries(platform.store, lid) == []


def test_the_camera_owners_sharing_is_checked_at_alert_time(platform: Platform) -> None:
    """Illinois revokes its acceptance of Texas' declaration: the subscription stays, the alerts
    stop (decided per alert, not once at subscription)."""
    lid = new_list(platform, "tx-admin")
    add(platform, "tx-admin", lid, "stolen Honda, owner report")
    platform.hotlists.lists.subscribe(user(platform, "il-admin"), lid)
    filed = platform.sharing.file_declaration(
        user(platform, "tx-admin"), "IL", "written_declaration", NOW - timedelta(days=1), None,
        "TX-IL-2026",
    )  # fmt: skip
    decide = platform.sharing.declarations.decide
    decide(user(platform, "il-admin"), filed.id, True, "ok")
    seen: list[str] = []
    platform.hotlists.engine.broker.taps.append(lambda agency, m: seen.append(agency))
    read = {"camera_id": "il-c1", "ts": NOW.isoformat(), "plate": "ABC1234"}
    platform.intake.ingest_records([read])
    assert seen == ["il-test-pd"]
    decide(user(platform, "il-admin"), filed.id, False, "withdrawn")
    platform.intake.ingest_records([read])
    assert seen == ["il-test-pd"]  # no second alert
    assert (lid, "il-test-pd") in tables.subscriptions(platform.store)
