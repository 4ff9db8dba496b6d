"""State passenger plate formats: the packaged data, checks and confusable fixes."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from plateledger.domain.plate_formats import (
    DATA_FILE,
    FormatCheck,
    PlateFormatDataError,
    check_plate,
    confusable_fixes,
    formats_for,
    parse_formats,
    state_name,
)
from plateledger.domain.types import US_STATES
from plateledger.errors import ValidationError


def raw_data() -> dict[str, Any]:
    text = resources.files("plateledger.domain").joinpath(DATA_FILE).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_all_states_and_dc_have_formats() -> None:
    assert len(US_STATES) == 51
    for code in US_STATES:
        formats = formats_for(code)
        assert formats, code
        for fmt in formats:
            assert fmt.description and fmt.note and fmt.confidence in ("high", "medium", "low")
            assert 1 <= len(fmt.slots) <= 10
    assert set(raw_data()["states"]) == set(US_STATES)


@pytest.mark.parametrize(
    ("state", "plate", "pattern"),
    [
        ("CA", "7ABC123", "DLLLDDD"),
        ("TX", "ABC1234", "LLLDDDD"),
        ("TX", "AB1C234", "LLDLDDD"),
        ("NY", "ABC1234", "LLLDDDD"),
        ("IL", "AB12345", "LLDDDDD"),
        ("FL", "ABCD12", "LLLLDD"),
        ("FL", "1234AB", "DDDDLL"),
        ("MD", "1AB2345", "DLLDDDD"),
        ("NJ", "A12BCD", "LDDLLL"),
        ("MO", "AB1C2D", "LLDLDL"),
        ("DE", "123456", "DDDDDD"),
        ("AK", "ABC123", "LLLDDD"),
        ("PA", "ABC1234", "LLLDDDD"),
    ],
)
def test_known_formats(state: str, plate: str, pattern: str) -> None:
    result = check_plate(plate, state)
    assert result == FormatCheck(plate, state, True, pattern, (), result.message)
    assert pattern in result.message
    assert pattern in [f.pattern for f in formats_for(state)]


@pytest.mark.parametrize(
    ("state", "plate"),
    [("CA", "ABC1234"), ("TX", "1ABC234"), ("NY", "ABCD12"), ("DE", "ABC123")],
)
def test_wrong_format_is_not_valid(state: str, plate: str) -> None:
    result = check_plate(plate, state)
    assert not result.valid and result.matched_format is None


def test_confusable_fixes() -> None:
    result = check_plate("ABC1Z34", "TX")
    assert not result.valid
    assert result.confusable_fixes == ("ABC1234",)
    assert "1 confusable reading would fit" in result.message
    # A zero where California has a letter: every letter of the 0/O/D/Q class is offered.
    ca = check_plate("7AB0123", "CA")
    assert ca.confusable_fixes == ("7ABD123", "7ABO123", "7ABQ123")


def test_fixes_fewest_swaps_first() -> None:
    data = raw_data()
    data["states"]["OH"]["formats"] = [
        {"pattern": p, "description": p, "note": "test", "confidence": "low"}
        for p in ("DDD", "LLL")
    ]
    formats = parse_formats(dump(data), "copy.yaml")["OH"].formats
    # One swap to fit LLL (three ways), two swaps to fit DDD.
    assert confusable_fixes("O0O", formats) == ("ODO", "OOO", "OQO", "000")


def test_valid_plates_get_no_fixes_and_unfixable_plates_none() -> None:
    assert check_plate("7ABC123", "CA").confusable_fixes == ()
    result = check_plate("XYZZYXW", "TX")
    assert not result.valid and result.confusable_fixes == ()
    assert "vanity" in result.message


def test_input_is_canonicalised_and_state_normalised() -> None:
    result = check_plate("7abc-123", " ca ")
    assert result.valid and result.plate == "7ABC123" and result.state == "CA"
    assert state_name("ca") == "California"


def test_messages_never_contain_the_plate() -> None:
    for plate, state in [("7ABC123", "CA"), ("ABC1Z34", "TX"), ("QQQQQQQ", "NY")]:
        assert plate not in check_plate(plate, state).message


@pytest.mark.parametrize("state", ["ZZ", "", "California", "PR"])
def test_unknown_state(state: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_plate("ABC1234", state)
    assert info.value.message.startswith("state: ")
    with pytest.raises(ValidationError, match="state"):
        formats_for(state)


def test_bad_plate_is_a_plate_error() -> None:
    with pytest.raises(ValidationError, match="^plate: "):
        check_plate("", "TX")


# --- data validation -------------------------------------------------------------------------


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data)


def test_packaged_data_parses() -> None:
    parsed = parse_formats(dump(raw_data()), "copy.yaml")
    assert set(parsed) == set(US_STATES)


def test_unknown_state_code_fails_loudly() -> None:
    data = raw_data()
    data["states"]["XX"] = data["states"]["TX"]
    with pytest.raises(PlateFormatDataError, match=r"^copy\.yaml: states\.XX: unknown state code"):
        parse_formats(dump(data), "copy.yaml")


def test_missing_state_fails_loudly() -> None:
    data = raw_data()
    del data["states"]["WY"]
    with pytest.raises(PlateFormatDataError, match=r"copy\.yaml: states: missing WY"):
        parse_formats(dump(data), "copy.yaml")


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("LLQDDD", "unknown pattern letter 'Q'"),
        ("LLL-DDD", "unknown pattern letter '-'"),
        ("L\\1", "must be followed by a letter"),
        ("DDDDDDDDDDD", "1..10 characters"),
    ],
)
def test_bad_pattern_fails_loudly(pattern: str, fragment: str) -> None:
    data = raw_data()
    data["states"]["OH"]["formats"][1]["pattern"] = pattern
    with pytest.raises(PlateFormatDataError) as info:
        parse_formats(dump(data), "copy.yaml")
    assert info.value.message.startswith("copy.yaml: states.OH.formats[1].pattern: ")
    assert fragment in info.value.message


def test_literal_characters_in_patterns() -> None:
    data = raw_data()
    data["states"]["OH"]["formats"] = [
        {"pattern": "\\XD7", "description": "X, digit, 7", "note": "test", "confidence": "low"}
    ]
    ohio = parse_formats(dump(data), "copy.yaml")["OH"].formats[0]
    assert ohio.matches("X17") and not ohio.matches("Y17") and not ohio.matches("X18")


def test_missing_fields_fail_loudly() -> None:
    data = raw_data()
    del data["states"]["OH"]["formats"][0]["note"]
    with pytest.raises(PlateFormatDataError, match=r"states\.OH\.formats\[0\]\.note"):
        parse_formats(dump(data), "copy.yaml")
    data = raw_data()
    data["states"]["OH"]["formats"][0]["confidence"] = "certain"
    with pytest.raises(PlateFormatDataError, match=r"states\.OH\.formats\[0\]\.confidence"):
        parse_formats(dump(data), "copy.yaml")
    with pytest.raises(PlateFormatDataError, match="top level"):
        parse_formats("- 1\n", "copy.yaml")
