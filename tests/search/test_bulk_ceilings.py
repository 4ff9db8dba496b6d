"""Bulk extraction, attacked as an insider would: patterns that match every plate, a world box
over decades (and paging through it), many small searches against the daily read ceiling —
over the real search path (policy, write-ahead log, hold book) on a real DuckDB store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from conftest import NOW, USERS, make_reads, read
from plateledger.app.platform import Platform
from plateledger.domain.types import CameraId, User
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.oversight.ceilings import near_ceilings
from plateledger.search.bulk import (
    AREA_TIME,
    DAILY_READS,
    PATTERN_PLATES,
    BulkLimits,
    bbox_area_km2,
)
from plateledger.search.read_quota import ReadQuota
from plateledger.search.timeline import timeline
from plateledger.search.types import (
    HeldSearch,
    Near,
    Purpose,
    SearchQuery,
    SearchRequest,
    SearchResponse,
)
from plateledger.search.validate import MIN_PATTERN_LITERALS, validate_query
from plateledger.store.base import BBox

USER = {u.id: u for u in USERS}
OFFICER, SUPERVISOR, ADMIN = USER["il-officer"], USER["il-supervisor"], USER["il-admin"]
PURPOSE = Purpose("stolen_vehicle", "24-001", "stolen car report")
WORLD = BBox(-90.0, -180.0, 90.0, 180.0)

ADVERSARIAL = [".*", "-*", "*.", ".?*", "*", "??????", "\u200b*", "Ａ*", "*-*-*", "A*",
               "A-B.*", "\u200bA\u200bB\u200b*", "a.b", "?" * 10 + "*",
               "\u00ad*\u00ad"]  # fmt: skip
LEGITIMATE = {"AB*12": "AB*12", "?BC123": "?BC123", "ab-?12*": "AB?12*", "ＡＢＣ*": "ABC*",
              "A\u200bBC*": "ABC*"}  # fmt: skip


def run(
    platform: Platform, query: SearchQuery, user: User = OFFICER
) -> SearchResponse | HeldSearch:
    return platform.search.search(SearchRequest(user, query, PURPOSE))


def load(platform: Platform, plates: list[str], per_plate: int = 1) -> None:
    rows = [read("il-c1", 5 + i, p) for p in plates for i in range(per_plate)]
    platform.store.append(make_reads(rows))
    platform.dictionary.reload()


@pytest.mark.parametrize("pattern", ADVERSARIAL)
@pytest.mark.parametrize("mode", ["wildcard", "fuzzy"])
def test_patterns_of_wildcards_separators_or_invisibles_are_rejected(
    pattern: str, mode: str
) -> None:
    with pytest.raises(ValidationError) as err:
        validate_query(SearchQuery(plate=pattern, mode=mode))  # type: ignore[arg-type]
    assert err.value.details["field"] == "query.plate"
    assert err.value.message.startswith("query.plate:")


@pytest.mark.parametrize(("pattern", "normalised"), LEGITIMATE.items())
def test_legitimate_patterns_pass_in_their_normalised_form(pattern: str, normalised: str) -> None:
    assert validate_query(SearchQuery(plate=pattern, mode="wildcard")).plate == normalised
    assert sum(c.isalnum() for c in normalised) >= MIN_PATTERN_LITERALS


def test_a_pattern_matching_too_many_plates_is_held_through_the_hold_book(
    platform: Platform,
) -> None:
    load(platform, [f"ABC{i:03d}" for i in range(12)] + ["XYZ100"])
    platform.search.limits = BulkLimits(max_matched_plates=10)
    held = run(platform, SearchQuery(plate="ABC*", mode="wildcard"))
    assert isinstance(held, HeldSearch)
    assert PATTERN_PLATES in held.message and "12 plates" in held.message
    il = next(d for d in held.networks_excluded if d.network == "il-net")
    assert il.decision == "hold" and PATTERN_PLATES in il.rule_ids
    hold = platform.holds.get(held.search_id)  # the same hold book as a policy hold
    assert hold.status == "pending" and "il-net" in hold.held_networks
    logged = platform.store.execute(
        "SELECT decisions_json, result_count FROM search_log WHERE search_id = ?", [held.search_id]
    )
    assert PATTERN_PLATES in logged[0][0] and logged[0][1] is None  # nothing read
    # splitting the pattern into narrower ones is fine while each stays under the ceiling
    narrow = run(platform, SearchQuery(plate="ABC00*", mode="wildcard"))
    assert isinstance(narrow, SearchResponse) and narrow.matched_plates == 10
    # the supervisor approves; the officer's resumed search runs, not held again
    platform.holds.decide(held.search_id, SUPERVISOR, True, "stolen fleet, case 24-001")
    resumed = platform.search.search(platform.holds.resume(held.search_id, OFFICER))
    assert isinstance(resumed, SearchResponse) and resumed.matched_plates == 12


def test_the_same_search_submitted_again_after_its_approval_runs(platform: Platform) -> None:
    """The officer's searches before the decision found no approval (and the hold book
    remembers that); the decision must make the next submission look again."""
    load(platform, [f"ABC{i:03d}" for i in range(12)])
    platform.search.limits = BulkLimits(max_matched_plates=10)
    query = SearchQuery(plate="ABC*", mode="wildcard")
    held = run(platform, query)
    assert isinstance(held, HeldSearch)
    assert isinstance(run(platform, SearchQuery(plate="ABC00*", mode="wildcard")), SearchResponse)
    platform.holds.decide(held.search_id, SUPERVISOR, True, "stolen fleet, case 24-001")
    again = run(platform, query)
    assert isinstance(again, SearchResponse) and again.matched_plates == 12
    assert isinstance(run(platform, query), HeldSearch)  # the approval was used once


def test_fuzzy_matching_too_many_plates_is_held(platform: Platform) -> None:
    load(platform, ["ABC123", "ABC124", "ABC125", "A8C123"])
    platform.search.limits = BulkLimits(max_matched_plates=2)
    held = run(platform, SearchQuery(plate="ABC12X", mode="fuzzy", max_distance=1))
    assert isinstance(held, HeldSearch) and PATTERN_PLATES in held.message


def test_world_box_over_decades_is_held_and_so_is_every_page_of_it(platform: Platform) -> None:
    load(platform, ["ABC123"])
    years = SearchQuery(bbox=WORLD, time_from=NOW - timedelta(days=365 * 30), time_to=NOW)
    for offset in (0, 1000, 100_000):
        held = run(platform, SearchQuery(**{**_fields(years), "offset": offset, "limit": 1000}))
        assert isinstance(held, HeldSearch), offset
        assert AREA_TIME in held.message and "km²·days" in held.message
        assert all(AREA_TIME in d.rule_ids for d in held.networks_excluded if d.network == "il-net")
    # a day in a small box (the Chicago test cameras) runs
    small = SearchQuery(bbox=BBox(41.87, -87.65, 41.91, -87.62), time_from=NOW - timedelta(days=1),
                        time_to=NOW + timedelta(minutes=1))  # fmt: skip
    found = run(platform, small)
    assert isinstance(found, SearchResponse) and [h.read.plate for h in found.hits] == ["ABC123"]


@pytest.mark.parametrize(
    ("query", "held"),
    [
        (SearchQuery(near=Near(41.88, -87.63, 500), time_from=NOW - timedelta(days=365),
                     time_to=NOW), True),
        (SearchQuery(near=Near(41.88, -87.63, 5), time_from=NOW - timedelta(days=30),
                     time_to=NOW), False),
        (SearchQuery(cameras=(CameraId("il-c1"), CameraId("il-c2")),
                     time_from=NOW - timedelta(days=3650), time_to=NOW), True),
        (SearchQuery(cameras=(CameraId("il-c1"), CameraId("il-c2")),
                     time_from=NOW - timedelta(days=30), time_to=NOW), False),
        # a huge box narrowed to two cameras searches only those cameras: not held
        (SearchQuery(bbox=WORLD, cameras=(CameraId("il-c1"),),
                     time_from=NOW - timedelta(days=30), time_to=NOW), False),
        # a plate is given: the place × time ceiling does not apply
        (SearchQuery(plate="ABC123", bbox=WORLD, time_from=NOW - timedelta(days=3650),
                     time_to=NOW), False),
    ],
)  # fmt: skip
def test_place_time_ceiling(platform: Platform, query: SearchQuery, held: bool) -> None:
    result = run(platform, query)
    assert isinstance(result, HeldSearch) is held
    if held:
        assert isinstance(result, HeldSearch) and AREA_TIME in result.message


def test_a_bulk_search_held_for_a_vague_reason_shows_the_supervisor_it_is_bulk(
    platform: Platform,
) -> None:
    platform.sharing.set_policy(ADMIN, True, ())  # vague reasons are held on il-net
    world = SearchQuery(bbox=WORLD, time_from=NOW - timedelta(days=3650), time_to=NOW)
    request = SearchRequest(OFFICER, world, Purpose("stolen_vehicle", "24-001", "inv"))
    held = platform.search.search(request)
    assert isinstance(held, HeldSearch) and AREA_TIME in held.message
    hold = platform.holds.get(held.search_id)
    assert AREA_TIME in hold.rules and len(hold.rules) >= 2  # the policy rule and the bulk rule


def test_box_area_on_the_sphere() -> None:
    assert bbox_area_km2(BBox(0, 0, 1, 1)) == pytest.approx(12_364, rel=0.01)
    assert bbox_area_km2(WORLD) == pytest.approx(510.1e6, rel=0.01)


def test_many_small_searches_hit_the_daily_read_ceiling(platform: Platform) -> None:
    load(platform, ["ABC123"], per_plate=9)
    platform.read_quota.set_ceiling(ADMIN, 5)
    returned = []
    for offset in range(5):  # page one read at a time: each request is small
        page = run(platform, SearchQuery(plate="ABC123", limit=1, offset=offset))
        assert isinstance(page, SearchResponse)
        returned.append(page.hits[0].read.id)
    assert len(set(returned)) == 5
    held = run(platform, SearchQuery(plate="ABC123", limit=1, offset=5))
    assert isinstance(held, HeldSearch) and DAILY_READS in held.message
    assert "5 reads already returned" in held.message
    # a timeline counts too, and is held at the ceiling
    assert isinstance(timeline(platform.search, OFFICER, "ABC123", PURPOSE), HeldSearch)
    # the ceiling is per user: a colleague still searches
    colleague = run(platform, SearchQuery(plate="ABC123", limit=5), SUPERVISOR)
    assert isinstance(colleague, SearchResponse) and len(colleague.hits) == 5
    # a search that alone would pass the ceiling is held before anything is read
    assert isinstance(run(platform, SearchQuery(plate="ABC123", limit=6), SUPERVISOR), HeldSearch)


def test_timeline_reads_count_towards_the_ceiling(platform: Platform) -> None:
    load(platform, ["ABC123"], per_plate=4)
    platform.read_quota.set_ceiling(ADMIN, 5)
    shown = timeline(platform.search, OFFICER, "ABC123", PURPOSE)
    assert not isinstance(shown, HeldSearch) and shown.total_reads == 4
    assert platform.read_quota.returned_today("il-officer", datetime.now(UTC)) == 4
    held = run(platform, SearchQuery(plate="ABC123", limit=2))
    assert isinstance(held, HeldSearch) and DAILY_READS in held.message


def test_one_heavy_plates_timeline_cannot_pass_the_ceiling(platform: Platform) -> None:
    """Found in review: a timeline was checked as one read but returns up to 20,000. It now
    returns at most what is left of the day's ceiling, marked truncated."""
    load(platform, ["ABC123"], per_plate=9)
    platform.read_quota.set_ceiling(ADMIN, 5)
    first = run(platform, SearchQuery(plate="ABC123", limit=2))
    assert isinstance(first, SearchResponse) and len(first.hits) == 2
    shown = timeline(platform.search, OFFICER, "ABC123", PURPOSE)
    assert not isinstance(shown, HeldSearch)
    assert shown.total_reads == 3 and shown.truncated  # 9 stored, 3 left of 5
    assert platform.read_quota.returned_today("il-officer", datetime.now(UTC)) == 5


