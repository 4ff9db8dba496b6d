"""The memoised search-path policy (``policy.memo``) against the engine itself, on a real store.

Every answer of the memo must be the engine's answer for the same request at the same time over
the store as it is now: a cached allow flips the moment sharing, a declaration, an agency's
policy or retention, the registry, the law or the clock says otherwise, and requests that differ
in anything (one invisible character of the reason included) never share an entry.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AGENCIES, CAMERAS, NETWORKS, USERS
from plateledger.app.platform import Platform
from plateledger.domain.sharing import AgencyPolicy, Declaration, SharingAgreement
from plateledger.domain.types import AgencyId, Camera, CameraId, Network, NetworkId, User
from plateledger.errors import ValidationError
from plateledger.policy import jurisdictions
from plateledger.policy.base import AccessRequest, Decision
from plateledger.policy.data_file import read_packaged
from plateledger.policy.engine import PurposePolicy
from plateledger.policy.memo import DecisionMemo, registry_of
from plateledger.policy.state import policy_state
from plateledger.search.types import Purpose, SearchQuery, SearchRequest, SearchResponse
from plateledger.store.duckdb_store import DuckDBStore

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TX_OFFICER = next(u for u in USERS if u.id == "tx-officer")
FED_OFFICER = next(u for u in USERS if u.id == "fed-officer")
IL = AgencyId("il-test-pd")


@dataclass
class World:
    store: DuckDBStore
    engine: PurposePolicy
    memo: DecisionMemo

    def request(
        self, at: datetime = AT, user: User = TX_OFFICER, on_behalf_of: str | None = None,
        **fields: Any,
    ) -> AccessRequest:  # fmt: skip
        agencies = self.memo.registry().agencies
        behalf = AgencyId(on_behalf_of) if on_behalf_of else None
        base = AccessRequest(
            user, agencies[user.agency_id], "stolen_vehicle", "24-001", "stolen car report",
            None, at,
        )  # fmt: skip
        if behalf is not None:
            base = replace(base, on_behalf_of=behalf, behalf_agency=agencies[behalf])
        return replace(base, **fields)

    def ask(self, request: AccessRequest) -> list[Decision]:
        """The memo's answer, checked against the engine's over the store as it is now."""
        got = self.memo.evaluate(request, self.memo.registry().networks)
        fresh = self.engine.evaluate(
            request, registry_of(self.store.agencies(), self.store.networks()).networks
        )
        assert got == fresh
        return got

    def outcome(self, at: datetime = AT, **fields: Any) -> dict[str, str]:
        return {d.network: d.decision for d in self.ask(self.request(at, **fields))}


def _world(path: Path) -> World:
    store = DuckDBStore(path)
    store.upsert_agencies(AGENCIES)
    store.upsert_networks(NETWORKS)
    store.upsert_cameras(CAMERAS)
    for n in NETWORKS:
        store.save_agreement(_national(n.id))
    store.save_declaration(
        Declaration("dec-tx", TX_OFFICER.agency_id, "IL", "written_declaration",
                    AT - timedelta(days=30), None, "doc-1")
    )  # fmt: skip
    store.decide_declaration("dec-tx", IL, "accepted", "il-admin", AT - timedelta(days=29), "")
    engine = PurposePolicy(lambda: policy_state(store))
    memo = DecisionMemo(
        engine, version=store.policy_version, state=lambda: policy_state(store),
        registry=lambda: registry_of(store.agencies(), store.networks()),
    )  # fmt: skip
    return World(store, engine, memo)


def _national(network: str, **dates: datetime | None) -> SharingAgreement:
    return SharingAgreement(
        f"a-{network}", NetworkId(network), "national", None, None, frozenset(), "admin",
        AT - timedelta(days=10), **dates,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = _world(tmp_path)
    yield w
    w.store.close()


ALLOWED = {"il-net": "allow", "tx-net": "allow", "va-net": "deny"}


def test_a_repeated_request_is_a_hit_with_the_cutoffs_of_its_own_time(world: World) -> None:
    assert world.outcome() == ALLOWED
    later = world.ask(world.request(AT + timedelta(minutes=3)))
    assert world.memo.stats.hits == 1
    il = next(d for d in later if d.network == "il-net")
    assert il.retention_cutoff == AT + timedelta(minutes=3) - timedelta(days=180)


def test_revoking_sharing_flips_a_cached_allow_at_once(world: World) -> None:
    assert world.outcome()["il-net"] == "allow"
    world.store.save_agreement(_national("il-net", revoked_at=AT - timedelta(seconds=1)))
    assert world.outcome()["il-net"] == "deny"


@pytest.mark.parametrize("field", ["revoked_at", "expires_at"])
def test_an_agreement_ending_later_ends_the_cached_allow_at_that_instant(
    world: World, field: str
) -> None:
    world.store.save_agreement(_national("il-net", **{field: AT + timedelta(minutes=10)}))
    assert world.outcome()["il-net"] == "allow"
    assert world.outcome(AT + timedelta(minutes=9, seconds=59))["il-net"] == "allow"
    hits = world.memo.stats.hits
    assert world.outcome(AT + timedelta(minutes=10))["il-net"] == "deny"
    assert world.memo.stats.hits == hits  # a miss: the entry ended with the agreement


def test_rejecting_the_declaration_flips_a_cached_allow(world: World) -> None:
    assert world.outcome()["il-net"] == "allow"
    world.store.decide_declaration("dec-tx", IL, "rejected", "il-admin", AT, "withdrawn")
    assert world.outcome()["il-net"] == "deny"


def test_a_declaration_counts_from_its_signing_until_its_expiry(world: World) -> None:
    world.store.save_declaration(
        Declaration("dec-tx", TX_OFFICER.agency_id, "IL", "written_declaration",
                    AT + timedelta(minutes=5), AT + timedelta(minutes=20), "doc-2")
    )  # fmt: skip
    assert world.outcome()["il-net"] == "deny"
    assert world.outcome(AT + timedelta(minutes=5))["il-net"] == "allow"
    assert world.outcome(AT + timedelta(minutes=19))["il-net"] == "allow"
    assert world.outcome(AT + timedelta(minutes=20))["il-net"] == "deny"


def test_an_agency_policy_change_flips_a_cached_allow(world: World) -> None:
    assert world.outcome()["il-net"] == "allow"
    world.store.save_agency_policy(AgencyPolicy(IL, False, frozenset({"stolen_vehicle"})))
    assert world.outcome()["il-net"] == "deny"


def test_networks_added_and_moved_are_judged_at_once(world: World) -> None:
    assert world.outcome() == ALLOWED
    world.store.upsert_networks([Network(NetworkId("va-net-2"), AgencyId("va-test-pd"), "VA 2")])
    assert world.outcome() == {**ALLOWED, "va-net-2": "deny"}
    # il-net handed over to the Texas agency: its IL declaration no longer matters
    world.store.upsert_networks([Network(NetworkId("il-net"), AgencyId("tx-test-pd"), "now TX")])
    decisions = world.ask(world.request())
    il = next(d for d in decisions if d.network == "il-net")
    assert il.owner_agency == "tx-test-pd"


def test_a_camera_change_is_a_new_version(world: World) -> None:
    world.outcome()
    gens = world.memo.stats.generations
    world.store.upsert_cameras([Camera(CameraId("il-c3"), NetworkId("il-net"), "New", 41.0, -87.0)])
    world.outcome()
    assert world.memo.stats.generations == gens + 1


def test_a_retention_or_state_change_of_an_owner_is_seen_at_once(world: World) -> None:
    world.outcome()
    il_agency = next(a for a in AGENCIES if a.id == IL)
    world.store.upsert_agencies([replace(il_agency, retention_days=30)])
    il = next(d for d in world.ask(world.request()) if d.network == "il-net")
    assert il.retention_cutoff == AT - timedelta(days=30)
    world.store.upsert_agencies([replace(il_agency, state="VA")])  # now under Virginia law
    assert world.outcome()["il-net"] == "deny"


def test_a_reloaded_law_invalidates_every_decision(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert world.outcome()["va-net"] == "deny"
    text = read_packaged(jurisdictions.DATA_FILE)
    looser = text.replace(
        "decision: deny\n        id: VA.sharing.out_of_state",
        "decision: allow\n        id: VA.sharing.out_of_state",
    )
    assert looser != text
    monkeypatch.setattr(jurisdictions, "read_packaged", lambda name: looser)
    jurisdictions.policy_data.cache_clear()
    try:
        assert world.outcome()["va-net"] == "allow"
    finally:
        monkeypatch.undo()
        jurisdictions.policy_data.cache_clear()
    assert world.outcome()["va-net"] == "deny"


VARIANTS: list[dict[str, Any]] = [
    {},
    {"reason": "stolen car report\u200b"},
    {"reason": "immigration enforcement"},
    {"reason": "immi\u200bgration enforcement"},
    {"reason": "ICE detainer, stolen car"},
    {"reason": "stolen car report", "case_number": "24-002"},
    {"purpose": "missing_person"},
    {"purpose": "immigration_enforcement"},  # never selectable: refused every time
    {"one_to_one": False},
    {"approved_hold": True},
    {"on_behalf_of": "il-test-pd"},
    {"on_behalf_of": "us-fed"},
    {"user": FED_OFFICER},
]


def _answer(w: World, at: datetime, variant: dict[str, Any]) -> list[Decision] | str:
    try:
        return w.ask(w.request(at, **variant))
    except ValidationError as exc:
        return f"refused: {exc.code}"


def test_requests_that_differ_never_share_an_entry(world: World) -> None:
    first = [_answer(world, AT, v) for v in VARIANTS]
    again = [_answer(world, AT + timedelta(seconds=1), v) for v in reversed(VARIANTS)]
    assert len({str(a) for a in first}) > 5  # the variants do get different answers
    immigration = {d.network: d.decision for d in first[2]}  # type: ignore[union-attr]
    assert immigration["il-net"] == "deny"
    hidden = {d.network: d.decision for d in first[3]}  # type: ignore[union-attr]
    assert hidden["il-net"] == "deny"  # the zero-width space hides nothing
    assert first[7] == again[-8] == "refused: invalid"
    assert world.memo.stats.hits >= len(VARIANTS) - 1


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(st.sampled_from(range(len(VARIANTS))), st.integers(-90, 24 * 60 * 3)),
        min_size=1,
        max_size=25,
    )
)
def test_any_sequence_of_requests_gets_the_engines_answers(steps: list[tuple[int, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        w = _world(Path(tmp))
        try:
            w.store.save_agreement(_national("il-net", expires_at=AT + timedelta(hours=30)))
            for variant, minutes in steps:  # the clock jumps about, backwards too
                _answer(w, AT + timedelta(minutes=minutes), VARIANTS[variant])
        finally:
            w.store.close()


def test_entries_end_at_midnight_and_after_the_ttl(world: World) -> None:
    late = AT.replace(hour=23, minute=59, second=30)
    world.outcome(late)
    world.outcome(late + timedelta(seconds=29))
    assert world.memo.stats.hits == 1
    world.outcome(late + timedelta(seconds=31))  # the next day
    world.outcome(late + timedelta(seconds=31) + world.memo.ttl)
    world.outcome(late)  # the clock went back
    assert world.memo.stats.hits == 1


def test_the_memo_holds_at_most_max_decisions(world: World) -> None:
    world.memo.max_decisions = 6  # two entries of three networks
    for reason in ("stolen car report", "stolen car, second report", "stolen car, third"):
        world.outcome(reason=reason)
    assert world.memo.stats.misses == 3
    world.outcome(reason="stolen car, third")
    world.outcome(reason="stolen car, second report")
    assert world.memo.stats.hits == 2
    world.outcome(reason="stolen car report")  # the oldest: evicted
    assert world.memo.stats.misses == 4


def test_other_network_lists_are_evaluated_afresh(world: World) -> None:
    subset = world.memo.registry().networks[:1]
    request = world.request()
    assert world.memo.evaluate(request, subset) == world.engine.evaluate(request, subset)
    assert world.memo.evaluate(request, list(subset)) == world.engine.evaluate(request, subset)
    assert (world.memo.stats.hits, world.memo.stats.misses) == (0, 0)


def test_every_write_changes_the_policy_version(world: World) -> None:
    store = world.store
    writes: list[Callable[[], object]] = [
        lambda: store.upsert_agencies(AGENCIES[:1]),
        lambda: store.upsert_networks(NETWORKS[:1]),
        lambda: store.upsert_cameras(CAMERAS[:1]),
        lambda: store.save_agreement(_national("tx-net")),
        lambda: store.save_declaration(
            Declaration("d2", TX_OFFICER.agency_id, "VA", "written_declaration", AT, None, "x")
        ),
        lambda: store.decide_declaration("d2", AgencyId("va-test-pd"), "accepted", "a", AT, ""),
        lambda: store.save_agency_policy(AgencyPolicy(IL)),
    ]
    for write in writes:
        before = store.policy_version()
        write()
        after = store.policy_version()
        assert not all(a is b for a, b in zip(before, after, strict=True))


def test_concurrent_searchers_get_whole_answers_across_a_revocation(world: World) -> None:
    request = world.request()
    shared = [d for d in world.ask(request)]
    world.store.save_agreement(_national("il-net", revoked_at=AT - timedelta(days=1)))
    revoked = world.ask(request)
    assert shared != revoked
    results: list[list[Decision]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def searcher() -> None:
        mine: list[list[Decision]] = []
        while not stop.is_set() or len(mine) < 50:
            mine.append(world.memo.evaluate(request, world.memo.registry().networks))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=searcher) for _ in range(8)]
    for t in threads:
        t.start()
    for i in range(20):  # share and revoke again and again while they search
        world.store.save_agreement(
            _national("il-net", revoked_at=None if i % 2 else AT - timedelta(days=1))
        )
    stop.set()
    for t in threads:
        t.join()
    assert all(r in (shared, revoked) for r in results)
    assert world.memo.evaluate(request, world.memo.registry().networks) == shared  # i = 19


def test_the_search_path_uses_the_memo_and_sees_a_revocation(platform: Platform) -> None:
    officer = next(u for u in USERS if u.id == "il-officer")
    platform.store.save_agreement(_national("tx-net"))
    request = SearchRequest(
        officer, SearchQuery(plate="ABC123"), Purpose("stolen_vehicle", "24-1", "stolen car")
    )

    def searched() -> set[str]:
        response = platform.search.search(request)
        assert isinstance(response, SearchResponse)
        return {d.network for d in response.networks_searched}

    assert "tx-net" in searched() and "tx-net" in searched()
    assert platform.decisions.stats.hits >= 1
    revoked = datetime.now(UTC) - timedelta(seconds=1)
    platform.store.save_agreement(_national("tx-net", revoked_at=revoked))
    assert "tx-net" not in searched()
