"""The in-memory plate dictionary: membership, updates, wildcard and fuzzy search."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateledger.domain.plates import PlateMatch, fold, match
from plateledger.errors import ValidationError
from plateledger.search.plate_dictionary import (
    PlateDictionary,
    decode_array,
    encode,
    encode_array,
    fold_keys,
    fold_variants,
)

# A small alphabet full of confusables makes near misses (and so fuzzy hits) common.
plates = st.text(alphabet="AB8O0D1IX5S7", min_size=1, max_size=7)
plate_lists = st.lists(plates, max_size=60)
patterns = st.text(alphabet="AB8O0D1IX5S7??**", min_size=1, max_size=8)

PLATES = ["ABC1234", "ABC1284", "AB01234", "ABC123", "XYZ9", "A8C1234", "7ABC123", "ABC1234"]


def brute_fuzzy(plates: set[str], query: str, max_distance: int) -> list[PlateMatch]:
    found = [m for p in plates if (m := match(query, p, max_distance)) is not None]
    return sorted(found, key=lambda m: (m.cost, m.plate))


def brute_wildcard(plates: set[str], pattern: str) -> list[str]:
    regex = re.compile(re.escape(pattern).replace(r"\?", ".").replace(r"\*", ".*"))
    return sorted(p for p in plates if regex.fullmatch(p))


# --- building and membership -----------------------------------------------------------------


def test_build_dedupes_and_answers_membership() -> None:
    dictionary = PlateDictionary(PLATES)
    assert len(dictionary) == len(set(PLATES))
    assert "ABC1234" in dictionary and "XYZ9" in dictionary
    assert "ABC12" not in dictionary and "abc1234" not in dictionary
    assert 1234 not in dictionary and "" not in dictionary and "ABCDEFGHIJKL" not in dictionary


@pytest.mark.parametrize(
    "source",
    [
        pa.array(PLATES),
        pa.array(PLATES, pa.large_string()),
        pa.chunked_array([pa.array(PLATES[:3]), pa.array(PLATES[3:])]),
        pa.array(["PAD", *PLATES]).slice(1),
        iter(PLATES),
    ],
)
def test_arrow_and_iterable_inputs(source: object) -> None:
    dictionary = PlateDictionary(source)  # type: ignore[arg-type]
    assert dictionary.wildcard("*") == sorted(set(PLATES))


def test_empty_dictionary() -> None:
    dictionary = PlateDictionary()
    assert len(dictionary) == 0
    assert dictionary.wildcard("*") == [] and dictionary.fuzzy("ABC", 2) == []
    assert "ABC" not in dictionary


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (["ABC", "abc"], "plates[1]: not canonical"),
        (["ABC", "AB-C"], "plates[1]: not canonical"),
        (["ABCDEFGHIJK"], "plates[0]: must be 1..10 characters"),
        ([""], "plates[0]: must be 1..10 characters"),
        (["A", None], "plates[1]: null plate"),
        ("ABC123", "one string"),
        ([1, 2], "must be a string"),
    ],
)
def test_bad_plates_are_rejected(bad: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        PlateDictionary(bad)  # type: ignore[arg-type]
    assert fragment in info.value.message


def test_keys_round_trip_and_sort_like_strings() -> None:
    sample = sorted({"A", "AB", "ABC1234567", "Z", "0", "09", "9Z", "ZZZZZZZZZZ", "B8"})
    keys = encode_array(pa.array(sample))
    assert decode_array(keys).to_pylist() == sample
    assert list(keys) == sorted(keys)
    assert [encode(p) for p in sample] == [int(k) for k in keys]


# --- updates ---------------------------------------------------------------------------------


def test_add_and_discard() -> None:
    dictionary = PlateDictionary(PLATES)
    dictionary.add(["NEW1", "ABC1234", "NEW1"])
    assert len(dictionary) == len(set(PLATES)) + 1 and "NEW1" in dictionary
    dictionary.discard_all(["ABC1234", "NEW1", "NEVERSEEN"])
    assert "ABC1234" not in dictionary and "NEW1" not in dictionary
    assert len(dictionary) == len(set(PLATES)) - 1
    assert "ABC1234" not in dictionary.wildcard("ABC*")
    assert "ABC1234" not in [m.plate for m in dictionary.fuzzy("ABC1234", 1)]
    dictionary.add(pa.array(["ABC1234"]))
    assert "ABC1234" in dictionary and dictionary.fuzzy("ABC1234", 0)[0].plate == "ABC1234"


def test_large_batches_merge_into_the_main_index() -> None:
    rng = np.random.default_rng(3)
    batch = [f"P{n:06d}" for n in rng.choice(1_000_000, 3_000, replace=False)]
    dictionary = PlateDictionary(PLATES, merge_threshold=1_000)
    dictionary.add(batch)  # bulk: merged directly
    dictionary.add(batch[:10] + ["Q1"])  # small: delta
    assert len(dictionary) == len(set(PLATES)) + 3_001
    dictionary.discard_all(batch[:1_500])  # past the threshold: merged
    assert len(dictionary) == len(set(PLATES)) + 1_501
    expected = set(PLATES) | set(batch[1_500:]) | {"Q1"}
    assert dictionary.wildcard("*") == sorted(expected)


@settings(max_examples=60, deadline=None)
@given(plate_lists, st.lists(st.tuples(st.booleans(), plate_lists), max_size=6), plates)
def test_updates_match_a_set_model(
    initial: list[str], operations: list[tuple[bool, list[str]]], query: str
) -> None:
    dictionary = PlateDictionary(initial, merge_threshold=8)
    model = set(initial)
    for is_add, batch in operations:
        if is_add:
            dictionary.add(batch)
            model |= set(batch)
        else:
            dictionary.discard_all(batch)
            model -= set(batch)
        assert len(dictionary) == len(model)
    assert dictionary.wildcard("*") == sorted(model)
    assert all(p in dictionary for p in model)
    assert dictionary.fuzzy(query, 2) == brute_fuzzy(model, query, 2)


# --- wildcard --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("AB?12*", ["AB01234", "ABC123", "ABC1234", "ABC1284"]),
        ("ab-?12*", ["AB01234", "ABC123", "ABC1234", "ABC1284"]),
        ("*4", ["A8C1234", "AB01234", "ABC1234", "ABC1284"]),
        ("*C12*", ["7ABC123", "A8C1234", "ABC123", "ABC1234", "ABC1284"]),
        ("???1234", ["A8C1234", "AB01234", "ABC1234"]),
        ("?8C1234", ["A8C1234"]),
        ("ABC1234", ["ABC1234"]),
        ("ABC12345", []),
        ("X**9", ["XYZ9"]),
        ("*", sorted(set(PLATES))),
    ],
)
def test_wildcard_examples(pattern: str, expected: list[str]) -> None:
    assert PlateDictionary(PLATES).wildcard(pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [("", "empty"), (" - ", "empty"), ("AB%", "bad character '%'"), ("ABCDEFGHIJK*", "longer")],
)
def test_bad_patterns(pattern: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        PlateDictionary(PLATES).wildcard(pattern)
    assert info.value.message.startswith("pattern: ") and fragment in info.value.message


@settings(max_examples=150, deadline=None)
@given(plate_lists, patterns)
def test_wildcard_equals_a_regex_scan(plates_: list[str], pattern: str) -> None:
    dictionary = PlateDictionary(plates_)
    assert dictionary.wildcard(pattern) == brute_wildcard(set(plates_), pattern)


def test_wildcard_regex_prefilter_on_a_large_dictionary() -> None:
    rng = np.random.default_rng(5)
    numbers = rng.integers(0, 99_999, 160_000)
    plates_ = {f"{a}{n:05d}" for a, n in zip("ABCDEFGH" * 20_000, numbers, strict=True)}
    dictionary = PlateDictionary(plates_)
    for pattern in ["*1?3", "*1?3*", "?1*2?", "*12*", "A*7?", "??1234"]:
        assert dictionary.wildcard(pattern) == brute_wildcard(plates_, pattern), pattern


# --- fuzzy -----------------------------------------------------------------------------------


def test_fuzzy_examples() -> None:
    dictionary = PlateDictionary(PLATES)
    found = dictionary.fuzzy("abc-1234", 1)
    assert [(m.plate, m.cost) for m in found] == [
        ("ABC1234", 0.0),
        ("A8C1234", 0.25),
        ("AB01234", 1.0),
        ("ABC123", 1.0),
        ("ABC1284", 1.0),
    ]
    assert found[1].why() == "confusable B↔8 at position 2"
    assert [m.plate for m in dictionary.fuzzy("AB01234", 0)] == ["AB01234"]
    assert [m.plate for m in dictionary.fuzzy("ABCI234", 0)] == ["ABC1234", "A8C1234"]
    assert [m.plate for m in dictionary.fuzzy("ABC1234", 0)] == ["ABC1234", "A8C1234"]


@pytest.mark.parametrize("bad", [3, -1, True, 1.5])
def test_fuzzy_distance_must_be_0_1_or_2(bad: object) -> None:
    with pytest.raises(ValidationError, match="^max_distance: "):
        PlateDictionary(PLATES).fuzzy("ABC1234", bad)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(plate_lists, plates, st.integers(0, 2))
def test_fuzzy_equals_a_brute_force_scan(plates_: list[str], query: str, distance: int) -> None:
    dictionary = PlateDictionary(plates_)
    assert dictionary.fuzzy(query, distance) == brute_fuzzy(set(plates_), query, distance)


@given(plates, plates, st.integers(0, 2))
def test_fold_variants_cover_the_levenshtein_ball(query: str, other: str, distance: int) -> None:
    keys = fold_variants(query, distance)
    assert list(keys) == sorted(set(keys.tolist()))
    folded_other = int(fold_keys(encode_array(pa.array([other])))[0])
    inside = levenshtein(fold(query), fold(other)) <= distance
    assert (folded_other in set(keys.tolist())) == inside


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        cur = [i]
        for j, y in enumerate(b, start=1):
            cur.append(min(prev[j - 1] + (x != y), prev[j] + 1, cur[j - 1] + 1))
        prev = cur
    return prev[-1]
