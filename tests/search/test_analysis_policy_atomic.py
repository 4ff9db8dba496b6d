"""A change of several analysis kinds is one transaction on the real store: an invalid kind
stores nothing, a write that fails on the second kind leaves the first as it was, an audit that
cannot be appended stores nothing, and a change that succeeds is one audit event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from plateledger.app.platform import Platform
from plateledger.audit.events import parse_event
from plateledger.audit.records import AuditWriteError
from plateledger.domain.types import AgencyId, User, UserId
from plateledger.errors import ValidationError
from plateledger.search.analysis_policy import AnalysisPolicies, KindSetting

ADMIN = User(UserId("il-admin"), AgencyId("il-test-pd"), "IL Admin", "admin")
HOMICIDE = KindSetting(frozenset({"homicide"}))
MISSING = KindSetting(frozenset({"missing_person"}), waive_supervisor_hold=True)


class StoreFailure(RuntimeError):
    """The injected failure of one write."""


def stored(platform: Platform) -> dict[str, Any]:
    """Each kind as ``show`` reports it now (purposes, defaults or not, the hold)."""
    kinds = platform.analysis_policy.show(ADMIN, "il-test-pd")["kinds"]
    return {k: (v["purposes"], v["follows_default"], v["waive_supervisor_hold"])
            for k, v in kinds.items()}  # fmt: skip


def fail_on_write(monkeypatch: pytest.MonkeyPatch, platform: Platform, nth: int) -> None:
    """The real store, except that its ``nth`` analysis_policy write raises."""
    real = platform.store.execute
    writes = 0

    def execute(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        nonlocal writes
        if sql.startswith("INSERT OR REPLACE INTO analysis_policy"):
            writes += 1
            if writes == nth:
                raise StoreFailure("disk full")
        return real(sql, params)

    monkeypatch.setattr(platform.store, "execute", execute)


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"convoy": MISSING, "stalking": KindSetting(frozenset())}, "kinds.stalking"),
        ({"convoy": MISSING, "multi_place": KindSetting(frozenset({"no_such_purpose"}))},
         "kinds.multi_place.purposes"),
    ],
)  # fmt: skip
def test_one_invalid_kind_stores_nothing(
    platform: Platform, changes: Mapping[str, KindSetting], field: str
) -> None:
    platform.analysis_policy.set(ADMIN, "il-test-pd", {"convoy": HOMICIDE})
    before, size = stored(platform), platform.audit.size
    with pytest.raises(ValidationError) as err:
        platform.analysis_policy.set(ADMIN, "il-test-pd", changes)
    assert isinstance(err.value.details, Mapping) and err.value.details["field"] == field
    assert stored(platform) == before
    assert platform.audit.size == size


def test_failure_on_the_second_write_leaves_the_first_kind_unchanged(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform.analysis_policy.set(ADMIN, "il-test-pd", {"convoy": HOMICIDE})
    before, size = stored(platform), platform.audit.size
    assert before["convoy"] == (["homicide"], False, False)
    fail_on_write(monkeypatch, platform, nth=2)
    with pytest.raises(StoreFailure):
        platform.analysis_policy.set(
            ADMIN, "il-test-pd", {"convoy": MISSING, "multi_place": HOMICIDE}
        )
    assert stored(platform) == before  # convoy as it was, multi_place still the default
    assert platform.audit.size == size  # nothing audited for a change not made
    monkeypatch.undo()  # the store's transaction was closed: the next change goes through
    platform.analysis_policy.set(ADMIN, "il-test-pd", {"convoy": MISSING, "multi_place": HOMICIDE})
    assert stored(platform)["convoy"] == (["missing_person"], False, True)
    assert stored(platform)["multi_place"] == (["homicide"], False, False)


def test_an_audit_that_fails_stores_nothing(platform: Platform) -> None:
    def failing_sink(*args: object, **kwargs: object) -> int:
        raise AuditWriteError("audit log unavailable")

    policies = AnalysisPolicies(store=platform.store, audit=failing_sink)
    before = stored(platform)
    with pytest.raises(AuditWriteError):
        policies.set(ADMIN, "il-test-pd", {"convoy": MISSING, "frequent_visitor": HOMICIDE})
    assert stored(platform) == before
    assert platform.analysis_policy.current().owners == {}


def test_a_multi_kind_change_is_one_audit_event(platform: Platform) -> None:
    size = platform.audit.size
    platform.analysis_policy.set(
        ADMIN, "il-test-pd",
        {"convoy": MISSING, "multi_place": HOMICIDE, "frequent_visitor": KindSetting(frozenset())},
    )  # fmt: skip
    assert platform.audit.size == size + 1
    event = parse_event(platform.audit.entry(size))
    assert event.event_type == "analysis_policy_change"
    assert set(event.subject["settings"]) == {"convoy", "multi_place", "frequent_visitor"}
    assert event.subject["previous"] == dict.fromkeys(event.subject["settings"])
    now = stored(platform)
    assert now["convoy"] == (["missing_person"], False, True)
    assert now["multi_place"] == (["homicide"], False, False)
    assert now["frequent_visitor"] == ([], False, False)
