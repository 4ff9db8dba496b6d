"""Plate-text post-processing on hand-made OCR lines (no models needed)."""

from __future__ import annotations

import dataclasses

import pytest

from plateledger.recognize.base import Candidate, Detection, OcrLine, PlateText
from plateledger.recognize.plate_text import choose_plate, estimate_state, is_junk


def line(
    raw: str,
    height: float = 40.0,
    alternatives: dict[int, tuple[tuple[str, float], ...]] | None = None,
) -> OcrLine:
    text = "".join(c for c in raw.upper() if c.isalnum())
    alts = tuple((alternatives or {}).get(i, ((c, 0.95),)) for i, c in enumerate(text))
    confs = tuple(a[0][1] for a in alts)
    return OcrLine(raw, text, confs, alts, height, 50.0)


def test_tallest_plate_like_line_wins_and_state_is_read() -> None:
    plate = choose_plate([line("California", 12), line("7ABC123", 40), line("dmv.ca.gov", 9)])
    assert plate is not None
    assert plate.text == "7ABC123"
    assert plate.state == "CA"
    assert plate.state_confidence is not None and 0.8 < plate.state_confidence <= 1.0
    assert len(plate.char_confidences) == 7
    assert plate.candidates[0] == Candidate("7ABC123", plate.confidence)


@pytest.mark.parametrize(
    "raw",
    ["12:45:09", "2017/03/04", "TEXAS", "Sunshine State", "dealer", "FORD", "A", "ABCDEFGHIJK"],
)
def test_non_plate_text_is_junk(raw: str) -> None:
    assert is_junk(line(raw))


@pytest.mark.parametrize("raw", ["1T4:3213", "ABC-1234", "7ABC123"])
def test_plate_with_emblem_colon_or_dash_is_kept(raw: str) -> None:
    assert not is_junk(line(raw))


def test_only_junk_gives_no_plate() -> None:
    assert choose_plate([line("12:45:09", 40), line("Florida", 30)]) is None
    assert choose_plate([]) is None


def test_small_text_is_not_taken_for_the_plate() -> None:
    plate = choose_plate([line("4ABC", 12), line("8XYZ321", 40)])
    assert plate is not None and plate.text == "8XYZ321"


def test_confusable_corrected_by_position_with_state_format() -> None:
    # California DLLLDDD: an "I" in a digit slot becomes "1" when the recogniser also saw a "1".
    alts = {4: (("I", 0.6), ("1", 0.35), ("L", 0.05))}
    plate = choose_plate([line("California", 12), line("7ABCI23", 40, alts)])
    assert plate is not None
    assert plate.text == "7ABC123"
    assert "7ABCI23" in {c.plate for c in plate.candidates}
    assert len(plate.candidates) <= 5
    assert [c.confidence for c in plate.candidates] == sorted(
        (c.confidence for c in plate.candidates), reverse=True
    )


def test_unproposed_swap_does_not_override_a_confident_read() -> None:
    plate = choose_plate([line("ABCDEF9", 40)])
    assert plate is not None and plate.text == "ABCDEF9"


def test_state_from_slogan_and_none_without_evidence() -> None:
    assert estimate_state([line("Land of Lincoln", 10)])[0] == "IL"
    assert estimate_state([line("ABC123", 40)]) == (None, None)


def test_result_types_are_frozen() -> None:
    detection = Detection((1, 2, 3, 4), 0.5)
    text = PlateText("ABC123", 0.9, (0.9,) * 6, (Candidate("ABC123", 0.9),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        detection.confidence = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        text.text = "X"  # type: ignore[misc]


def test_stray_edge_glyph_trimmed_only_when_the_state_is_named() -> None:
    named = choose_plate([line("ARIZONA", 20), line("4AYX8803", 40)])
    assert named is not None and named.text == "AYX8803" and named.state == "AZ"
    unnamed = choose_plate([line("4AYX8803", 40)])
    assert unnamed is not None and unnamed.text == "4AYX8803"
