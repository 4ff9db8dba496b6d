"""Audit event schema: canonical JSON (RFC 8785-style) is byte-stable, round-trips and is strict."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateledger.audit.event_base import field_kinds
from plateledger.audit.event_types import EVENT_CLASSES, ConfigChange, SearchRequest
from plateledger.audit.events import (
    OUTCOMES,
    SCHEMA_VERSION,
    AuditEvent,
    AuditEventError,
    canonical_bytes,
    parse_event,
    purge_receipt_event,
    search_event,
)
from plateledger.domain.types import AgencyId, NetworkId
from plateledger.policy.base import Decision

AT = datetime(2025, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
PLATE, REASON = "ÆBC·123", "stolen vehicle — victim's car ☃"


def _search(**overrides: Any) -> AuditEvent:
    args: dict[str, Any] = {
        "at": AT, "component": "api", "user_id": "il-officer", "agency_id": "il-test-pd",
        "outcome": "success", "search_id": "s-1", "purpose": "stolen_vehicle",
        "case_number": "2025-001", "reason": REASON, "on_behalf_of": None,
        "query": {"plate": PLATE, "since": AT - timedelta(days=7), "radius_km": 2.5},
        "decisions": [
            Decision(NetworkId("il-net"), AgencyId("il-test-pd"), "allow", ("R1",), "own network"),
            Decision(NetworkId("va-net"), AgencyId("va-test-pd"), "deny", ("R7", "R9"),
                     "out of state", flags=("reason_class",)),
        ],
        "networks_searched": ["il-net"], "networks_excluded": ["va-net"], "result_count": 3,
    }  # fmt: skip
    args.update(overrides)
    return search_event(**args)


def test_search_event_has_the_cjis_fields_and_a_golden_encoding() -> None:
    event = _search()
    assert event.networks == ("il-net", "va-net")
    assert event.subject["decisions"][1] == {
        "network": "va-net", "owner_agency": "va-test-pd", "decision": "deny",
        "rule_ids": ["R7", "R9"], "explanation": "out of state", "flags": ["reason_class"],
    }  # fmt: skip
    data = canonical_bytes(event)
    doc = json.loads(data)
    assert list(doc) == sorted(doc)
    assert doc["v"] == SCHEMA_VERSION == 1
    assert doc["at"] == "2025-03-04T05:06:07.000089Z"
    assert doc["subject"]["query"] == {"plate": PLATE, "radius_km": 2.5,
                                       "since": "2025-02-25T05:06:07.000089Z"}  # fmt: skip
    assert data == json.dumps(doc, ensure_ascii=False, sort_keys=True,
                              separators=(",", ":")).encode()  # fmt: skip
    assert PLATE.encode() in data  # UTF-8, not \u escapes


def test_golden_bytes_of_a_small_event() -> None:
    event = AuditEvent(AT, "cli", "login", "tx-admin", None, "failure",
                       {"reason": [1, 0.5, None, True], "method": "é\n"})  # fmt: skip
    assert canonical_bytes(event) == (
        b'{"agency_id":null,"at":"2025-03-04T05:06:07.000089Z","component":"cli",'
        b'"event_type":"login","networks":[],"outcome":"failure",'
        b'"subject":{"method":"\xc3\xa9\\n","reason":[1,0.5,null,true]},"user_id":"tx-admin",'
        b'"v":1}'
    )


def test_round_trip_is_exact_and_parse_is_strict_about_canonical_form() -> None:
    event = _search()
    data = canonical_bytes(event)
    parsed = parse_event(data)
    assert parsed == event
    assert canonical_bytes(parsed) == data
    spaced = json.dumps(json.loads(data), ensure_ascii=False).encode()
    with pytest.raises(AuditEventError, match="canonical"):
        parse_event(spaced)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.5, "0.5"), (-0.25, "-0.25"), (1.0, "1"), (-0.0, "0"), (123.456, "123.456"),
     (1e-6, "0.000001"), (1.5e-7, "1.5e-7"), (1e-7, "1e-7"), (4503599627370495.5,
     "4503599627370495.5"), (0.1 + 0.2, "0.30000000000000004"), (5e-324, "5e-324")],
)  # fmt: skip
def test_numbers_are_written_as_ecmascript_does(value: float, text: str) -> None:
    event = AuditEvent(
        AT, "api", "config_change", "u", "a", "success", {"action": "a", "lat": value}
    )
    assert f'"subject":{{"action":"a","lat":{text}}}'.encode() in canonical_bytes(event)


def test_members_are_sorted_by_utf16_code_units() -> None:
    event = _search(query={"\ue000": 1, "\U0001f600": 2, "a": 3})
    assert '"query":{"a":3,"😀":2,"\ue000":1}'.encode() in canonical_bytes(event)


def test_insertion_order_and_timezone_do_not_change_the_bytes() -> None:
    subject = {name: i for i, name in enumerate(field_kinds(ConfigChange))}
    keys = list(subject)
    random.Random(4).shuffle(keys)
    shuffled = {k: subject[k] for k in keys}
    local = AT.astimezone(timezone(timedelta(hours=-5)))
    a = AuditEvent(AT, "api", "config_change", "u", "a", "success", subject, ("n2", "n1", "n2"))
    b = AuditEvent(local, "api", "config_change", "u", "a", "success", shuffled, ("n1", "n2"))
    assert canonical_bytes(a) == canonical_bytes(b)
    assert a == b and a.networks == ("n1", "n2")


@pytest.mark.parametrize(
    ("subject", "field"),
    [({"lat": float("nan")}, "subject.lat"), ({"lat": float("inf")}, "subject.lat"),
     ({"lat": [2**53]}, "subject.lat[0]"), ({"lat": 1e300}, "subject.lat"), ({1: "a"}, "subject"),
     ({"lat": {"y": "\ud800"}}, "subject.lat.y"), ({"lat": {1, 2}}, "subject.lat"),
     ({"lat": datetime(2025, 1, 1)}, "subject.lat")],
)  # fmt: skip
def test_bad_values_are_rejected_naming_the_field(subject: dict[Any, Any], field: str) -> None:
    with pytest.raises(AuditEventError) as info:
        AuditEvent(AT, "api", "config_change", "u", "a", "success", {"action": "a", **subject})
    assert info.value.field == field
    assert info.value.details == {"field": field}
    assert info.value.code == "invalid_audit_event" and info.value.status == 422


def test_bad_top_level_fields_are_rejected_naming_the_field() -> None:
    good: dict[str, Any] = {"at": AT, "component": "api", "event_type": "login",
                            "user_id": "u", "agency_id": "a", "outcome": "success"}  # fmt: skip
    bad = [("at", datetime(2025, 1, 1)), ("component", ""), ("event_type", "deleted"),
           ("outcome", "ok"), ("user_id", None), ("agency_id", 3)]  # fmt: skip
    for name, value in bad:
        with pytest.raises(AuditEventError) as info:
            AuditEvent(**{**good, name: value})
        assert info.value.field == name
    with pytest.raises(AuditEventError, match="networks"):
        AuditEvent(**good, networks="il-net")  # type: ignore[arg-type]


def test_search_subject_requires_its_fields_and_errors_never_echo_the_reason() -> None:
    event = _search()
    for name in ("reason", "decisions", "result_count"):
        subject = {k: v for k, v in event.subject.items() if k != name}
        with pytest.raises(AuditEventError, match=f"subject.{name}"):
            AuditEvent(AT, "api", "search", "u", "a", "success", subject)
    with pytest.raises(AuditEventError, match=r"subject.decisions\[0\].rule_ids") as info:
        _search(decisions=[{"network": "n", "owner_agency": "o", "decision": "allow",
                            "explanation": "x"}])  # fmt: skip
    with pytest.raises(AuditEventError) as info:
        _search(reason=REASON + "\udc00")
    assert info.value.field == "subject.reason"
    assert REASON not in str(info.value) and PLATE not in str(info.value)


def test_parse_rejects_unknown_versions_and_bad_fields() -> None:
    doc = json.loads(canonical_bytes(_search()))

    def encode(d: dict[str, Any]) -> bytes:
        return orjson.dumps(d, option=orjson.OPT_SORT_KEYS)

    cases = [({**doc, "v": 2}, "v"), ({**doc, "v": True}, "v"), ({**doc, "extra": 1}, "extra"),
             ({k: v for k, v in doc.items() if k != "outcome"}, "outcome"),
             ({**doc, "at": "2025-03-04T05:06:07Z"}, "at"), ({**doc, "networks": "x"}, "networks"),
             ({**doc, "event_type": "nope"}, "event_type")]  # fmt: skip
    for bad, field in cases:
        with pytest.raises(AuditEventError) as info:
            parse_event(encode(bad))
        assert info.value.field == field
    for junk in (b"", b"[1]", b"\xff", b'{"v":1'):
        with pytest.raises(AuditEventError):
            parse_event(junk)
    assert parse_event(encode(doc)) == parse_event(canonical_bytes(_search()))


def test_purge_receipt() -> None:
    cutoff = AT - timedelta(days=21)
    event = purge_receipt_event(
        at=AT, component="retention", owner_agency="va-test-pd", networks=["va-net"],
        day=cutoff.date() - timedelta(days=1), cutoff=cutoff, rule="VA.retention",
        window_minutes=21 * 1440, rows_purged=1234, bytes_freed=56789, source="store",
    )  # fmt: skip
    assert (event.event_type, event.component, event.user_id) == ("purge", "retention", "system")
    assert event.networks == ("va-net",) and event.agency_id == "plateledger"
    assert event.subject["cutoff"] == "2025-02-11T05:06:07.000089Z"
    assert event.subject["day"] == "2025-02-10" and event.subject["network"] == "va-net"
    assert parse_event(canonical_bytes(event)) == event


# -- property: any well-formed event round-trips byte for byte ----------------------------

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
_scalars = (st.none() | st.booleans() | _text
            | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
            | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
            | st.floats(min_value=-1e-3, max_value=1e-3))  # fmt: skip
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_text, inner, max_size=4), max_leaves=12)  # fmt: skip
_times = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1),
                      timezones=st.timezones())  # fmt: skip


@st.composite
def _events(draw: st.DrawFn) -> AuditEvent:
    at = draw(_times)
    decision = st.fixed_dictionaries({
        "network": _text.filter(bool), "owner_agency": _text,
        "decision": st.sampled_from(["allow", "deny"]), "rule_ids": st.lists(_text, max_size=3),
        "explanation": _text,
    })  # fmt: skip
    decisions = draw(st.lists(decision, max_size=3))
    kind = draw(st.sampled_from(sorted(EVENT_CLASSES)))
    cls = EVENT_CLASSES[kind]
    if issubclass(cls, SearchRequest):
        return _search(at=at, reason=draw(_text), query={"plate": draw(_text), "x": draw(_json)},
                       decisions=decisions, case_number=draw(_text), event_type=kind)  # fmt: skip
    subject = {name: draw(_json) for name, how in field_kinds(cls).items()
               if how == "required" or draw(st.booleans())}  # fmt: skip
    return AuditEvent(
        at, draw(_text.filter(bool)), kind, draw(_text.filter(bool)),
        draw(st.none() | _text.filter(bool)), draw(st.sampled_from(sorted(OUTCOMES))), subject,
        tuple(draw(st.lists(_text.filter(bool), max_size=4))),
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(_events())
def test_any_event_round_trips_byte_for_byte(event: AuditEvent) -> None:
    data = canonical_bytes(event)
    parsed = parse_event(data)
    assert canonical_bytes(parsed) == data
    assert parsed == event
    assert canonical_bytes(AuditEvent(**{f: getattr(event, f) for f in event.__slots__})) == data


def test_a_subject_mutated_after_construction_is_still_checked_when_encoding() -> None:
    event = AuditEvent(AT, "api", "export", "u", "a", "success", {"what": "x", "out": 3})
    event.subject["out"] = float("nan")
    with pytest.raises(AuditEventError) as info:
        canonical_bytes(event)
    assert info.value.field == "subject.out"
    with pytest.raises(AuditEventError, match="event_type"):
        AuditEvent(AT, "api", ["search"], "u", "a", "success")  # type: ignore[arg-type]


_JSON_LEAF = (
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(-1e15, 1e15, allow_nan=False) | st.text(max_size=6)
)  # fmt: skip
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=4), _JSON, max_size=5))
def test_the_fast_encoding_of_a_normalised_subject_is_the_full_one(subject: dict[str, Any]) -> None:
    from plateledger.audit.events import _fragments, _json

    normal = _json(subject, "subject", fragments=False)
    assert orjson.dumps(_fragments(normal)) == orjson.dumps(
        _json(normal, "subject", fragments=True)
    )


def test_a_key_added_out_of_order_after_construction_still_encodes_canonically() -> None:
    event = AuditEvent(AT, "api", "export", "u", "a", "success", {"what": "x", "out": 3})
    event.subject["aaa"] = "late"  # appended last, sorts first
    event.subject["\u00e9t\u00e9"] = 1.5
    doc = orjson.loads(canonical_bytes(event))
    assert list(doc["subject"]) == ["aaa", "out", "what", "\u00e9t\u00e9"]
