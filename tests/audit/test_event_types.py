"""Audit event types: one frozen, documented class per type; the log refuses what does not fit.

The catalogue below copies the subject of every call site that writes an event today (searches
and hold decisions through the real recorder): each must fit its class, and the class must give
back the same subject — so typed events write the same canonical bytes as the dicts did.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, get_args

import orjson
import pytest

from plateledger.audit.event_base import (
    AuditSubject,
    describe,
    field_kinds,
    register,
    undocumented,
)
from plateledger.audit.event_reference import END, START, event_reference, write_reference
from plateledger.audit.event_types import (
    EVENT_CLASSES,
    ConfigChange,
    CropSweepLayout,
    Export,
    HoldApproved,
    Purge,
    PurgeSearchLogLayout,
    Search,
    TokenChange,
)
from plateledger.audit.events import (
    EVENT_TYPES,
    AuditEvent,
    AuditEventError,
    EventType,
    canonical_bytes,
    make_event,
    parse_event,
    purge_receipt_event,
    search_event,
)
from plateledger.domain.types import AgencyId, User, UserId
from plateledger.search.recorder import audit_event
from plateledger.search.service import SearchLogEntry
from plateledger.search.types import Purpose

AT = datetime(2025, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
ROW = {"network": "il-net", "owner_agency": "il-test-pd", "decision": "allow",
       "rule_ids": ["IL.purpose.permitted"], "explanation": "own network"}  # fmt: skip
SEARCH = {"search_id": "s-1", "purpose": "stolen_vehicle", "case_number": "25-1",
          "reason": "stolen car", "on_behalf_of": None, "query": {"plate": "ABC123"},
          "decisions": [ROW], "networks_searched": ["il-net"], "networks_excluded": [],
          "result_count": None}  # fmt: skip
HOLD_DECISION = {"search_id": "s-1", "purpose": "stolen_vehicle", "case_number": "25-1",
                 "reason": "stolen car", "note": "ok"}  # fmt: skip
AGREEMENT = {"id": "sa-1", "network_id": "il-net", "grantee_kind": "radius", "grantee": None,
             "radius_km": 25.5, "purposes": [], "created_by": "il-admin",
             "created_at": "2025-01-01T00:00:00+00:00", "expires_at": None, "revoked_at": None,
             "active": True, "description": "shared within 25.5 km", "note": ""}  # fmt: skip
ALERT = {"action": "verify", "entity": "alert", "alert_id": "al-1", "read_id": 7,
         "hotlist_id": "hl-1", "entry_id": "he-1"}  # fmt: skip
PURGE = {"owner_agency": "il-test-pd", "networks": ["il-net"], "network": "il-net",
         "day": "2025-01-01", "cutoff": "2025-01-02T05:06:07.000089Z", "rule": "IL.retention",
         "window_minutes": 60 * 1440, "rows_purged": 12, "bytes_freed": 3456,
         "source": "store"}  # fmt: skip

# One subject for every type (the round trip), then every other shape written today.
EXAMPLES: dict[str, dict[str, Any]] = {
    "search": SEARCH, "timeline": {**SEARCH, "query": {"plate": "ABC123", "time_from": None,
                                                       "time_to": None}},
    "hold": SEARCH, "denial": SEARCH, "hold_approved": HOLD_DECISION,
    "convoy": {**SEARCH, "query": {"plate": "ABC123", "min_cameras": 2, "delta_seconds": 120}},
    "multi_place": {**SEARCH, "query": {"windows": [{"cameras": ["il-c1"]}]}},
    "frequent_visitor": {**SEARCH, "query": {"cameras": ["il-c1"], "min_days": 3}},
    "hold_rejected": {**HOLD_DECISION, "note": "too vague"},
    "export": {"what": "backup", "include_keys": False},
    "sharing_change": {"action": "add", **AGREEMENT},
    "hotlist_change": {"action": "create", "entity": "hotlist", "hotlist_id": "hl-1",
                       "hotlist": "Stolen", "details": "created list Stolen (stolen_vehicle)",
                       "entries": [], "entry_count": 0},
    "hotlist_alert": {"alert_id": "al-1", "read_id": 7, "hotlist_id": "hl-1", "entry_id": "he-1",
                      "camera_id": "il-c1", "list_owner": "tx-test-pd",
                      "camera_owner": "il-test-pd", "decision": "allow",
                      "rule_ids": ["IL.sharing.out_of_state"], "owner_informed": False},
    "user_change": {"action": "password_reset", "user": "il-officer"},
    "token_change": {"action": "issue", "for_user": "u1", "label": "ci", "token": "t-1",
                     "scopes": "all", "expires_at": None},
    "config_change": {"action": "retention", "retention_days": None, "previous": 180},
    "analysis_policy_change": {
        "settings": {"convoy": {"purposes": ["homicide"], "waive_supervisor_hold": False}},
        "previous": {"convoy": None},
    },
    "login": {"method": "password", "session": "t-2"},
    "token_use": {"token": "0123456789ab"},
    "purge": PURGE,
    "legal_hold": {"action": "place", "case_number": "25-1", "read_ids": [1, 2], "note": "kept"},
    "crop_view": {"crop": "sha256:" + "a" * 64, "read_ids": [1], "reads": 1},
    "assist_request": {"action": "create", "id": "as-1", "on_behalf_of": "il-other-pd",
                       "case_number": "B-25-7", "requested_by": "Sgt. Ames, 555-0100",
                       "requested_at": "2025-01-01T00:00:00+00:00",
                       "expires_at": "2025-01-31T00:00:00+00:00", "note": ""},
    "key_rotation": {"old_key": "log+0a0b0c0d+AQ==", "new_key": "log+01020304+AQ=="},
    "ingest": {"source": "api", "received": 3, "accepted": 2, "refused": 1, "not_retained": 0,
               "first_read_id": 10, "last_read_id": 11},
    "alert_delivery": {"alert_id": "al-1", "read_id": 7, "channel": "webhook",
                       "status": "delivered", "webhook_id": "wh-1",
                       "url": "https://hooks.example.org/a?token=REDACTED", "attempts": 1},
    "audit_recovery": {"lost_from": 10, "checkpoint_size": 60, "checkpoint_root": "ab" * 32,
                       "note": "disk replaced"},
}  # fmt: skip
MORE: list[tuple[str, dict[str, Any]]] = [
    ("legal_hold", {"action": "place", "case_number": "25-1", "read_ids": [1], "note": "kept",
                    "expires_at": "2026-01-01T00:00:00+00:00"}),
    ("legal_hold", {"action": "lapse", "case_number": "25-1", "read_ids": [1], "note": "due"}),
    ("config_change", {"action": "webhook_private_networks",
                       "private_networks": ["10.20.0.0/16"], "previous_networks": []}),
    ("config_change", {"action": "webhook_revoke", "webhook_id": "wh-1",
                       "url": "https://hooks.example.org/a"}),
    ("alert_delivery", {"alert_id": "al-1", "read_id": 7, "channel": "sse", "status": "sent"}),
    ("ingest", {"source": "file:reads.csv", "received": 2, "accepted": 0, "refused": 2,
                "not_retained": 0, "first_read_id": None, "last_read_id": None}),
    ("user_change", {"action": "lockout", "user": "u1", "failures": 5,
                     "until": "2025-01-01T00:15:00Z"}),
    ("user_change", {"action": "create", "user": "u1", "agency": "il-test-pd", "role": "officer"}),
    ("login", {"method": "password", "reason": "locked", "via": "password_change"}),
    ("login", {"method": "password", "reason": "unknown_user", "user_id_hash": "0123456789ab"}),
    ("login", {"method": "password", "reason": "bad_password", "failures": 2}),
    ("login", {"token": "0123456789ab"}),
    ("token_change", {"action": "issue", "for_user": "u1", "label": "ci", "token": "t-1",
                      "scopes": ["search"], "expires_at": "2025-02-01T00:00:00"}),
    ("token_change", {"action": "issue", "for_user": "u1", "label": "demo", "token": "t-1"}),
    ("token_change", {"action": "revoke", "for_user": "u1", "token": "t-1"}),
    ("export", {"what": "audit_bundle", "profile": "public", "out": "bundle"}),
    ("export", {"what": "network_audit", "of": "il-net", "format": "flock-network",
                "profile": "records-request"}),
    ("export", {"what": "reads_parquet", "out": "/data/parquet"}),
    ("export", {"what": "reads_lake", "out": "s3://bucket/lake"}),
    ("sharing_change", {"action": "revoke", **AGREEMENT, "grantee_kind": "agency",
                        "grantee": "tx-test-pd", "radius_km": None,
                        "revoked_at": "2025-02-01T00:00:00+00:00", "active": False}),
    ("sharing_change", {"action": "declaration_accept", "id": "dec-1", "state": "IL",
                        "kind": "written_declaration", "owner_agency": "il-test-pd",
                        "note": "seen", "status": "accepted",
                        "before": {"status": "pending", "declaring_agency": "tx-test-pd"},
                        "after": {"status": "accepted", "declaring_agency": "tx-test-pd"}}),
    ("hold_approved", {**HOLD_DECISION, "decided_for": "il-test-pd", "networks": ["il-net"],
                       "rules": ["IL.purpose.prohibited.immigration_enforcement"],
                       "evidence": [{"start": 0, "end": 3, "text": "HSI", "term": "hsi",
                                     "class": "immigration_enforcement"}],
                       "expires_at": "2025-01-02T00:00:00+00:00"}),
    ("sharing_change", {"action": "declaration", "id": "dec-1", "state": "IL",
                        "kind": "written_declaration", "signed_at": "2025-01-01T00:00:00+00:00",
                        "document_ref": "doc-7"}),
    ("config_change", {"action": "agency_policy", "require_specific_reason": True,
                       "prohibited_purposes": ["immigration_enforcement"]}),
    ("config_change", {"action": "camera_register", "camera_id": "c-1", "network_id": "il-net",
                       "name": "Main St", "lat": 41.88, "lon": -87.63, "heading": None,
                       "mobile": False}),
    ("config_change", {"action": "camera_retire", "camera_id": "c-1"}),
    ("config_change", {"action": "webhook_add", "webhook_id": "wh-1"}),
    ("config_change", {"action": "matrix_probe"}),
    ("hotlist_change", {**ALERT, "characters_match": True, "state_match": True,
                        "entry_active": True, "entry_active_now": False, "status": "rejected"}),
    ("hotlist_change", {**ALERT, "action": "disposition", "disposition": "misread"}),
    ("crop_view", {"crop": "invalid", "reason": "no crop of a read of the caller's agency"}),
    ("assist_request", {"action": "revoke", "id": "as-1", "on_behalf_of": "il-other-pd",
                        "case_number": "B-25-7", "expires_at": "2025-01-31T00:00:00+00:00",
                        "revoked_at": "2025-01-02T00:00:00+00:00"}),
    ("purge", {**PURGE, "source": "lake"}),
    ("purge", {"what": "evidence crops", "network": "il-net,tx-net",
               "owner_agency": "il-test-pd,tx-test-pd", "cutoff": "2025-01-02T00:00:00+00:00",
               "rows_purged": 0, "crops_deleted": 2}),
]  # fmt: skip
SYSTEM = User(UserId("system"), AgencyId("plateledger"), "plateledger retention", "admin")
SUPERVISOR = User(UserId("il-sup"), AgencyId("il-test-pd"), "Sup", "supervisor")


def _recorded(kind: str, user: User, purpose: Purpose, query: dict[str, Any]) -> AuditEvent:
    """What the search recorder writes for a search-log entry (holds.decide, record_purge)."""
    return audit_event(SearchLogEntry(f"x-{kind}", AT, user, kind, purpose, query, ()), "api")


def _event(kind: str, subject: dict[str, Any]) -> AuditEvent:
    return AuditEvent(AT, "api", kind, "u", "a", "success", subject)  # type: ignore[arg-type]


def test_the_literal_lists_exactly_the_registered_types() -> None:
    assert set(get_args(EventType)) == set(EVENT_CLASSES) == EVENT_TYPES
    assert len(EVENT_CLASSES) == 27 and set(EXAMPLES) == set(EVENT_CLASSES)


@pytest.mark.parametrize("kind", sorted(EVENT_CLASSES))
def test_every_type_is_a_frozen_documented_class(kind: str) -> None:
    cls = EVENT_CLASSES[kind]
    assert cls.event_type == kind
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert "__slots__" in cls.__dict__
    for klass in (cls, *cls.layouts):
        summary, _, meanings = describe(klass)
        assert undocumented(klass) == [] and summary.endswith(".")
        assert set(meanings) <= set(field_kinds(klass)), "documents a field that does not exist"
    typed = cls.from_subject(EXAMPLES[kind])
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(typed, next(iter(field_kinds(cls))), "changed")
    assert not hasattr(typed, "__dict__")


def test_register_refuses_undocumented_and_duplicate_types() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Quiet(AuditSubject):
        event_type: ClassVar[str] = "quiet"
        what: str

    with pytest.raises(TypeError, match="lacks a summary, what"):
        register(Quiet)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Again(AuditSubject):
        """A second search type.

        what: anything.
        """

        event_type: ClassVar[str] = "search"
        what: str

    with pytest.raises(TypeError, match="registered twice"):
        register(Again)
    assert "quiet" not in EVENT_CLASSES and EVENT_CLASSES["search"] is Search


@pytest.mark.parametrize(
    "kind",
    ["deleted", "SEARCH", "search ", "se\u200barch", "\u0455earch", "ｓｅａｒｃｈ", "search\u0301",
     "hold-approved", ""],
)  # fmt: skip
def test_an_unregistered_type_is_refused(kind: str) -> None:
    with pytest.raises(AuditEventError) as info:
        _event(kind, SEARCH)
    assert info.value.field == "event_type"
    data = canonical_bytes(_event("search", SEARCH)).replace(b'"search"', orjson.dumps(kind), 1)
    with pytest.raises(AuditEventError) as info:
        parse_event(data)
    assert info.value.field == "event_type"


def test_a_str_subclass_cannot_pass_for_a_registered_type() -> None:
    class Sneaky(str):
        __slots__ = ()

        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return hash("search")

    with pytest.raises(AuditEventError, match="event_type"):
        _event(Sneaky("deleted"), SEARCH)
    event = _event(Sneaky("search"), SEARCH)
    assert type(event.event_type) is str and event.event_type == "search"
    with pytest.raises(AuditEventError, match="not a search event type"):
        search_event(at=AT, component="api", user_id="u", agency_id="a", outcome="success",
                     **{**SEARCH, "decisions": [ROW]}, event_type="export")  # fmt: skip


@pytest.mark.parametrize("kind", sorted(EVENT_CLASSES))
def test_a_missing_required_member_is_refused_by_name(kind: str) -> None:
    required = [n for n, how in field_kinds(EVENT_CLASSES[kind]).items() if how == "required"]
    if kind == "login":  # a login subject may be any of its optional members...
        assert required == []
        with pytest.raises(AuditEventError):  # ...but not an unknown one
            _event(kind, {"password": "typed"})
        return
    assert required
    for name in required:
        subject = {k: v for k, v in EXAMPLES[kind].items() if k != name}
        with pytest.raises(AuditEventError) as info:
            _event(kind, subject)
        assert info.value.field == f"subject.{name}" and "missing" in str(info.value)


@pytest.mark.parametrize("kind", sorted(EVENT_CLASSES))
def test_an_unknown_member_is_refused_by_name_never_by_value(kind: str) -> None:
    for extra in ("plate", "reason\u200b", "Action", "search_id " if kind != "search" else "x"):
        with pytest.raises(AuditEventError) as info:
            _event(kind, {**EXAMPLES[kind], extra: "XYZ987"})
        assert info.value.field == f"subject.{extra}" and "XYZ987" not in str(info.value)


def test_a_look_alike_member_does_not_stand_in_for_a_required_one() -> None:
    subject = {k: v for k, v in SEARCH.items() if k != "reason"} | {"r\u0435ason": "x"}
    with pytest.raises(AuditEventError) as info:
        _event("search", subject)
    assert info.value.field == "subject.reason"


@pytest.mark.parametrize("kind", sorted(EVENT_CLASSES))
def test_one_example_of_each_type_round_trips(kind: str) -> None:
    typed = EVENT_CLASSES[kind].from_subject(EXAMPLES[kind])
    assert typed.subject() == EXAMPLES[kind]
    event = make_event(typed, at=AT, component="api", user_id="u", agency_id=None,
                       outcome="denied", networks=["n2", "n1"])  # fmt: skip
    assert (event.event_type, event.outcome, event.networks) == (kind, "denied", ("n1", "n2"))
    data = canonical_bytes(event)
    parsed = parse_event(data)
    assert parsed == event and canonical_bytes(parsed) == data
    assert type(typed).from_subject(parsed.subject) == typed
    assert canonical_bytes(_event(kind, EXAMPLES[kind])) == canonical_bytes(
        dataclasses.replace(event, user_id="u", agency_id="a", outcome="success", networks=())
    )


def _fits(kind: str, subject: dict[str, Any]) -> type[AuditSubject]:
    cls = EVENT_CLASSES[kind]
    fitting = [c for c in (cls, *cls.layouts) if c.misfit(subject) is None]
    assert len(fitting) == 1, f"{kind}: {subject} fits {fitting}"
    return fitting[0]


@pytest.mark.parametrize(("kind", "subject"), [*EXAMPLES.items(), *MORE])
def test_every_subject_written_today_fits_and_comes_back_unchanged(
    kind: str, subject: dict[str, Any]
) -> None:
    cls = _fits(kind, subject)
    assert cls.from_subject(subject).subject() == subject  # nulls kept, absent members absent
    before = canonical_bytes(_event(kind, subject))
    after = make_event(cls.from_subject(subject), at=AT, component="api", user_id="u",
                       agency_id="a")  # fmt: skip
    assert canonical_bytes(after) == before


def test_the_recorders_hold_decisions_and_purges_fit() -> None:
    purpose = Purpose("stolen_vehicle", "25-1", "stolen car")
    for kind in ("hold_approved", "hold_rejected"):
        event = _recorded(kind, SUPERVISOR, purpose, {"search_id": "s-1", "note": "ok"})
        assert event.subject == HOLD_DECISION and _fits(kind, event.subject) is not Purge
    receipt = {"day": "2025-01-01", "networks": ["il-net"], "network": "il-net",
               "owner_agency": "il-test-pd", "cutoff": "2025-01-02", "rows_purged": 4,
               "bytes_freed": 512}  # fmt: skip
    event = _recorded("purge", SYSTEM, Purpose("retention", "-", "IL.retention"), receipt)
    assert _fits("purge", event.subject) is PurgeSearchLogLayout
    assert event.networks == ("il-net",) and event.subject["reason"] == "IL.retention"


def test_a_purge_fitting_no_layout_is_refused_naming_the_receipts_member() -> None:
    legacy = {k: v for k, v in MORE[-1][1].items() if k != "crops_deleted"}
    with pytest.raises(AuditEventError) as info:
        _event("purge", legacy)
    assert info.value.field == "subject.networks"  # the first the typed receipt misses
    with pytest.raises(AuditEventError) as info:
        _event("purge", {**PURGE, "what": "evidence crops"})  # two layouts mixed: neither
    assert info.value.field == "subject.what"
    assert _fits("purge", MORE[-1][1]) is CropSweepLayout


def test_purge_receipt_event() -> None:
    event = purge_receipt_event(
        at=AT, component="cli", owner_agency="il-test-pd", networks=("il-net", "il-mobile"),
        day=date(2025, 1, 1), cutoff=AT - timedelta(days=60), rule="agency.il-test-pd.retention",
        window_minutes=60 * 1440, rows_purged=12, bytes_freed=3456, source="lake",
    )  # fmt: skip
    assert (event.event_type, event.user_id, event.agency_id) == ("purge", "system", "plateledger")
    assert (event.component, event.outcome) == ("cli", "success")
    assert event.networks == ("il-mobile", "il-net")
    assert event.subject == {
        "owner_agency": "il-test-pd", "networks": ["il-net", "il-mobile"],
        "network": "il-net,il-mobile", "day": "2025-01-01",
        "cutoff": "2025-01-03T05:06:07.000089Z", "rule": "agency.il-test-pd.retention",
        "window_minutes": 60 * 1440, "rows_purged": 12, "bytes_freed": 3456, "source": "lake",
    }  # fmt: skip
    assert _fits("purge", event.subject) is Purge
    assert parse_event(canonical_bytes(event)) == event
    minutes = purge_receipt_event(
        at=AT, component="api", owner_agency="nh-pd", networks=["nh-net"], day="2025-01-01",
        cutoff=date(2025, 1, 2), rule="NH.retention.non_hit", window_minutes=3, rows_purged=1,
        bytes_freed=0, source="store",
    )  # fmt: skip
    assert minutes.subject["window_minutes"] == 3 and minutes.subject["cutoff"] == "2025-01-02"


def test_optional_members_are_left_out_and_nullable_ones_kept_as_null() -> None:
    issued = TokenChange(action="issue", for_user="u", token="t", label="x", expires_at=None)
    assert issued.subject() == {"action": "issue", "for_user": "u", "token": "t", "label": "x",
                                "expires_at": None}  # fmt: skip
    assert "expires_at" not in TokenChange(action="revoke", for_user="u", token="t").subject()
    assert ConfigChange(action="camera_retire", camera_id="c").subject() == {
        "action": "camera_retire", "camera_id": "c"}  # fmt: skip
    assert Export(what="backup", include_keys=False).subject()["include_keys"] is False
    assert HoldApproved(**HOLD_DECISION).subject() == HOLD_DECISION
    with pytest.raises(TypeError):
        HoldApproved(search_id="s-1")  # type: ignore[call-arg]


def test_the_reference_lists_every_type_and_member() -> None:
    text = event_reference()
    for kind, cls in EVENT_CLASSES.items():
        section = text.split(f"### `{kind}`\n", 1)[1].split("\n### ", 1)[0]
        assert describe(cls)[0] in section
        for klass in (cls, *cls.layouts):
            assert all(f"| `{name}` |" in section for name in field_kinds(klass))
    assert "| `expires_at` | string or null | when set (may be null) |" in text
    assert "| `label` | string | when set |" in text  # optional: never null


def test_write_reference_replaces_only_the_marked_section(tmp_path: Path) -> None:
    doc = tmp_path / "audit.md"
    doc.write_text(f"# Audit\n\nintro\n\n{START}\nold\n{END}\n\n## Next\n")
    assert write_reference(doc) is True and write_reference(doc) is False
    text = doc.read_text()
    assert text.startswith("# Audit\n\nintro\n\n") and text.endswith(f"{END}\n\n## Next\n")
    assert text.split(START)[1].split(END)[0] == "\n" + event_reference()
    (tmp_path / "bare.md").write_text("# no markers\n")
    with pytest.raises(ValueError, match="markers"):
        write_reference(tmp_path / "bare.md")