def test_the_ceiling_setting_is_an_audited_admin_setting(platform: Platform) -> None:
    quota = platform.read_quota
    assert quota.ceiling("il-test-pd") == BulkLimits().default_daily_reads
    with pytest.raises(ForbiddenError):
        quota.set_ceiling(OFFICER, 1_000_000)  # an officer may not raise their own ceiling
    with pytest.raises(ForbiddenError):
        quota.set_ceiling(SUPERVISOR, 1_000_000)
    for bad in (0, -1, 10**9):
        with pytest.raises(ValidationError) as err:
            quota.set_ceiling(ADMIN, bad)
        assert err.value.details["field"] == "daily_read_ceiling"
    assert quota.set_ceiling(ADMIN, 2000) == 2000
    assert quota.ceiling("tx-test-pd") == BulkLimits().default_daily_reads  # per agency
    last = orjson.loads(platform.audit.entry(platform.audit.size - 1))
    assert last["event_type"] == "config_change" and last["user_id"] == "il-admin"
    assert last["subject"]["action"] == "daily_read_ceiling"
    assert last["subject"]["daily_read_ceiling"] == 2000
    assert quota.set_ceiling(ADMIN, None) == BulkLimits().default_daily_reads


def test_oversight_reports_users_near_the_ceilings(platform: Platform) -> None:
    load(platform, ["ABC123"], per_plate=9)
    platform.read_quota.set_ceiling(ADMIN, 10)
    assert isinstance(run(platform, SearchQuery(plate="ABC123", limit=8)), SearchResponse)
    world = SearchQuery(bbox=WORLD, time_from=NOW - timedelta(days=3650), time_to=NOW)
    for _ in range(3):  # repeated bulk attempts by a colleague
        assert isinstance(run(platform, world, SUPERVISOR), HeldSearch)
    auditor = USER["tx-auditor"]
    check = near_ceilings(auditor, "", source=platform.read_quota, now=datetime.now(UTC))
    rows = {r.user_id: r for r in check.rows}
    assert rows["il-officer"].share_pct == 80 and rows["il-officer"].reads_today == 8
    assert "80% of the daily read ceiling" in rows["il-officer"].why
    assert (
        rows["il-supervisor"].bulk_holds == 3 and "bulk searches held" in rows["il-supervisor"].why
    )
    # an admin sees their own agency only; an officer may not run oversight checks
    tx = near_ceilings(USER["tx-admin"], "il-test-pd", source=platform.read_quota,
                       now=datetime.now(UTC))  # fmt: skip
    assert tx.rows == ()
    with pytest.raises(ForbiddenError):
        near_ceilings(OFFICER, "", source=platform.read_quota, now=datetime.now(UTC))


