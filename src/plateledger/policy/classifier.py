"""Reason classifier: free-text search reasons -> prohibited class, vague, or specific.

``classify("ICE WARRANT")`` -> ``immigration_enforcement`` / ``block``; ``classify("inv")`` ->
``vague`` / ``review``; ``classify("stolen vehicle report 24-1187")`` -> ``specific`` / ``allow``.

How (term lists in ``reason_terms.yaml``, see docs/reason-classifier.md):

1. normalise (``classifier_unicode``: format characters removed, NFKC, case and accents folded,
   look-alike letters mapped to Latin by the TR39 confusables) keeping a map back to the
   original text, so evidence spans point at what was typed; tokens are whole words ("ice"
   never matches inside "police"), and ``classifier_tokens`` rebuilds words typed apart, in
   leet or run together - those, typos and sound-alikes are weak evidence (review, not block);
2. one dictionary lookup per token finds every term that starts there (rules for the prohibited
   classes, allow-phrases such as "ice cream", context words such as drug slang, offense words,
   generic words); unknown long words get a typo lookup in a deletion-neighbourhood index;
3. context turns matches into actions: drug words make "ice" a review, an offense makes
   "church" innocent, "without a warrant" makes tracking a block;
4. any certain prohibited match -> block; an ambiguous or weak one -> review; else an offense
   word or a cited statute -> specific (allow); else vague (review).

Reason text is personal data: this module never logs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from plateledger.policy.classifier_terms import (
    ALLOW,
    CONTEXT,
    RULE,
    SPEC,
    SPECIFIC,
    VAG,
    VAGUE,
    Action,
    Entry,
    Lexicon,
    Rule,
    lexicon,
)
from plateledger.policy.classifier_text import (
    CASE_NUMBER_RE,
    DIGIT_RE,
    citations,
    sound_key,
)
from plateledger.policy.classifier_tokens import tokenise
from plateledger.policy.classifier_unicode import Mapped, normalise_mapped

__all__ = ["Action", "Classification", "Evidence", "classify", "classify_many"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of the ORIGINAL reason (``reason[start:end] == text``) and what it matched."""

    start: int
    end: int
    text: str
    term: str
    reason_class: str

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "term": self.term,
            "class": self.reason_class,
        }


@dataclass(frozen=True, slots=True)
class Classification:
    reason: str
    reason_class: str  # the most severe matched class; else "vague" or "specific"
    classes: tuple[str, ...]  # every matched class, most severe first
    action: Action
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "reason": self.reason,
            "class": self.reason_class,
            "classes": list(self.classes),
            "action": self.action,
            "evidence": [e.to_dict() for e in self.evidence],
        }


_Hit = tuple[int, int, Entry]  # first token, end token (exclusive), entry


def classify(reason: str) -> Classification:
    """Classify one free-text reason. Never raises on any string."""
    lex = lexicon()
    # ASCII (nearly every reason): the normalised text is the lower-case copy, same offsets.
    mapped = None if reason.isascii() else normalise_mapped(reason)
    norm = reason.lower() if mapped is None else mapped.text
    tokens = tokenise(norm, reason if mapped is None else None, lex.vocab)
    keys = tokens.keys
    spans = tokens.spans
    if mapped is not None:
        spans = [mapped.original(a, b) for a, b in spans]
    weak = tokens.weak

    rule_hits, spec_hits, vague_hits, contexts, allowed = _scan(keys, lex, weak)

    cited = _cited(norm, mapped, lex) if DIGIT_RE.search(norm) is not None else []
    if spec_hits or cited:
        contexts.add(SPECIFIC)

    actions: dict[str, Action] = {}
    evidence: list[Evidence] = []
    for i, j, entry in rule_hits:
        rule = entry.rule
        assert rule is not None
        if allowed and any(k in allowed for k in range(i, j)):
            continue
        if rule.suppress_with and not contexts.isdisjoint(rule.suppress_with):
            continue
        rule_action = _rule_action(rule, contexts)
        if weak and rule_action == "block" and not weak.isdisjoint(range(i, j)):
            rule_action = "review"  # rebuilt, typo or sound-alike words: could be an accident
        if rule_action == "block" or rule.reason_class not in actions:
            actions[rule.reason_class] = rule_action
        evidence.append(_evidence(reason, spans, i, j, entry.term, rule.reason_class))

    for i, j, entry in spec_hits:
        evidence.append(_evidence(reason, spans, i, j, entry.term, SPECIFIC))
    for start, end, section in cited:
        evidence.append(
            Evidence(start, end, reason[start:end], f"code section {section}", SPECIFIC)
        )

    if actions:
        severity = lex.severity
        classes = tuple(sorted(actions, key=lambda c: (actions[c] != "block", severity[c])))
        action: Action = "block" if actions[classes[0]] == "block" else "review"
        primary = classes[0]
    elif SPECIFIC in contexts:
        classes, action, primary = (SPECIFIC,), "allow", SPECIFIC
    else:
        classes, action, primary = (VAGUE,), "review", VAGUE
        for i, j, entry in vague_hits:
            evidence.append(_evidence(reason, spans, i, j, entry.term, VAGUE))
        for m in CASE_NUMBER_RE.finditer(norm):
            start, end = m.span() if mapped is None else mapped.original(m.start(), m.end())
            evidence.append(Evidence(start, end, reason[start:end], "case number", VAGUE))
    evidence.sort(key=lambda e: (e.start, e.end))
    return Classification(reason, primary, classes, action, tuple(evidence))


