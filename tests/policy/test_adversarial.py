"""The reason classifier against a motivated misuser: the adversarial suite and obfuscations.

``adversarial_reasons.yaml`` holds made-up reasons (never real reason text) with the outcome each
must get; ``bench/eval_adversarial.py`` prints the recall table of docs/reason-classifier.md
from it, and a test below keeps the two equal. The property tests apply each obfuscation an
officer who knows the filter exists could try to each prohibited term: the result must never be
``allow`` and must always name the prohibited class (blocked, or held with the evidence).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plateledger.policy.classifier import Classification, classify

ROOT = Path(__file__).resolve().parents[2]
IMM = "immigration_enforcement"
FA = "first_amendment_activity"
RH = "reproductive_health"
GA = "gender_affirming_care"

# Lawful reasons the suite knows to be stopped wrongly (held or blocked). Empty today; a row
# may be listed here only with the reason it cannot be fixed.
KNOWN_LAWFUL_STOPPED: frozenset[str] = frozenset()

EVASIONS = {
    "vocabulary", "zero_width", "soft_hyphen", "word_joiner", "cyrillic", "greek", "fullwidth",
    "math_bold", "case", "dotted", "dotted_spaced", "spaced", "hyphenated", "leet",
    "run_together", "misspelling", "split_word", "symbols", "lawful",
}  # fmt: skip


def _eval_module() -> ModuleType:
    path = ROOT / "bench" / "eval_adversarial.py"
    spec = importlib.util.spec_from_file_location("eval_adversarial", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


EVAL = _eval_module()
SUITE = EVAL.load_suite()


def test_suite_is_large_and_covers_every_evasion() -> None:
    assert len(SUITE) >= 300
    assert {c.evasion for c in SUITE} == EVASIONS
    prohibited = [c for c in SUITE if c.expect in ("block", "review")]
    assert len(prohibited) >= 250
    assert {c.reason_class for c in prohibited} >= {IMM, FA, RH, GA}


@pytest.mark.parametrize("case", SUITE, ids=[f"{c.evasion}:{c.reason!a}" for c in SUITE])
def test_adversarial_reason(case: object) -> None:
    result = classify(case.reason)  # type: ignore[attr-defined]
    _spans_exact(result)
    if case.reason in KNOWN_LAWFUL_STOPPED:  # type: ignore[attr-defined]
        pytest.skip("known lawful reason stopped wrongly (listed in KNOWN_LAWFUL_STOPPED)")
    assert EVAL.as_expected(case, result), result.to_dict()


def test_docs_table_is_the_measured_one() -> None:
    doc = (ROOT / "docs" / "reason-classifier.md").read_text("utf-8")
    assert EVAL.table(SUITE) in doc, "rerun bench/eval_adversarial.py and paste its table"


def _spans_exact(result: Classification) -> None:
    for e in result.evidence:
        assert 0 <= e.start < e.end <= len(result.reason)
        assert result.reason[e.start : e.end] == e.text


# --- obfuscations ---------------------------------------------------------------------------

TERMS: list[tuple[str, str]] = [
    ("ice", IMM), ("ero", IMM), ("cbp", IMM), ("uscis", IMM), ("immigration", IMM),
    ("deportation", IMM), ("deported", IMM), ("migra", IMM), ("overstay", IMM),
    ("undocumented", IMM), ("inmigracion", IMM), ("indocumentado", IMM), ("protest", FA),
    ("protesters", FA), ("protesta", FA), ("picketers", FA), ("abortion", RH), ("aborto", RH),
    ("mifepristone", RH),
]  # fmt: skip
NEXT_WORDS = ["hold", "check", "vehicle", "warrant", "request", "locate"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
LOOK_ALIKES = {
    "a": "аα", "c": "сϲ", "e": "еε", "i": "іι", "o": "оο", "p": "рρ", "s": "ѕ", "x": "х",
    "y": "у", "d": "ԁ", "n": "η", "t": "τ", "u": "υ", "v": "ν", "m": "ｍ", "r": "ｒ", "g": "ɡ",
}  # fmt: skip
LEET = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7"}


@st.composite
def obfuscated(draw: st.DrawFn) -> tuple[str, str, str]:
    """(reason, class, obfuscation): one obfuscation of one term, then the next word."""
    term, reason_class = draw(st.sampled_from(TERMS))
    how = draw(st.sampled_from(sorted(OBFUSCATIONS)))
    text = OBFUSCATIONS[how](draw, term)
    nxt = draw(st.sampled_from(NEXT_WORDS))
    if how == "run_together":
        return text, reason_class, how
    return f"{text} {nxt}", reason_class, how


def _zero_width(draw: st.DrawFn, w: str) -> str:
    at = draw(st.integers(1, len(w) - 1))
    return w[:at] + draw(st.sampled_from(ZERO_WIDTH)) + w[at:]


def _look_alike(draw: st.DrawFn, w: str) -> str:
    picks = draw(st.lists(st.booleans(), min_size=len(w), max_size=len(w)))
    out = []
    for ch, pick in zip(w, picks, strict=True):
        alts = LOOK_ALIKES.get(ch)
        out.append(draw(st.sampled_from(alts)) if pick and alts else ch)
    return "".join(out)


def _case(draw: st.DrawFn, w: str) -> str:
    ups = draw(st.lists(st.booleans(), min_size=len(w), max_size=len(w)))
    return "".join(c.upper() if u else c for c, u in zip(w, ups, strict=True))


def _leet(draw: st.DrawFn, w: str) -> str:
    spots = [i for i, c in enumerate(w) if c in LEET]
    if not spots:
        return w
    chosen = draw(st.sets(st.sampled_from(spots), min_size=1))
    return "".join(LEET[c] if i in chosen else c for i, c in enumerate(w))


def _run_together(draw: st.DrawFn, w: str) -> str:
    nxt = draw(st.sampled_from(NEXT_WORDS))
    style = draw(st.sampled_from(["upper", "lower", "camel"]))
    if style == "upper":
        return (w + nxt).upper()
    if style == "lower":
        return w + nxt
    return w.upper() + nxt.capitalize()


OBFUSCATIONS = {
    "zero_width": _zero_width,
    "look_alike": _look_alike,
    "spaced": lambda draw, w: " ".join(w.upper()),
    "hyphenated": lambda draw, w: "-".join(w),
    "dotted": lambda draw, w: ".".join(w) + draw(st.sampled_from(["", "."])),
    "dotted_spaced": lambda draw, w: ". ".join(w.upper()) + ".",
    "leet": _leet,
    "soft_hyphen": lambda draw, w: "\u00ad".join(w),
    "case": _case,
    "run_together": _run_together,
}


@settings(max_examples=600, deadline=None)
@given(obfuscated())
@example(("I\u200bCE warrant", IMM, "zero_width"))
@example(("іСЕ hold", IMM, "look_alike"))
@example(("I C E hold", IMM, "spaced"))
@example(("I-C-E", IMM, "hyphenated"))
@example(("i.c.e.", IMM, "dotted"))
@example(("ICEwarrant", IMM, "run_together"))
@example(("prot3st", FA, "leet"))
@example(("1CE", IMM, "leet"))
@example(("i.m.m.i.g.r.a.t.i.o.n", IMM, "dotted"))  # found: dotted runs were cut at 7 letters
@example(("ICEWARRANT", IMM, "run_together"))  # found: "warrant" also starts a term
@example(("i\u200b\u03f2e locate", IMM, "look_alike"))  # found: NFKC makes lunate sigma a sigma
def test_obfuscated_terms_are_never_allowed(case: tuple[str, str, str]) -> None:
    reason, reason_class, how = case
    result = classify(reason)
    assert result.action != "allow", (how, result.to_dict())
    assert reason_class in result.classes, (how, result.to_dict())
    _spans_exact(result)
    prohibited = [e for e in result.evidence if e.reason_class == reason_class]
    assert prohibited, result.to_dict()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TERMS), st.data())
def test_two_obfuscations_at_once(term: tuple[str, str], data: st.DataObject) -> None:
    """A look-alike letter and a zero-width character in the same word."""
    word, reason_class = term
    text = _zero_width(data.draw, _look_alike(data.draw, word))
    result = classify(f"{text} locate")
    assert result.action != "allow" and reason_class in result.classes, result.to_dict()


@pytest.mark.parametrize(
    ("reason", "action"),
    [
        ("ICE hold", "block"),  # plain
        ("I\u200bCE hold", "block"),  # zero-width: deliberate, not an accident
        ("іСЕ hold", "block"),  # Cyrillic look-alikes: deliberate
        ("ＩＣＥ hold", "block"),  # full width (NFKC)
        ("I C E hold", "review"),  # joined letters: could be initials
        ("ICEhold", "review"),  # split run-together
        ("1CE hold", "review"),  # leet reading
        ("imigration", "review"),  # typo
        ("imygrashun", "review"),  # sound-alike
    ],
)
def test_strong_and_weak_evidence(reason: str, action: str) -> None:
    result = classify(reason)
    assert (result.reason_class, result.action) == (IMM, action), result.to_dict()


def test_evidence_points_into_the_original_text() -> None:
    reason = "assist \uff29\u200b\u0421\u0415 with I-C-E hold and prot3st, ICEwarrant"
    result = classify(reason)
    texts = [e.text for e in result.evidence if e.reason_class != "specific"]
    assert texts == ["\uff29\u200b\u0421\u0415", "I-C-E hold", "prot3st", "ICEwarrant"]
    _spans_exact(result)


@pytest.mark.parametrize(
    "reason",
    ["office burglary", "notice of theft", "justice center assault", "police pursuit",
     "service station robbery", "icecream shop robbery", "ICE impersonation",
     "stolen Visa card", "a lien on the vehicle", "zero plates stolen vehicle"],
)  # fmt: skip
def test_lawful_look_alikes_stay_lawful(reason: str) -> None:
    result = classify(reason)
    assert all(e.reason_class in ("specific", "vague") for e in result.evidence), result.to_dict()


@pytest.mark.parametrize(
    "reason",
    [
        "I;C;E request burglary", "I'C'E hold", "I(C)E=hold", "I#C#E request",
        "I    C    E agent, theft", "I\u3164C\u3164E request, burglary",
        "I\u115fC\u1160E hold", "I\u2800C\u2800E request, burglary", "I\ufe0fC\ufe0fE hold",
    ],
)  # fmt: skip
def test_other_separators_and_blank_letters_do_not_hide_a_term(reason: str) -> None:
    """Found in review: separators outside the first list, long runs of spaces, and letters
    that render as nothing (Hangul fillers, Braille blank, variation selectors)."""
    result = classify(reason)
    assert IMM in result.classes and result.action != "allow"
    _spans_exact(result)