def _fields(query: SearchQuery) -> dict[str, object]:
    return {name: getattr(query, name) for name in query.__dataclass_fields__}


class _CountRacingStore:
    """The real store; the first time the day's count is read, another search of the same user
    records its reads after the query ran and before its answer comes back (the interleaving
    two threads can produce)."""

    def __init__(self, platform: Platform, race: Callable[[], None]) -> None:
        self._store = platform.store
        self._race: Callable[[], None] | None = race

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        rows = self._store.execute(sql, params)
        if self._race is not None and "sum(result_count)" in sql:
            race, self._race = self._race, None
            race()
        return rows

    def get_meta(self, key: str) -> str | None:
        return self._store.get_meta(key)

    def set_meta(self, key: str, value: str) -> None:
        self._store.set_meta(key, value)


def _logged(platform: Platform, search_id: str, user: User) -> None:
    at = NOW.replace(tzinfo=None)
    row = [search_id, at, user.id, user.agency_id, "search", "stolen_vehicle", "24-001", "r"]
    platform.store.record_search([*row, None, "{}", "[]"])


def test_a_count_recorded_while_the_day_is_loaded_is_not_lost(platform: Platform) -> None:
    _logged(platform, "s-1", OFFICER)
    quota: ReadQuota

    def other_search() -> None:
        quota.record("s-1", 40, OFFICER.id, NOW)

    quota = ReadQuota(store=_CountRacingStore(platform, other_search), audit=platform.log_event)
    assert quota.returned_today(OFFICER.id, NOW) == 0  # the answer from before the record
    assert quota.returned_today(OFFICER.id, NOW) == 40  # not kept: loaded again


def test_one_users_counts_never_reach_another_users(platform: Platform) -> None:
    other = USER["tx-officer"]
    for i, user in enumerate((OFFICER, other)):
        _logged(platform, f"s-{i}", user)
    quota = platform.read_quota
    assert quota.returned_today(OFFICER.id, NOW) == quota.returned_today(other.id, NOW) == 0
    quota.record("s-0", 7, OFFICER.id, NOW)
    quota.record("s-1", 3, other.id, NOW)
    quota.record("s-0", 0, other.id, NOW)  # another user's search id in the user field
    assert (quota.returned_today(OFFICER.id, NOW), quota.returned_today(other.id, NOW)) == (7, 3)
    tomorrow = NOW + timedelta(days=1)
    assert quota.returned_today(OFFICER.id, tomorrow) == 0  # a new day starts from the log
