"""On behalf of another agency only narrows, and needs a live assist request.

Attacked as a misuser would: a federal immigration officer, and a private (HOA) agency's user,
name a local agency in ``on_behalf_of`` — even with an assist request of their own on file —
and must reach nothing they could not reach alone. A legitimate assist (an Illinois officer for
another Illinois agency) reaches exactly what both could reach for themselves; without a live,
matching assist it is held. Everything runs through the real search path on a real store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plateledger.app.platform import Platform
from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import (
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    User,
    UserId,
)
from plateledger.errors import ConflictError, ForbiddenError
from plateledger.policy.base import AccessRequest, Decision
from plateledger.policy.classifier import Evidence
from plateledger.policy.on_behalf import narrowest
from plateledger.search.holds import StoreHoldBook
from plateledger.search.service import Authorised
from plateledger.search.types import HeldSearch, Purpose, SearchQuery, SearchRequest, SearchResponse
from plateledger.sharing.assists import AssistIn, Assists

A = AgencyId
EXTRA = [
    Agency(A("us-ice"), "Immigration field office", "DC", "federal_immigration", None),
    Agency(A("tx-hoa"), "Lakeside HOA", "TX", "private", None),
    Agency(A("il-state-police"), "Illinois State Police", "IL", "state_police", None),
    Agency(A("il-other-pd"), "Other PD (IL)", "IL", "municipal", 180),
]
NETS = [
    Network(NetworkId("ice-net"), A("us-ice"), "ICE cameras"),
    Network(NetworkId("hoa-net"), A("tx-hoa"), "HOA gate"),
    Network(NetworkId("isp-net"), A("il-state-police"), "ISP expressways"),
    Network(NetworkId("ilo-net"), A("il-other-pd"), "IL other"),
]
CAMS = [
    Camera(CameraId("ice-c1"), NetworkId("ice-net"), "Field office", 38.9, -77.0, 0.0),
    Camera(CameraId("hoa-c1"), NetworkId("hoa-net"), "Gate", 29.8, -95.4, 0.0),
    Camera(CameraId("isp-c1"), NetworkId("isp-net"), "I-90", 41.9, -87.7, 0.0),
    Camera(CameraId("ilo-c1"), NetworkId("ilo-net"), "Elm St", 41.8, -87.7, 0.0),
]
PEOPLE = {
    "ice-officer": ("us-ice", "officer"), "ice-supervisor": ("us-ice", "supervisor"),
    "hoa-officer": ("tx-hoa", "officer"), "hoa-supervisor": ("tx-hoa", "supervisor"),
    "ilo-officer": ("il-other-pd", "officer"), "isp-officer": ("il-state-police", "officer"),
}  # fmt: skip
# (purpose, reason): lawful, vague and prohibited-intent requests alike
REQUESTS = [
    ("stolen_vehicle", "stolen vehicle report 24-1187"),
    ("homicide", "homicide investigation 24-9"),
    ("wanted_person_felony", "fugitive felony warrant 24-3"),
    ("property_crime", "investigation"),
    ("wanted_person_felony", "ICE warrant removal case"),
]
CASE = "B-24-77"


@pytest.fixture
def world(platform: Platform) -> Platform:
    store = platform.store
    store.upsert_agencies(EXTRA)
    store.upsert_networks(NETS)
    store.upsert_cameras(CAMS)
    store.upsert_users([User(UserId(u), A(a), u, r) for u, (a, r) in PEOPLE.items()])  # type: ignore[arg-type]
    now = datetime.now(UTC)
    # Generous sharing: every network shared nationally, for every purpose. Only the law, the
    # requester's kind and the assist rule can stop a search.
    for n in [*store.networks()]:
        store.save_agreement(SharingAgreement(
            id=f"sa-{n.id}", network_id=n.id, grantee_kind="national", grantee=None,
            radius_km=None, purposes=frozenset(), created_by=UserId("x"), created_at=now,
        ))  # fmt: skip
    return platform


def user(platform: Platform, user_id: str) -> User:
    return next(u for u in platform.store.users() if u.id == user_id)


def assist(platform: Platform, by: str, behalf: str, case: str = CASE, **more: object) -> str:
    given = AssistIn(behalf, case, "Det. Ames, 555-0100", **more)  # type: ignore[arg-type]
    return platform.assists.create(user(platform, by), given).id


def attempt(
    platform: Platform, who: str, purpose: str, reason: str, behalf: str | None = None,
    case: str = CASE,
) -> Authorised | HeldSearch | None:  # fmt: skip
    """The search path's answer (None: every network denied)."""
    p = Purpose(purpose, case, reason, A(behalf) if behalf else None)
    try:
        return platform.search.authorise(user(platform, who), p, "search", {"plate": "ABC123"})
    except ForbiddenError:
        return None