def _cited(norm: str, mapped: Mapped | None, lex: Lexicon) -> list[tuple[int, int, str]]:
    """Offense statutes cited in the reason: (start, end in the original, section)."""
    cited: list[tuple[int, int, str]] = []
    for c in citations(norm, lex.code_markers):
        section = c.section
        base = section.split(".", 1)[0]
        if section in lex.non_offense_sections or base in lex.non_offense_sections:
            continue
        if c.cited or section in lex.code_sections or base in lex.code_sections:
            span = (c.start, c.end) if mapped is None else mapped.original(c.start, c.end)
            cited.append((*span, section))
    return cited


def classify_many(reasons: Iterable[str]) -> Iterator[Classification]:
    """Classify a stream of reasons lazily (the term data is loaded once)."""
    for reason in reasons:
        yield classify(reason)


def _scan(
    keys: list[str], lex: Lexicon, weak: set[int]
) -> tuple[list[_Hit], list[_Hit], list[_Hit], set[str], set[int]]:
    """One pass over the tokens: longest term per layer at each position.

    A word found only as a typo or a sound-alike is added to ``weak``."""
    starts = lex.starts
    rule_hits: list[_Hit] = []
    spec_hits: list[_Hit] = []
    vague_hits: list[_Hit] = []
    contexts: set[str] = set()
    allowed: set[int] = set()
    rule_end = spec_end = vague_end = 0
    n = len(keys)
    for i, key in enumerate(keys):
        entries = starts.get(key)
        if entries is None:
            if key in lex.known or len(key) < lex.fuzzy.shortest:
                continue
            found = _near_word(key, lex)
            if found is None:
                continue
            entries = found
            weak.add(i)
        rule_len = -1
        spec_done = vague_done = False
        for entry in entries:  # longest first
            tail = entry.tail
            k = len(tail)
            if k and (i + k >= n or tuple(keys[i + 1 : i + 1 + k]) != tail):
                continue
            layer = entry.layer
            if layer == RULE:
                if i >= rule_end and (rule_len < 0 or k == rule_len):
                    rule_len = k
                    rule_hits.append((i, i + 1 + k, entry))
            elif layer == SPEC:
                if i >= spec_end and not spec_done:
                    spec_done = True
                    spec_hits.append((i, i + 1 + k, entry))
                    spec_end = i + 1 + k
            elif layer == VAG:
                if i >= vague_end and not vague_done:
                    vague_done = True
                    vague_hits.append((i, i + 1 + k, entry))
                    vague_end = i + 1 + k
            elif layer == ALLOW:
                allowed.update(range(i, i + 1 + k))
            elif layer == CONTEXT:
                contexts.add(entry.group)
        if rule_len >= 0:
            rule_end = i + 1 + rule_len
    return rule_hits, spec_hits, vague_hits, contexts, allowed


_SOUND_MEMO: dict[str, str | None] = {}


def _near_word(key: str, lex: Lexicon) -> tuple[Entry, ...] | None:
    """Entries of the vocabulary word ``key`` is a typo of, or else sounds like."""
    word = lex.fuzzy.lookup(key)
    if word is not None:
        return lex.fuzzy_entries[word]
    if len(key) < 6 or not key.isalpha() or not lex.sounds:
        return None
    if key in _SOUND_MEMO:
        sound = _SOUND_MEMO[key]
    else:
        if len(_SOUND_MEMO) >= 65_536:
            _SOUND_MEMO.clear()
        sound = lex.sounds.get(sound_key(key))
        if sound is not None and abs(len(sound) - len(key)) > 3:
            sound = None
        _SOUND_MEMO[key] = sound
    if sound is None:
        return None
    return tuple(e for e in lex.starts[sound] if not e.tail and e.layer == RULE)


def _rule_action(rule: Rule, contexts: set[str]) -> Action:
    if rule.action == "block":
        if rule.downgrade_with and not contexts.isdisjoint(rule.downgrade_with):
            return "review"
        return "block"
    if rule.upgrade_with and not contexts.isdisjoint(rule.upgrade_with):
        return "block"
    return "review"


def _evidence(
    reason: str, spans: list[tuple[int, int]], i: int, j: int, term: str, reason_class: str
) -> Evidence:
    start, end = spans[i][0], spans[j - 1][1]
    return Evidence(start, end, reason[start:end], term, reason_class)
