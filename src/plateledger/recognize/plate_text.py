"""From the OCR lines of one plate crop to a plate read.

* The issuing state is estimated from what the plate shows: a state name or a well-known slogan
  printed on it (fuzzy-matched). Without such text the state is ``None``: no guess from layout.
* Non-plate text is rejected: state names, slogans, dealer-frame words, camera timestamps and
  dates, mostly lower-case words, and lines much smaller than the tallest text.
* The plate is the tallest remaining line (the rule used by the baseline report). Its candidate
  readings are built and ranked by ``candidates`` (per-position alternatives, confusable fixes
  against the state formats, a format prior), or by ``fusion`` when plateledger's own
  recogniser read the same plate.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Sequence

from plateledger.domain.plate_formats import PlateFormat, formats_for, state_name
from plateledger.domain.types import US_STATES
from plateledger.recognize.base import Candidate, OcrLine, PlateText
from plateledger.recognize.candidates import MAX_LENGTH, MIN_LENGTH, rank_candidates
from plateledger.recognize.crnn import CrnnOutput
from plateledger.recognize.fusion import fuse, fuse_lines
from plateledger.recognize.rerank import rerank as reorder
from plateledger.recognize.rerank import state_distribution

_MIN_RELATIVE_HEIGHT = 0.55
_CRNN_STATE_MIN = 0.5  # below this the layout-based state is not reported

SLOGANS: dict[str, str] = {
    "SUNSHINESTATE": "FL",
    "LANDOFLINCOLN": "IL",
    "GARDENSTATE": "NJ",
    "EMPIRESTATE": "NY",
    "EXCELSIOR": "NY",
    "LIVEFREEORDIE": "NH",
    "LONESTARSTATE": "TX",
    "PUREMICHIGAN": "MI",
    "GREATLAKES": "MI",
    "FAMOUSPOTATOES": "ID",
    "GRANDCANYONSTATE": "AZ",
    "FIRSTINFLIGHT": "NC",
    "FIRSTINFREEDOM": "NC",
    "VACATIONLAND": "ME",
    "THEGREATFACESTATE": "SD",
    "GREATFACESGREATPLACES": "SD",
    "BIGSKYCOUNTRY": "MT",
    "THEFIRSTSTATE": "DE",
    "OCEANSTATE": "RI",
    "GREENMOUNTAINSTATE": "VT",
    "LANDOFENCHANTMENT": "NM",
    "SILVERSTATE": "NV",
    "BEAUTIFUL": "ID",
    "ALOHASTATE": "HI",
    "THELASTFRONTIER": "AK",
    "VOLUNTEERSTATE": "TN",
    "BLUEGRASSSTATE": "KY",
    "SPORTSMANSPARADISE": "LA",
    "PEACHSTATE": "GA",
    "HEARTOFDIXIE": "AL",
    "SHOWMESTATE": "MO",
    "WILDWONDERFUL": "WV",
    "10000LAKES": "MN",
}
_JUNK_WORDS = frozenset(
    {
        "DEALER", "MOTORS", "MOTOR", "AUTO", "AUTOS", "SALES", "WWW", "COM", "FORD", "TOYOTA",
        "HONDA", "NISSAN", "CHEVROLET", "CHEVY", "DODGE", "JEEP", "BMW", "AUDI", "LEXUS", "KIA",
        "HYUNDAI", "SUBARU", "MAZDA", "BUICK", "GMC", "ACURA", "VOLVO", "STATE", "USA", "AMERICA",
        "COUNTY", "TRUCK", "CITY", "THE", "OF", "AND", "IN", "GOD", "WE", "TRUST", "PLATE",
    }
)  # fmt: skip
# hh:mm:ss anywhere, hh:mm alone, or a date (a lone colon inside a plate is an emblem).
_TIMESTAMP = re.compile(
    r"\d{1,2}:\d{2}:\d{2}|^\W*\d{1,2}:\d{2}\W*$|\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}"
)


def choose_plate(
    lines: Sequence[OcrLine],
    crnn: CrnnOutput | None = None,
    reread: Callable[[], Sequence[OcrLine]] | None = None,
    rerank: bool = False,
    variants: Callable[[OcrLine], Sequence[OcrLine]] | None = None,
) -> PlateText | None:
    """The plate read among the OCR lines of one crop, or ``None`` if none looks like a plate.

    With ``crnn`` (plateledger's own recogniser on the same plate), candidates from both
    recognisers are scored together by their CTC likelihood under each (``fusion``), and the
    issuing state falls back to the one the recogniser tells from the plate's layout.
    ``reread``: called only when ``lines`` name no state, it gives other readings of the crop's
    lines (a general-text recogniser's) in which to look for the state name.
    ``rerank``: re-order the candidates by the state's plate formats (``rerank``).
    ``variants``: given the plate line, other readings of it (test-time variants of the crop),
    fused with it by ``fusion.fuse_lines`` (the ``accurate`` preset).
    """
    state, state_conf = estimate_state(lines)
    if state is None and reread is not None and lines:
        state, state_conf = estimate_state(reread())
    named = state
    if state is None and crnn is not None and crnn.state_confidence >= _CRNN_STATE_MIN:
        state, state_conf = crnn.state, crnn.state_confidence
    tallest = max((line.height for line in lines), default=0.0)
    plausible = [
        line
        for line in lines
        if line.height >= _MIN_RELATIVE_HEIGHT * tallest and not is_junk(line)
    ]
    formats = formats_for(state) if state else ()
    line = max(plausible, key=lambda ln: (ln.height, len(ln.text))) if plausible else None
    candidates = _candidates(line, crnn, formats, variants)
    if not candidates:
        return None
    if rerank:
        head = crnn.state_probs if crnn is not None else ()
        candidates = reorder(candidates, state, state_distribution(named, head))
    best_text, best_conf, best_chars = candidates[0]
    return PlateText(
        text=best_text,
        confidence=round(best_conf, 4),
        char_confidences=tuple(round(c, 4) for c in best_chars),
        candidates=tuple(Candidate(t, round(c, 4)) for t, c, _ in candidates),
        state=state,
        state_confidence=None if state_conf is None else round(state_conf, 3),
        raw=line.raw if line is not None else None,
    )


def _candidates(
    line: OcrLine | None,
    crnn: CrnnOutput | None,
    formats: tuple[PlateFormat, ...],
    variants: Callable[[OcrLine], Sequence[OcrLine]] | None,
) -> list[tuple[str, float, tuple[float, ...]]]:
    """Ranked readings of the plate line: fused with the CRNN, with variants, or alone."""
    if crnn is not None and crnn.reads_text:
        return fuse(line, crnn, formats)
    if line is not None and variants is not None:
        return fuse_lines([line, *variants(line)], formats)
    return rank_candidates(line, formats) if line is not None else []


def is_junk(line: OcrLine) -> bool:
    """Whether a line is not a plate serial (too short/long, words, timestamps, lower case)."""
    if not MIN_LENGTH <= len(line.text) <= MAX_LENGTH:
        return True
    if _TIMESTAMP.search(line.raw):
        return True
    letters = [c for c in line.raw if c.isalpha()]
    if letters and sum(c.islower() for c in letters) > 0.6 * len(letters):
        return True
    if line.text in _JUNK_WORDS or line.text in _state_names():
        return True
    return line.text.isalpha() and len(line.text) >= 5 and _match_state(line.text)[0] is not None


def estimate_state(lines: Sequence[OcrLine]) -> tuple[str | None, float | None]:
    """The issuing state named on the plate (name or slogan), with a confidence, or ``None``."""
    best: tuple[str | None, float | None] = (None, None)
    for line in lines:
        letters = "".join(c for c in line.raw.upper() if c.isalnum())
        if len(letters) < 4:
            continue
        code, score = _match_state(letters)
        if code is not None and (best[1] is None or score > best[1]):
            line_conf = sum(line.char_confidences) / max(1, len(line.char_confidences))
            best = (code, score * line_conf)
    return best


def _match_state(letters: str) -> tuple[str | None, float]:
    names = _state_names()
    if letters in names:
        return names[letters], 1.0
    if letters in SLOGANS:
        return SLOGANS[letters], 0.9
    pool = {**names, **SLOGANS}
    close = difflib.get_close_matches(letters, list(pool), n=1, cutoff=0.8)
    if not close:
        return None, 0.0
    ratio = difflib.SequenceMatcher(None, letters, close[0]).ratio()
    return pool[close[0]], ratio * (1.0 if close[0] in names else 0.9)


@functools.cache
def _state_names() -> dict[str, str]:
    return {state_name(code).upper().replace(" ", ""): code for code in US_STATES}
