"""Two recognisers, one plate: candidates scored by their CTC likelihood under both.

The candidate pool is the union of each recogniser's most probable strings, their confusable
fixes that fit a US state format (``plate_formats``), and each best reading with one glyph
dropped (an emblem or a screw read as a character). Every candidate is scored by
``log P(text | PP-OCR line) + log P(text | CRNN) + log(format prior)`` (exact CTC likelihoods,
so candidates of different lengths compare fairly); without a plausible PP-OCR line the CRNN
alone decides, if it is confident. Confidence is the per-character geometric mean of the two
likelihoods times the format prior.
"""

from __future__ import annotations

import math

from plateledger.domain.plate_formats import PlateFormat
from plateledger.recognize import ctc
from plateledger.recognize.base import ALNUM, OcrLine
from plateledger.recognize.candidates import (
    MAX_CANDIDATES,
    MAX_LENGTH,
    MIN_LENGTH,
    candidate_pool,
    format_prior,
    rank_candidates,
)
from plateledger.recognize.crnn import CrnnOutput

Ranked = list[tuple[str, float, tuple[float, ...]]]
_MIN_LONE_CONFIDENCE = 0.6  # CRNN alone (no PP-OCR line): per-character geometric mean
_MIN_LONE_LENGTH = 4


def fuse(line: OcrLine | None, crnn: CrnnOutput, formats: tuple[PlateFormat, ...]) -> Ranked:
    """Up to five ``(text, confidence, per-char confidences)``, best first."""
    c_text, c_confs, c_alts = ctc.greedy(crnn.probs, crnn.alphabet)
    pool = candidate_pool(c_text, c_alts, formats) if c_text else set()
    if line is not None:
        pool |= candidate_pool(line.text, line.alternatives, formats)
    for text in {c_text, line.text if line is not None else ""}:
        if len(text) > MIN_LENGTH + 2:
            pool.update(text[:i] + text[i + 1 :] for i in range(len(text)))
    pool = {t for t in pool if MIN_LENGTH <= len(t) <= MAX_LENGTH}
    use_line = line is not None and line.emissions is not None
    if not use_line and not _confident_alone(c_text, c_confs):
        return []
    scored = []
    for text in pool:
        ll = ctc.log_likelihood(crnn.probs, text, crnn.alphabet)
        if use_line and line is not None and line.emissions is not None:
            ll = (ll + ctc.log_likelihood(line.emissions, text, ALNUM)) / 2
        if ll == -math.inf:
            continue
        prior = format_prior(text, formats)
        scored.append((text, math.exp(ll / len(text)) * prior, ll + math.log(prior)))
    scored.sort(key=lambda item: (-item[2], item[0]))
    ranked: Ranked = []
    for text, confidence, _ in scored[:MAX_CANDIDATES]:
        ranked.append((_keep_letter_o(text, line), confidence, _char_confs(text, c_text, c_alts)))
    return ranked


def _confident_alone(text: str, confs: tuple[float, ...]) -> bool:
    if len(text) < _MIN_LONE_LENGTH or len(text) > MAX_LENGTH:
        return False
    geo = math.exp(sum(math.log(max(c, 1e-6)) for c in confs) / len(confs))
    return geo >= _MIN_LONE_CONFIDENCE


def _keep_letter_o(text: str, line: OcrLine | None) -> str:
    """The CRNN writes O as 0; keep PP-OCR's letter O where it read one in the same place."""
    if line is None or len(line.text) != len(text) or "O" not in line.text:
        return text
    return "".join("O" if c == "0" and line.text[i] == "O" else c for i, c in enumerate(text))


def _char_confs(
    text: str, c_text: str, c_alts: tuple[tuple[tuple[str, float], ...], ...]
) -> tuple[float, ...]:
    if len(text) != len(c_text):
        return tuple(0.5 for _ in text)
    tables = [dict(alts) for alts in c_alts]
    return tuple(tables[i].get("0" if c == "O" else c, 0.01) for i, c in enumerate(text))


def fuse_lines(lines: list[OcrLine], formats: tuple[PlateFormat, ...]) -> Ranked:
    """Several readings of one plate line (test-time variants): up to five candidates, best first.

    The pool is every reading's five best candidates (``candidates``); a candidate's score is
    its mean CTC log-likelihood over the readings plus the log format prior. Per-character
    confidences are the mean, over readings of the same length, of that reading's probability
    for the character.
    """
    usable = [ln for ln in lines if ln.emissions is not None and ln.text]
    emissions = [ln.emissions for ln in usable if ln.emissions is not None]
    pool = {text for ln in usable for text, _, _ in rank_candidates(ln, formats)}
    scored = []
    for text in pool:
        ll = sum(ctc.log_likelihood(e, text, ALNUM) for e in emissions) / max(1, len(emissions))
        if ll == -math.inf:
            continue
        prior = format_prior(text, formats)
        scored.append((text, math.exp(ll / len(text)) * prior, ll + math.log(prior)))
    scored.sort(key=lambda item: (-item[2], item[0]))
    return [(t, c, _mean_char_confs(t, usable)) for t, c, _ in scored[:MAX_CANDIDATES]]


def _mean_char_confs(text: str, lines: list[OcrLine]) -> tuple[float, ...]:
    same = [[dict(alts) for alts in ln.alternatives] for ln in lines if len(ln.text) == len(text)]
    if not same:
        return tuple(0.5 for _ in text)
    return tuple(sum(t[i].get(c, 0.01) for t in same) / len(same) for i, c in enumerate(text))