def searched(platform: Platform, who: str, purpose: str, reason: str,
             behalf: str | None = None, case: str = CASE) -> set[str]:  # fmt: skip
    found = attempt(platform, who, purpose, reason, behalf, case)
    return {d.network for d in found.searched} if isinstance(found, Authorised) else set()


@pytest.mark.parametrize(("purpose", "reason"), REQUESTS)
def test_an_immigration_officer_naming_a_local_agency_reaches_nothing_more(
    world: Platform, purpose: str, reason: str
) -> None:
    for behalf in ("il-test-pd", "il-state-police", "tx-test-pd"):
        assist(world, "ice-supervisor", behalf)  # even with its own assist request on file
        alone = searched(world, "ice-officer", purpose, reason)
        named = searched(world, "ice-officer", purpose, reason, behalf)
        assert named <= alone, f"naming {behalf} widened {sorted(named - alone)}"
        assert not named & {"il-net", "isp-net", "ilo-net"}  # IL never shares with ICE
    assert "il-net" in searched(world, "il-officer", "stolen_vehicle", REQUESTS[0][1])


@pytest.mark.parametrize(("purpose", "reason"), REQUESTS)
def test_a_private_agency_naming_a_state_police_agency_reaches_nothing_more(
    world: Platform, purpose: str, reason: str
) -> None:
    assist(world, "hoa-supervisor", "il-state-police")
    alone = searched(world, "hoa-officer", purpose, reason)
    named = searched(world, "hoa-officer", purpose, reason, "il-state-police")
    assert named <= alone and "isp-net" not in named


def test_the_decision_says_which_side_refused(world: Platform) -> None:
    assist(world, "ice-supervisor", "il-test-pd")
    found = attempt(world, "ice-officer", "stolen_vehicle", REQUESTS[0][1], "il-test-pd")
    decisions = {d.network: d for d in _decisions(found)}
    il = decisions["il-net"]
    assert il.decision == "deny" and "IL.sharing.federal_immigration" in il.rule_ids
    assert il.explanation.startswith("As Immigration field office:")


def test_a_local_officer_cannot_pass_off_a_federal_request_as_its_own(world: Platform) -> None:
    assist(world, "il-supervisor", "us-ice")
    found = attempt(world, "il-officer", "stolen_vehicle", REQUESTS[0][1], "us-ice")
    assert found is None  # IL TRUST Act for the searcher, IL sharing law for ICE: all denied


def test_a_legitimate_assist_reaches_what_both_agencies_reach_alone(world: Platform) -> None:
    assist_id = assist(world, "il-supervisor", "il-other-pd")
    purpose, reason = REQUESTS[1]
    found = attempt(world, "il-officer", purpose, reason, "il-other-pd")
    assert isinstance(found, Authorised)
    both = searched(world, "il-officer", purpose, reason) & searched(
        world, "ilo-officer", purpose, reason
    )
    assert {d.network for d in found.searched} == both and {"il-net", "ilo-net"} <= both
    for d in found.searched:
        assert f"assist.{assist_id}" in d.rule_ids
        assert "on behalf of Other PD (IL)" in d.explanation


def test_without_an_assist_request_the_search_is_held(world: Platform) -> None:
    found = attempt(world, "il-officer", *REQUESTS[1], "il-other-pd")
    assert isinstance(found, HeldSearch)
    not_denied = [d for d in found.networks_excluded if d.decision != "deny"]
    assert not_denied and all(d.decision == "hold" for d in not_denied)
    assert all(d.rule_ids[0] == "assist.none" for d in not_denied)
    assert "needs a live assist request from il-other-pd" in not_denied[0].explanation
    assert isinstance(world.holds, StoreHoldBook)
    assert world.holds.get(found.search_id).purpose.on_behalf_of == "il-other-pd"


def test_an_expired_assist_request_does_not_count(world: Platform) -> None:
    past = datetime.now(UTC) - timedelta(days=40)
    old = Assists(store=world.store, audit=world.log_event, clock=lambda: past)
    old.create(user(world, "il-supervisor"), AssistIn("il-other-pd", CASE, "Det. Ames"))
    assert isinstance(attempt(world, "il-officer", *REQUESTS[1], "il-other-pd"), HeldSearch)


def test_a_revoked_assist_request_does_not_count(world: Platform) -> None:
    assist_id = assist(world, "il-supervisor", "il-other-pd")
    assert isinstance(attempt(world, "il-officer", *REQUESTS[1], "il-other-pd"), Authorised)
    world.assists.revoke(user(world, "il-admin"), assist_id)
    assert isinstance(attempt(world, "il-officer", *REQUESTS[1], "il-other-pd"), HeldSearch)


