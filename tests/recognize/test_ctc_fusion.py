"""CTC scoring and the fusion of two recognisers, on hand-made probability matrices (no models)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from plateledger.recognize import ctc
from plateledger.recognize.base import ALNUM, OcrLine
from plateledger.recognize.crnn import CrnnOutput
from plateledger.recognize.fusion import fuse
from plateledger.recognize.plate_text import choose_plate

CRNN_ALPHABET = "0123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


def matrix(steps: list[dict[str, float]], alphabet: str) -> np.ndarray:
    """One row per step: the given characters' probabilities, the rest to the blank ("_")."""
    probs = np.full((len(steps), len(alphabet) + 1), 1e-4, np.float32)
    for t, row in enumerate(steps):
        for char, p in row.items():
            probs[t, 0 if char == "_" else alphabet.index(char) + 1] = p
        probs[t, 0] += max(0.0, 1.0 - probs[t].sum())
    return probs


def spell(text: str, alphabet: str, p: float = 0.9) -> np.ndarray:
    """A confident emission of ``text``: each character then a blank."""
    steps: list[dict[str, float]] = []
    for char in text:
        steps += [{char: p}, {"_": 0.95}]
    return matrix(steps, alphabet)


def test_log_likelihood_prefers_what_was_seen_and_handles_repeats() -> None:
    probs = spell("AAB", "AB")
    assert ctc.log_likelihood(probs, "AAB", "AB") > ctc.log_likelihood(probs, "AB", "AB")
    assert ctc.log_likelihood(probs, "AAB", "AB") > math.log(0.3)
    assert ctc.log_likelihood(probs, "ABC", "AB") == -math.inf  # C is not in the alphabet
    assert ctc.log_likelihood(probs[:2], "AAB", "AB") == -math.inf  # too few steps


def test_letter_o_folds_to_zero_without_an_o_column() -> None:
    probs = spell("S0", CRNN_ALPHABET)
    assert ctc.log_likelihood(probs, "SO", CRNN_ALPHABET) == pytest.approx(
        ctc.log_likelihood(probs, "S0", CRNN_ALPHABET)
    )


def test_greedy_gives_text_confidences_and_alternatives() -> None:
    probs = matrix([{"7": 0.8, "T": 0.15}, {"_": 0.9}, {"B": 0.6, "8": 0.35}], CRNN_ALPHABET)
    text, confs, alts = ctc.greedy(probs, CRNN_ALPHABET)
    assert text == "7B"
    assert confs == pytest.approx((0.8, 0.6))
    assert [a[0] for a in alts[1][:2]] == ["B", "8"]


def _line(text: str, probs: np.ndarray) -> OcrLine:
    text_read, confs, alts = ctc.greedy(probs, ALNUM)
    assert text_read == text
    return OcrLine(text, text, confs, alts, 40.0, 20.0, probs)


def test_emblem_read_as_a_letter_is_dropped_when_the_crnn_skips_it() -> None:
    # PP-OCR reads the orange emblem of a Florida plate as a weak "L"; the CRNN skips it.
    pp_steps: list[dict[str, float]] = []
    for char in "SH0":
        pp_steps += [{char: 0.9}, {"_": 0.95}]
    pp_steps += [{"L": 0.55, "_": 0.4}, {"_": 0.95}]
    for char in "R7X":
        pp_steps += [{char: 0.9}, {"_": 0.95}]
    line = _line("SH0LR7X", matrix(pp_steps, ALNUM))
    crnn = CrnnOutput(spell("SH0R7X", CRNN_ALPHABET), CRNN_ALPHABET, "FL", 0.4)
    ranked = fuse(line, crnn, ())
    assert ranked[0][0] == "SH0R7X"
    assert len(ranked) == 5 and len({text for text, _, _ in ranked}) == 5
    assert all(0.0 < conf <= 1.0 for _, conf, _ in ranked)
    assert len(ranked[0][2]) == 6


def test_agreeing_recognisers_keep_the_letter_o_from_pp_ocr() -> None:
    line = _line("ROB123", spell("ROB123", ALNUM))
    crnn = CrnnOutput(spell("R0B123", CRNN_ALPHABET), CRNN_ALPHABET, "CA", 0.9)
    assert fuse(line, crnn, ())[0][0] == "ROB123"


def test_crnn_alone_only_when_confident() -> None:
    sure = CrnnOutput(spell("7ABC123", CRNN_ALPHABET), CRNN_ALPHABET, "CA", 0.9)
    assert fuse(None, sure, ())[0][0] == "7ABC123"
    unsure = CrnnOutput(spell("7ABC123", CRNN_ALPHABET, p=0.3), CRNN_ALPHABET, "CA", 0.9)
    assert fuse(None, unsure, ()) == []


def test_state_only_recogniser_gives_the_state_but_not_the_text() -> None:
    line = _line("7ABC123", spell("7ABC123", ALNUM))
    layout_only = CrnnOutput(spell("XXXXXX", CRNN_ALPHABET), CRNN_ALPHABET, "CA", 0.8, False)
    plate = choose_plate([line], layout_only)
    assert plate is not None and plate.text == "7ABC123"
    assert (plate.state, plate.state_confidence) == ("CA", 0.8)
    unsure = CrnnOutput(spell("XXXXXX", CRNN_ALPHABET), CRNN_ALPHABET, "CA", 0.3, False)
    plate = choose_plate([line], unsure)
    assert plate is not None and plate.state is None
