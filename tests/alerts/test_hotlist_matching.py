"""Matching on ingest: exact, confusable, fuzzy thresholds, candidates, state, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import make_reads, read
from plateledger.alerts import tables
from plateledger.alerts.matcher import EntryIndex, match_batch
from plateledger.alerts.models import Entry
from plateledger.app.platform import Platform
from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import NetworkId, User
from plateledger.errors import ForbiddenError

NOW = datetime.now(UTC)
LATER = (NOW + timedelta(days=30)).isoformat()


def entry(plate: str, hotlist: str = "l1", state: str | None = "IL", **kw: Any) -> Entry:
    return Entry(f"e-{plate}", hotlist, plate, state, "stolen", "24-1", "u", NOW,
                 kw.pop("expires_at", NOW + timedelta(days=1)), **kw)  # fmt: skip


def hits(index: EntryIndex, *rows: dict[str, Any]) -> list[tuple[int, str, str]]:
    found = match_batch(index, make_reads(list(rows)))
    return sorted((h.row, h.entry.plate, h.kind) for h in found)


@pytest.mark.parametrize(
    ("read_plate", "entry_plate"),
    [("ABC1234", "ABC1234"), ("A8C1234", "ABC1234"), ("ABC0123", "ABCO123"), ("5XY1", "SXY1")],
)
def test_confusable_pairs_match_a_confusable_list(read_plate: str, entry_plate: str) -> None:
    index = EntryIndex([entry(entry_plate)], {"l1": "confusable"})
    kind = "exact" if read_plate == entry_plate else "confusable"
    assert hits(index, read("il-c1", 1, read_plate)) == [(0, entry_plate, kind)]


def test_exact_list_ignores_confusables_and_fuzzy_threshold_is_per_list() -> None:
    index = EntryIndex(
        [entry("ABC1234", "strict"), entry("XYZ9876", "loose")],
        {"strict": "exact", "loose": "fuzzy1"},
    )
    assert hits(index, read("il-c1", 1, "A8C1234")) == []
    assert hits(index, read("il-c1", 1, "ABC1234")) == [(0, "ABC1234", "exact")]
    assert hits(index, read("il-c1", 1, "XYZ9870")) == [(0, "XYZ9876", "fuzzy")]
    assert hits(index, read("il-c1", 1, "XYZ9800")) == []  # two real edits: over the threshold


def test_candidates_of_a_read_are_matched_too() -> None:
    index = EntryIndex([entry("KLM4455")], {"l1": "confusable"})
    row = read(
        "il-c1",
        1,
        "KLM4456",
        candidates=[
            {"plate": "KLM4455", "confidence": 0.4},
            {"plate": "bad plate!", "confidence": 0.1},
        ],
    )
    assert hits(index, row) == [(0, "KLM4455", "candidate:exact")]


def admin(platform: Platform, who: str = "il-admin") -> User:
    return next(u for u in platform.store.users() if u.id == who)


def new_list(platform: Platform, who: str = "il-admin", **kw: Any) -> str:
    fields = {"name": "Stolen vehicles", "purpose": "stolen_vehicle", "legal_basis": "NCIC",
              "strictness": "confusable", **kw}  # fmt: skip
    return platform.hotlists.lists.create(admin(platform, who), fields).id


def declare_and_share(platform: Platform, requester: str, owner: str, network: str) -> None:
    """``owner`` accepted ``requester``'s written declaration and shares ``network`` with it."""
    state = next(a.state for a in platform.store.agencies() if a.id == owner)
    filed = platform.sharing.file_declaration(
        admin(platform, requester[:2] + "-admin"), state, "written_declaration",
        NOW - timedelta(days=1), None, "doc-1",
    )  # fmt: skip
    platform.sharing.declarations.decide(admin(platform, owner[:2] + "-admin"), filed.id, True,
                                         "read and accepted")  # fmt: skip
    platform.store.save_agreement(SharingAgreement(
        f"agr-{requester}", NetworkId(network), "agency", requester, None, frozenset(),
        "setup", NOW - timedelta(days=1),
    ))  # fmt: skip