def test_an_assist_covers_only_its_agency_and_case(world: Platform) -> None:
    assist(world, "il-supervisor", "il-other-pd", own_case_number="IL-24-5")
    purpose, reason = REQUESTS[1]
    assert isinstance(attempt(world, "il-officer", purpose, reason, "il-state-police"), HeldSearch)
    other_case = attempt(world, "il-officer", purpose, reason, "il-other-pd", case="B-24-78")
    assert isinstance(other_case, HeldSearch)
    own_case = attempt(world, "il-officer", purpose, reason, "il-other-pd", case="IL-24-5")
    assert isinstance(own_case, Authorised)
    another_agency = attempt(world, "tx-officer", purpose, reason, "il-other-pd")
    assert isinstance(another_agency, HeldSearch)  # the assist is il-test-pd's, not TX's


def test_naming_ones_own_agency_is_a_normal_search(world: Platform) -> None:
    found = attempt(world, "il-officer", *REQUESTS[1], "il-test-pd")
    assert isinstance(found, Authorised) and "il-net" in {d.network for d in found.searched}


def test_narrowest_keeps_the_more_restrictive_and_both_reasons() -> None:
    a = Agency(A("a"), "Agency A", "IL", "municipal")
    b = Agency(A("b"), "Agency B", "IL", "municipal")
    cut = datetime(2025, 1, 1, tzinfo=UTC)
    allow = Decision(NetworkId("n"), A("o"), "allow", ("r1", "ret"), "shared", cut, ("f",))
    hold = Decision(NetworkId("n"), A("o"), "hold", ("h1",), "needs approval", None)
    deny = Decision(NetworkId("n"), A("o"), "deny", ("d1",), "not shared.", None)
    assert narrowest(allow, hold, a, b).decision == "hold"
    assert narrowest(hold, allow, a, b).rule_ids == ("h1",)
    both = narrowest(deny, deny, a, b)
    assert both.rule_ids == ("d1",) and both.explanation.count("not shared") == 2
    ok = narrowest(allow, allow, a, b)
    assert ok.decision == "allow" and ok.retention_cutoff == cut and ok.flags == ("f",)
    later = narrowest(allow, Decision(NetworkId("n"), A("o"), "allow", ("r2",), "x",
                                      cut + timedelta(days=1)), a, b)  # fmt: skip
    assert later.retention_cutoff == cut + timedelta(days=1)
    assert later.rule_ids == ("r1", "ret", "r2")
    words = Evidence(0, 3, "ICE", "ice", "immigration_enforcement")
    cited = Decision(NetworkId("n"), A("o"), "deny", ("d2",), "the law.", None, (), (words,))
    assert narrowest(allow, cited, a, b).evidence == (words,)  # the words stay shown
    assert narrowest(cited, deny, a, b).evidence == (words,)


def test_the_engine_evaluates_both_agencies(world: Platform) -> None:
    """At the policy level (no assist rule): ICE for il-test-pd is denied IL data."""
    agencies = {a.id: a for a in world.store.agencies()}
    pairs = [(n, agencies[n.agency_id]) for n in world.store.networks()]
    ice = user(world, "ice-officer")
    il = agencies[A("il-test-pd")]
    request = AccessRequest(ice, agencies[A("us-ice")], "stolen_vehicle", CASE, REQUESTS[0][1],
                            il.id, datetime.now(UTC), il)  # fmt: skip
    decisions = {d.network: d for d in world.policy.evaluate(request, pairs)}
    assert decisions["il-net"].decision == "deny"
    assert decisions["isp-net"].decision == "deny"
    assert decisions["tx-net"].decision == "allow"  # TX shares with both, by law and agreement


def _decisions(found: Authorised | HeldSearch | None) -> list[Decision]:
    if isinstance(found, Authorised):
        return [*found.searched, *found.excluded]
    assert isinstance(found, HeldSearch)
    return list(found.networks_excluded)


def test_approval_alone_does_not_lift_the_assist_hold(world: Platform) -> None:
    """A supervisor's approval is no assist request: the resumed search is held again until one
    is recorded; the approval was spent by that resume, so the officer searches again."""
    officer, supervisor = user(world, "il-officer"), user(world, "il-supervisor")
    purpose, reason = REQUESTS[1]
    request = SearchRequest(officer, SearchQuery(plate="ABC123"),
                            Purpose(purpose, CASE, reason, A("il-other-pd")))  # fmt: skip
    held = world.search.search(request)
    assert isinstance(held, HeldSearch)
    world.holds.decide(held.search_id, supervisor, True, "ok")
    again = world.search.search(world.holds.resume(held.search_id, officer))
    assert isinstance(again, HeldSearch)
    assert all(d.rule_ids[0] == "assist.none" for d in again.networks_excluded
               if d.decision == "hold")  # fmt: skip
    assist(world, "il-supervisor", "il-other-pd")
    with pytest.raises(ConflictError):  # single use: a replayed approval runs nothing
        world.holds.resume(held.search_id, officer)
    ran = world.search.search(request)
    assert isinstance(ran, SearchResponse) and ran.networks_searched
