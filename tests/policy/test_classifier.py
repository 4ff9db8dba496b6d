"""Reason classifier: every rule of the issue, on synthetic reasons (never real reason text)."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateledger.policy.classifier import Classification, classify, classify_many
from plateledger.policy.classifier_terms import ReasonTermsError, lexicon, parse_terms
from plateledger.policy.classifier_text import FuzzyIndex, normalise, osa_distance

IMM = "immigration_enforcement"
FA = "first_amendment_activity"

# (reason, primary class, action)
CASES: list[tuple[str, str, str]] = [
    # immigration, explicit
    ("ICE WARRANT", IMM, "block"),
    ("ice", IMM, "block"),
    ("assist ICE with locate", IMM, "block"),
    ("I.C.E. assist", IMM, "block"),
    ("ICE+ERO", IMM, "block"),
    ("ICE_ERO", IMM, "block"),
    ("ICE/HSI", IMM, "block"),
    ("ERO request", IMM, "block"),
    ("immigration", IMM, "block"),
    ("Immigration (civil/administrative)", IMM, "block"),
    ("illegal immigration", IMM, "block"),
    ("ICE FUGOPS", IMM, "block"),
    ("CBP assist", IMM, "block"),
    ("Border Patrol request", IMM, "block"),
    ("USCIS", IMM, "block"),
    ("287(g) task force", IMM, "block"),
    ("deported subject returned", IMM, "block"),
    # phrase context
    ("removal order", IMM, "block"),
    ("order of removal", IMM, "block"),
    ("locate alien", IMM, "block"),
    ("illegal alien", IMM, "block"),
    ("criminal alien", IMM, "block"),
    ("removal of abandoned vehicle", "specific", "allow"),
    ("hotplate removal", "specific", "allow"),
    # Spanish and accents
    ("inmigración", IMM, "block"),
    ("INMIGRACIÓN", IMM, "block"),
    ("deportación", IMM, "block"),
    ("la migra", IMM, "block"),
    ("migra", IMM, "block"),
    ("indocumentado", IMM, "block"),
    ("sin papeles", IMM, "block"),
    # typos on long terms: weak evidence, held (issue 15: a typo match is a hold, not a deny)
    ("immigrtion", IMM, "review"),
    ("imigration", IMM, "review"),
    ("Immigartion check", IMM, "review"),
    ("deprtation", IMM, "review"),
    ("imigrant", IMM, "review"),
    # components that also do criminal work, drug slang, impersonation: review
    ("HSI", IMM, "review"),
    ("HSI narcotics", IMM, "review"),
    ("DHS", IMM, "review"),
    ("dhs aod", IMM, "review"),
    ("homeland", IMM, "review"),
    ("Homeland Security", IMM, "review"),
    ("ice sales", IMM, "review"),
    ("ICE meth dealer", IMM, "review"),
    ("CBP narcotics seizure", IMM, "review"),
    ("ICE impersonation suspect", "specific", "allow"),  # ICE is the victim (18 USC 912)
    ("alien", IMM, "review"),
    ("detainer", IMM, "review"),
    # allow-phrases
    ("ice cream truck hit and run", "specific", "allow"),
    ("black ice crash", "specific", "allow"),
    ("ice storm", "vague", "review"),
    ("ice rink burglary", "specific", "allow"),
    ("dry ice", "vague", "review"),
    # several classes
    ("immigration protest", IMM, "block"),
    ("HSI protest", FA, "block"),
    # first amendment
    ("protest", FA, "block"),
    ("No Kings rally", FA, "block"),
    ("protestors at city hall", FA, "block"),
    ("riot", FA, "review"),
    ("vehicles at mosque", FA, "review"),
    ("church burglary", "specific", "allow"),
    ("theft on Church St", "specific", "allow"),
    # health care, reproductive, gender-affirming
    ("had an abortion, search for female", "reproductive_health", "block"),
    ("abortoin", "reproductive_health", "review"),
    ("Planned Parenthood", "reproductive_health", "block"),
    ("fetus", "reproductive_health", "review"),
    ("gender-affirming care", "gender_affirming_care", "block"),
    ("clinic", "lawful_health_care", "review"),
    ("clinic burglary", "specific", "allow"),
    # protected classes, tracking, personal use, commercial
    ("search for hispanic males", "protected_class_targeting", "review"),
    ("robbery suspect hispanic male", "specific", "allow"),
    ("white lexus", "vague", "review"),
    ("surveillance", "warrantless_tracking", "review"),
    ("track vehicle", "warrantless_tracking", "review"),
    ("track vehicle without a warrant", "warrantless_tracking", "block"),
    ("surveillance video of burglary", "specific", "allow"),
    ("my ex girlfriend", "personal_use", "block"),
    ("just curious", "personal_use", "block"),
    ("personal", "personal_use", "review"),
    ("personal property theft", "specific", "allow"),
    ("skip trace for repo company", "commercial_sale", "block"),
    # vague
    ("investigation", "vague", "review"),
    ("Investigation", "vague", "review"),
    ("inv", "vague", "review"),
    ("inv.", "vague", "review"),
    ("BOLO", "vague", "review"),
    ("intel", "vague", "review"),
    ("n/a", "vague", "review"),
    ("N/A", "vague", "review"),
    ("suspicious vehicle", "vague", "review"),
    ("suspect vehicle", "vague", "review"),
    ("24-001234", "vague", "review"),
    ("2603190057", "vague", "review"),
    ("PA2026-12345", "vague", "review"),
    ("pc 836", "vague", "review"),
    ("test", "vague", "review"),
    ("", "vague", "review"),
    ("   ", "vague", "review"),
    ("investigaton", "vague", "review"),
    # specific
    ("stolen vehicle report 24-1187", "specific", "allow"),
    ("245(a)(2)PC", "specific", "allow"),
    ("PC 459", "specific", "allow"),
    ("10851 VC", "specific", "allow"),
    ("211", "specific", "allow"),
    ("hit and run", "specific", "allow"),
    ("missing person / AMBER", "specific", "allow"),
    ("welfare check", "specific", "allow"),
    ("robbery suspect vehicle", "specific", "allow"),
    ("burgary suspect", "specific", "allow"),
    ("robo de vehiculo", "specific", "allow"),
]

# Words containing a prohibited term as a substring: never a match.
SUBSTRINGS = [
    "police",
    "notice",
    "office",
    "service",
    "justice",
    "Alice",
    "hero",
    "zero",
    "price",
    "device",
    "juice",
    "slice",
    "icecream",
    "Heroes",
    "dhss",
    "hsia",
    "protection",
    "protected",
    "reported stolen",
    "departed the scene",
    "deputy",
    "transmission",
    "Trans Am",
    "march 3",
    "tracking number 123",
]


@pytest.mark.parametrize(("reason", "reason_class", "action"), CASES)
def test_cases(reason: str, reason_class: str, action: str) -> None:
    result = classify(reason)
    assert (result.reason_class, result.action) == (reason_class, action), result.to_dict()
    assert result.classes[0] == reason_class
    _spans_point_at_original(result)


@pytest.mark.parametrize("word", SUBSTRINGS)
def test_word_boundaries(word: str) -> None:
    for reason in (word, f"{word} call", f"assist {word} with report"):
        result = classify(reason)
        prohibited = [e for e in result.evidence if e.reason_class not in ("specific", "vague")]
        assert not prohibited, result.to_dict()
        assert result.action != "block"


def test_several_classes_and_order() -> None:
    both = classify("immigration protest")
    assert both.classes == (IMM, FA) and both.action == "block"
    mixed = classify("HSI protest")  # a certain class ranks before an ambiguous one
    assert mixed.classes == (FA, IMM) and mixed.action == "block"


def test_evidence_spans_in_original_text() -> None:
    reason = "Assist I.C.E. re: Deportación — orden"
    result = classify(reason)
    texts = {(e.text, e.term, e.reason_class) for e in result.evidence}
    assert ("I.C.E.", "ice", IMM) in texts
    assert ("Deportación", "deportacion", IMM) in texts
    for e in result.evidence:
        assert reason[e.start : e.end] == e.text
    phrase = classify("ICE+ERO removal order")
    assert [e.text for e in phrase.evidence] == ["ICE+ERO", "removal order"]
    typo = classify("imigration hold")
    assert typo.evidence[0].text == "imigration" and typo.evidence[0].term == "immigration"
    vague = classify("case 24-001234")
    assert [(e.text, e.term) for e in vague.evidence] == [
        ("case", "case"),
        ("24-001234", "case number"),
    ]


def test_to_dict_and_many() -> None:
    body = classify("ICE WARRANT").to_dict()
    assert set(body) == {"reason", "class", "classes", "action", "evidence"}
    assert body["class"] == IMM and body["classes"] == [IMM] and body["action"] == "block"
    assert isinstance(body["evidence"], list)
    assert body["evidence"][0] == {
        "start": 0,
        "end": 11,
        "text": "ICE WARRANT",
        "term": "ice warrant",
        "class": IMM,
    }
    results = list(classify_many(["inv", "protest", "211pc"]))
    assert [r.action for r in results] == ["review", "block", "allow"]


def test_normalise_keeps_length() -> None:
    for text in ("İstanbul", "ß straße", "ﬁle", "ÀÉÎÕÜ", "Ｉ．Ｃ．Ｅ", "a\u0301b"):
        assert len(normalise(text)) == len(text)
    assert normalise("INMIGRACIÓN") == "inmigracion"


def test_fuzzy_index_and_distance() -> None:
    index = FuzzyIndex(["immigration", "deportation", "abortion"], 7)
    assert index.lookup("imigration") == "immigration"
    assert index.lookup("immigartion") == "immigration"
    assert index.lookup("abortoin") == "abortion"
    assert index.lookup("irrigation") is None
    assert index.lookup("departure") is None
    assert index.lookup("ice") is None
    assert osa_distance("abcd", "abdc", 2) == 1
    assert osa_distance("abc", "xyz", 1) == 2  # capped at limit + 1


def test_guard_words_are_not_typos() -> None:
    words = ("protect", "pretest", "reported", "departed", "looking", "shouting", "mentoring")
    for word in (*words, "cocaine exportation case", "importation of firearms"):
        result = classify(word)
        assert all(e.reason_class in ("specific", "vague") for e in result.evidence), word


def _terms_text() -> str:
    return resources.files("plateledger.policy").joinpath("reason_terms.yaml").read_text("utf-8")


def test_term_data_loads_once_and_validates() -> None:
    assert lexicon() is lexicon()
    text = _terms_text()
    bad_class = text.replace("class: immigration_enforcement", "class: imigration", 1)
    with pytest.raises(
        ReasonTermsError, match=r"rules\[0\]\.class: unknown class code 'imigration'"
    ):
        parse_terms(bad_class)
    bad_group = text.replace("downgrade_with: [drugs, impersonation]", "downgrade_with: [drugz]", 1)
    with pytest.raises(
        ReasonTermsError, match=r"rules\[0\]\.downgrade_with: unknown context group 'drugz'"
    ):
        parse_terms(bad_group)
    bad_severity = text.replace("  - commercial_sale\n", "  - commercial_sales\n", 1)
    with pytest.raises(
        ReasonTermsError, match=r"severity\[8\]: unknown class code 'commercial_sales'"
    ):
        parse_terms(bad_severity)
    with pytest.raises(ReasonTermsError, match=r"reason_terms.yaml: colour: unknown key"):
        parse_terms(text + "\ncolour: blue\n")
    duplicate = text.replace("terms: [hsi, dhs,", "terms: [ice, hsi, dhs,", 1)
    with pytest.raises(ReasonTermsError, match="already in rules"):
        parse_terms(duplicate)


def _spans_point_at_original(result: Classification) -> None:
    for e in result.evidence:
        assert 0 <= e.start < e.end <= len(result.reason)
        assert result.reason[e.start : e.end] == e.text


TRICKY = st.text(
    alphabet=st.sampled_from(list("iceICEroHSI.+_/-() 0123456789ÉéñÑİßﬁ\u0301\n\tabgpvs&")),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), TRICKY))
def test_never_raises_and_spans_are_exact(reason: str) -> None:
    result = classify(reason)
    assert result.reason == reason
    assert result.action in ("allow", "review", "block")
    assert result.reason_class == result.classes[0]
    _spans_point_at_original(result)