def test_ingest_matches_flags_state_mismatch_and_skips_expired(platform: Platform) -> None:
    lid = new_list(platform)
    user = admin(platform)
    platform.hotlists.lists.add_entries(user, lid, [
        {"plate": "ABC1234", "state": "IL", "reason": "stolen", "case_number": "24-1",
         "expires_at": LATER},
        {"plate": "OLD0001", "state": "IL", "reason": "stolen", "case_number": "24-2",
         "expires_at": LATER},
    ])  # fmt: skip
    assert [h.id for h in platform.hotlists.lists.visible(user)] == [lid]
    entries = {e.plate: e for e in tables.load_entries(platform.store, lid)}
    platform.hotlists.lists.expire_entry(user, lid, entries["OLD0001"].id)
    seen: list[dict[str, Any]] = []

    def tap(agency: str, message: dict[str, Any]) -> None:
        seen.append(message)

    platform.hotlists.engine.broker.taps.append(tap)
    platform.intake.ingest_records([
        {"camera_id": "il-c1", "ts": NOW.isoformat(), "plate": "ABC1234", "plate_state": "WI"},
        {"camera_id": "il-c1", "ts": NOW.isoformat(), "plate": "OLD0001"},
        {"camera_id": "tx-c1", "ts": NOW.isoformat(), "plate": "ABC1234"},  # TX not subscribed
    ])  # fmt: skip
    assert len(seen) == 1
    alert = seen[0]
    assert alert["state_mismatch"] is True and alert["read_state"] == "WI"
    assert alert["entry_state"] == "IL" and alert["list"]["id"] == lid
    assert alert["entry"]["reason"] == "stolen"


def test_immigration_list_refused_for_illinois(platform: Platform) -> None:
    with pytest.raises(ForbiddenError) as created:
        new_list(platform, "il-admin", name="Immigration violators",
                 purpose="immigration_enforcement")  # fmt: skip
    assert "IL.purpose.prohibited.immigration_enforcement" in str(created.value.details)
    lid = new_list(platform, "tx-admin", name="Immigration violators",
                   purpose="immigration_enforcement", share_with=["*"])  # fmt: skip
    with pytest.raises(ForbiddenError) as refused:
        platform.hotlists.lists.subscribe(admin(platform, "il-admin"), lid)
    assert "immigration_enforcement" in str(refused.value.details)
    audit = platform.store.execute(
        "SELECT event_type FROM hotlist_events WHERE hotlist_id = ?", [lid]
    )
    assert ("hotlist_subscribe",) in audit


def test_another_agencys_list_needs_sharing(platform: Platform) -> None:
    lid = new_list(platform, "tx-admin")
    with pytest.raises(ForbiddenError) as refused:
        platform.hotlists.lists.subscribe(admin(platform, "il-admin"), lid)
    assert f"hotlist.{lid}.not_shared" in str(refused.value.details)
    platform.hotlists.lists.update(admin(platform, "tx-admin"), lid, {"share_with": ["IL"]})
    platform.hotlists.lists.subscribe(admin(platform, "il-admin"), lid)


def test_misread_suppresses_the_pair_and_notifies_the_owner(platform: Platform) -> None:
    lid = new_list(platform, "tx-admin", share_with=["IL"], refresh_hours=1)
    tx = admin(platform, "tx-admin")
    platform.hotlists.lists.add_entries(
        tx, lid, [{"plate": "QRS5678", "reason": "wanted", "case_number": "TX-24-9",
                   "expires_at": LATER}]
    )  # fmt: skip
    platform.hotlists.lists.subscribe(admin(platform, "il-admin"), lid)
    # Illinois lets Texas search (and so learn of sightings) only with a declaration it accepted
    # and an agreement: the alert and the owner's notice both depend on them (entry_policy)
    declare_and_share(platform, "tx-test-pd", "il-test-pd", "il-net")
    seen: list[tuple[str, dict[str, Any]]] = []
    platform.hotlists.engine.broker.taps.append(lambda agency, m: seen.append((agency, m)))
    reading = {"camera_id": "il-c1", "ts": NOW.isoformat(), "plate": "QR55678"}
    platform.intake.ingest_records([reading])
    [(agency, alert)] = seen
    assert agency == "il-test-pd" and alert["match_kind"] == "confusable"
    assert alert["list"]["stale"] is False and alert["entry_state"] is None
    officer = next(u for u in platform.store.users() if u.id == "il-officer")
    platform.hotlists.verification.dispose(officer, alert["alert_id"], "misread")
    assert seen[-1][0] == "tx-test-pd" and seen[-1][1]["event"] == "notice"
    count = len(seen)
    platform.intake.ingest_records([reading])
    assert len(seen) == count  # suppressed
    hotlist = platform.hotlists.lists.get(lid)
    assert hotlist.stale(NOW + timedelta(hours=2))
