"""Candidate plate strings from a recogniser's per-position alternatives, and their scoring.

Shared by ``plate_text`` (one recogniser) and ``fusion`` (two). Candidates are the recogniser's
most probable strings plus the confusable corrections that make them fit a US state format
(``plate_formats``) and, when the text fits no format but the plate names its state, the text
without its first or last glyph. Each is scored by the geometric mean of its character
probabilities times a format prior; the best five are kept.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Sequence

from plateledger.domain.plate_formats import PlateFormat, confusable_fixes, formats_for
from plateledger.domain.types import US_STATES
from plateledger.recognize.base import OcrLine

MIN_LENGTH, MAX_LENGTH = 2, 8
MAX_CANDIDATES = 5
_FLOOR = 0.01  # probability given to a character the recogniser did not propose at all
_FIT_STATE, _FIT_ANY, _FIT_NONE = 1.0, 0.9, 0.7
_TRIM_PENALTY = 0.9


@functools.cache
def _all_formats() -> tuple[PlateFormat, ...]:
    seen: dict[str, PlateFormat] = {}
    for code in US_STATES:
        for fmt in formats_for(code):
            seen.setdefault(fmt.pattern, fmt)
    return tuple(seen.values())


def rank_candidates(
    line: OcrLine, state_formats: tuple[PlateFormat, ...]
) -> list[tuple[str, float, tuple[float, ...]]]:
    """Up to five ``(text, confidence, per-char confidences)``, best first."""
    tables = [dict(alts) for alts in line.alternatives]
    texts = candidate_pool(line.text, line.alternatives, state_formats)
    scored = [_score(text, tables, state_formats, 1.0) for text in texts]
    # A stray glyph at either edge (a frame screw, a sticker) makes a plate fit no format; only
    # trimmed when the plate names its state and the trimmed text fits that state's formats.
    for text in list(texts)[:12] if state_formats else ():
        if len(text) > 5 and not any(f.matches(text) for f in _all_formats()):
            for trimmed, part in ((text[1:], tables[1:]), (text[:-1], tables[:-1])):
                if any(f.matches(trimmed) for f in state_formats):
                    scored.append(_score(trimmed, part, state_formats, _TRIM_PENALTY))
    best: dict[str, tuple[str, float, tuple[float, ...]]] = {}
    for item in scored:
        if item[0] not in best or item[1] > best[item[0]][1]:
            best[item[0]] = item
    ranked = sorted(best.values(), key=lambda item: (-item[1], item[0]))
    return ranked[:MAX_CANDIDATES]


def candidate_pool(
    text: str,
    alternatives: Sequence[Sequence[tuple[str, float]]],
    state_formats: tuple[PlateFormat, ...],
) -> set[str]:
    """The recogniser's most probable strings plus their confusable fixes that fit a format."""
    texts = set(_beam(alternatives, 12))
    texts.add(text)
    for fmts in (state_formats, _all_formats()):
        for item in list(texts)[:12]:
            if fmts and not any(f.matches(item) for f in fmts):
                texts.update(confusable_fixes(item, fmts)[:4])
    return texts


def _score(
    text: str,
    tables: Sequence[dict[str, float]],
    state_formats: tuple[PlateFormat, ...],
    penalty: float,
) -> tuple[str, float, tuple[float, ...]]:
    chars = tuple(tables[i].get(c, _FLOOR) for i, c in enumerate(text))
    geo = math.exp(sum(math.log(max(p, 1e-6)) for p in chars) / max(1, len(chars)))
    return text, geo * format_prior(text, state_formats) * penalty, chars


def format_prior(text: str, state_formats: tuple[PlateFormat, ...]) -> float:
    """How well ``text`` fits a plate format: the plate's state's, any state's, or none."""
    if state_formats and any(f.matches(text) for f in state_formats):
        return _FIT_STATE
    if any(f.matches(text) for f in _all_formats()):
        return _FIT_ANY if state_formats else _FIT_STATE
    return _FIT_NONE


def _beam(alternatives: Sequence[Sequence[tuple[str, float]]], width: int) -> list[str]:
    """The ``width`` most probable strings from per-position alternatives."""
    beams: list[tuple[float, str]] = [(0.0, "")]
    for alts in alternatives:
        grown = [
            (score + math.log(max(p, 1e-6)), text + char)
            for score, text in beams
            for char, p in alts
        ]
        beams = heapq.nlargest(width, grown)
    return [text for _, text in beams]
