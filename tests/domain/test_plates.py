"""Plate canonicalisation, confusable folding and confusion-aware matching."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plateledger.domain.plates import (
    CONFUSABLE_CLASSES,
    Edit,
    PlateMatch,
    canonicalize,
    fold,
    match,
)
from plateledger.errors import ValidationError

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
FOLDED = set("0123456789") | (set(ALNUM) - set("ODQILBSZG"))
plates = st.text(alphabet=ALNUM, min_size=1, max_size=10)
# Small alphabet rich in confusables, so that generated pairs are often close.
close_plates = st.text(alphabet="AB8O0DQ1IS5Z2X", min_size=1, max_size=8)
raw_text = st.text(
    alphabet=st.sampled_from(list(ALNUM.lower() + ALNUM + " -._·/ＡＢ１２é")), max_size=14
)


# --- canonicalize -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("ABC1234", "ABC1234"),
        ("abc-1234", "ABC1234"),
        ("7 abc 123", "7ABC123"),
        ("AB.12_34", "AB1234"),
        ("ab·12•34", "AB1234"),
        ("ＡＢＣ１２３", "ABC123"),  # full-width, NFKC-normalised
        ("\tx1\n", "X1"),
        ("ABCDEFGHIJ", "ABCDEFGHIJ"),
    ],
)
def test_canonicalize(raw: str, canonical: str) -> None:
    assert canonicalize(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "empty"),
        (" - . ", "empty"),
        ("ABCDEFGHIJK", "too long (11 characters"),
        ("AB#123", "bad character '#' at position 3"),
        ("ÉCOLE1", "bad character 'É' at position 1"),
    ],
)
def test_canonicalize_rejects(raw: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        canonicalize(raw)
    assert info.value.message.startswith("plate: ")
    assert fragment in info.value.message
    assert info.value.details is not None and info.value.details["field"] == "plate"


def test_canonicalize_error_does_not_echo_the_plate() -> None:
    with pytest.raises(ValidationError) as info:
        canonicalize("SECRET#1")
    assert "SECRET" not in info.value.message


@given(raw_text)
def test_canonicalize_is_idempotent(raw: str) -> None:
    try:
        once = canonicalize(raw)
    except ValidationError:
        assume(False)
        return
    assert canonicalize(once) == once


# --- fold ------------------------------------------------------------------------------------


def test_confusable_classes_are_exactly_the_documented_ones() -> None:
    assert set(CONFUSABLE_CLASSES) == {
        frozenset("0ODQ"),
        frozenset("1IL"),
        frozenset("8B"),
        frozenset("5S"),
        frozenset("2Z"),
        frozenset("6G"),
    }


def test_fold_maps_to_the_class_digit() -> None:
    assert fold("ODQ0") == "0000"
    assert fold("IL1") == "111"
    assert fold("B8S5Z2G6") == "88552266"
    assert fold("ACEFHXY79") == "ACEFHXY79"


@given(plates)
def test_fold_is_idempotent(plate: str) -> None:
    assert fold(fold(plate)) == fold(plate)


@given(raw_text)
def test_fold_of_canonical_uses_only_digits_and_unconfusable_letters(raw: str) -> None:
    try:
        canonical = canonicalize(raw)
    except ValidationError:
        assume(False)
        return
    assert set(fold(canonical)) <= FOLDED


# --- match -----------------------------------------------------------------------------------


def test_exact_match() -> None:
    result = match("ABC1234", "ABC1234", 0)
    assert result == PlateMatch("ABC1234", 0.0, (), 1.0)
    assert result.why() == "exact"


def test_confusable_substitution_costs_a_quarter() -> None:
    result = match("ABCO123", "ABC0123", 0)
    assert result is not None
    assert result.cost == 0.25
    assert result.edits == (Edit("confusable", 3, "O", "0"),)
    assert result.why() == "confusable O↔0 at position 4"
    assert result.similarity == pytest.approx(1 - 0.25 / 7)


def test_mixed_edits_are_explained() -> None:
    result = match("ABS1B34", "ABX1834", 2)
    assert result is not None
    assert result.cost == 1.25
    assert result.edits == (
        Edit("substitute", 2, "S", "X"),
        Edit("confusable", 4, "B", "8"),
    )
    assert result.why() == "1 substitution (S→X at 3), 1 confusable (B↔8 at 5)"


def test_insertions_and_deletions() -> None:
    inserted = match("ABC123", "ABC1234", 1)
    assert inserted is not None and inserted.edits == (Edit("insert", 6, "", "4"),)
    assert inserted.why() == "insertion of 4 at position 7"
    deleted = match("ABC1234", "AB1234", 1)
    assert deleted is not None and deleted.edits == (Edit("delete", 2, "C", ""),)
    assert deleted.why() == "deletion of C at position 3"
    both = match("XABC123", "ABC1234", 2)
    assert both is not None and both.why() == "1 insertion (+4 at 8), 1 deletion (-X at 1)"


def test_too_far_is_none() -> None:
    assert match("ABC1234", "XYZ1234", 2) is None
    assert match("ABC1234", "ABX1234", 0) is None
    assert match("ABC1234", "ABC12", 1) is None
    assert match("ABC1234", "ABC12", 2) is not None


def test_distance_zero_accepts_any_number_of_confusables() -> None:
    result = match("O0O0O0O0", "0O0O0O0O", 0)
    assert result is not None
    assert result.cost == 2.0
    assert {e.op for e in result.edits} == {"confusable"}


def test_ties_prefer_confusables_over_real_edits() -> None:
    # Delete X + 4 confusables, or substitute X→0 + delete the last 0: both cost 2.0.
    result = match("XO0O0", "0O0O", 2)
    assert result is not None and result.cost == 2.0
    assert [e.op for e in result.edits] == ["delete"] + ["confusable"] * 4


def test_negative_distance_is_rejected() -> None:
    with pytest.raises(ValidationError, match="max_distance"):
        match("A", "B", -1)


@given(plates)
def test_match_with_itself_is_exact(plate: str) -> None:
    result = match(plate, plate, 0)
    assert result is not None and result.cost == 0 and result.edits == ()
    assert result.similarity == 1.0


@given(close_plates, close_plates)
def test_match_cost_is_symmetric(a: str, b: str) -> None:
    forward, backward = match(a, b, 10), match(b, a, 10)
    assert forward is not None and backward is not None
    assert forward.cost == backward.cost


@given(close_plates, close_plates)
def test_match_cost_is_the_weighted_levenshtein_distance(a: str, b: str) -> None:
    result = match(a, b, 10)
    assert result is not None
    if fold(a) == fold(b):  # aligned position by position, by definition
        assert result.cost == sum(x != y for x, y in zip(a, b, strict=True)) / 4
        assert result.cost >= reference_distance(a, b)
    else:
        assert result.cost == reference_distance(a, b)
    assert 0.0 <= result.similarity <= 1.0


@given(close_plates, close_plates)
def test_edits_explain_the_match(a: str, b: str) -> None:
    result = match(a, b, 10)
    assert result is not None
    assert apply_edits(a, result.edits) == b
    weights = {"confusable": 0.25, "substitute": 1.0, "insert": 1.0, "delete": 1.0}
    assert sum(weights[e.op] for e in result.edits) == result.cost


@given(plates, st.data())
def test_confusable_only_differences_cost_a_quarter_each(plate: str, data: st.DataObject) -> None:
    classes = {c: cls for cls in CONFUSABLE_CLASSES for c in cls}
    positions = [i for i, c in enumerate(plate) if c in classes]
    chosen = data.draw(st.sets(st.sampled_from(positions)) if positions else st.just(set()))
    chars = list(plate)
    for i in chosen:
        chars[i] = data.draw(st.sampled_from(sorted(classes[plate[i]] - {plate[i]})))
    result = match(plate, "".join(chars), 0)
    assert result is not None
    assert result.cost == 0.25 * len(chosen)
    assert all(e.op == "confusable" for e in result.edits)
    assert match(plate, "".join(chars), 2) == result


def reference_distance(a: str, b: str) -> float:
    """Textbook weighted Levenshtein with float costs, for comparison."""
    same = {c: i for i, cls in enumerate(CONFUSABLE_CLASSES) for c in cls}
    prev = [float(j) for j in range(len(b) + 1)]
    for i, x in enumerate(a, start=1):
        cur = [float(i)]
        for j, y in enumerate(b, start=1):
            sub = 0.0 if x == y else 0.25 if same.get(x, x) == same.get(y, y) else 1.0
            cur.append(min(prev[j - 1] + sub, prev[j] + 1, cur[j - 1] + 1))
        prev = cur
    return prev[-1]


def apply_edits(query: str, edits: tuple[Edit, ...]) -> str:
    """Rebuild the candidate from the query and the edits (positions are in the query)."""
    out: list[str] = []
    pending = sorted(edits, key=lambda e: (e.position, e.op != "insert"))
    i = 0
    for position in range(len(query) + 1):
        while i < len(pending) and pending[i].position == position and pending[i].op == "insert":
            out.append(pending[i].plate_char)
            i += 1
        if position == len(query):
            break
        edit = pending[i] if i < len(pending) and pending[i].position == position else None
        if edit is None:
            out.append(query[position])
        else:
            i += 1
            if edit.op != "delete":
                assert edit.query_char == query[position]
                out.append(edit.plate_char)
    return "".join(out)
