"""Load and validate ``reason_terms.yaml`` into the lookup tables the classifier runs on.

Loaded once (``lexicon()`` is cached). Every problem in the data fails loudly with the file name
and the key at fault, e.g. ``reason_terms.yaml: rules[3].class: unknown class code 'imigration'``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import yaml

from plateledger.errors import PlateledgerError
from plateledger.policy.classifier_text import FuzzyIndex, sound_key, term_tokens
from plateledger.policy.classifier_tokens import Vocabulary

Action = Literal["allow", "review", "block"]

DATA_FILE = "reason_terms.yaml"

# The prohibited purposes of the policy vocabulary (state-laws vocabulary.purposes, class
# `prohibited`). The YAML may order them but not invent new ones.
PROHIBITED_CLASSES = frozenset(
    {
        "immigration_enforcement",
        "reproductive_health",
        "lawful_health_care",
        "gender_affirming_care",
        "first_amendment_activity",
        "protected_class_targeting",
        "personal_use",
        "warrantless_tracking",
        "commercial_sale",
    }
)
SPECIFIC = "specific"
VAGUE = "vague"

# Layers a term can belong to.
RULE, SPEC, VAG, ALLOW, CONTEXT = range(5)

_TOP_KEYS = {"schema", "severity", "contexts", "allow_phrases", "rules", "specific", "vague"}
_TOP_KEYS |= {"fuzzy"}
_RULE_KEYS = {"id", "class", "action", "terms", "fuzzy"}
_RULE_KEYS |= {"downgrade_with", "upgrade_with", "suppress_with"}
_SPECIFIC_KEYS = {"terms", "code_sections", "non_offense_sections", "code_markers"}


class ReasonTermsError(PlateledgerError):
    """The term data is malformed; the message names the file and the key."""

    code = "reason_terms_invalid"
    status = 500


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    reason_class: str
    action: Action
    fuzzy: bool
    downgrade_with: frozenset[str]
    upgrade_with: frozenset[str]
    suppress_with: frozenset[str]


@dataclass(frozen=True, slots=True)
class Entry:
    """A term that starts with a given token: the tokens after it, and what it means."""

    layer: int
    tail: tuple[str, ...]
    term: str
    rule: Rule | None = None
    group: str = ""


@dataclass(slots=True)
class Lexicon:
    severity: dict[str, int]
    starts: dict[str, tuple[Entry, ...]]
    known: frozenset[str]
    fuzzy: FuzzyIndex
    fuzzy_entries: dict[str, tuple[Entry, ...]]
    code_sections: frozenset[str]
    non_offense_sections: frozenset[str]
    code_markers: frozenset[str]
    vocab: Vocabulary
    sounds: dict[str, str]  # sound_key -> prohibited word (sound-alike spellings)
    rules: tuple[Rule, ...] = field(default=())


@functools.cache
def lexicon() -> Lexicon:
    text = resources.files("plateledger.policy").joinpath(DATA_FILE).read_text("utf-8")
    return parse_terms(text, DATA_FILE)


def parse_terms(text: str, source: str = DATA_FILE) -> Lexicon:
    """Parse and validate term data; errors name ``source`` and the offending key."""
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise ReasonTermsError(f"{source}: top level must be a mapping")
    _no_extra(doc, _TOP_KEYS, f"{source}:")
    if doc.get("schema") != 1:
        raise ReasonTermsError(f"{source}: schema: must be 1")
    severity = _severity(doc.get("severity"), source)
    builder = _Builder(source)

    contexts = doc.get("contexts")
    if not isinstance(contexts, dict):
        raise ReasonTermsError(f"{source}: contexts: must be a mapping")
    for name, words in contexts.items():
        for term in _str_list(words, f"{source}: contexts.{name}"):
            builder.add(Entry(CONTEXT, (), term, group=str(name)), f"contexts.{name}")
    for term in _str_list(doc.get("allow_phrases"), f"{source}: allow_phrases"):
        builder.add(Entry(ALLOW, (), term), "allow_phrases")
    rules = _add_rules(builder, doc.get("rules"), set(contexts) | {SPECIFIC})

    specific = doc.get("specific")
    if not isinstance(specific, dict):
        raise ReasonTermsError(f"{source}: specific: must be a mapping")
    _no_extra(specific, _SPECIFIC_KEYS, f"{source}: specific")
    for term in _str_list(specific.get("terms"), f"{source}: specific.terms"):
        builder.add(Entry(SPEC, (), term), "specific.terms", fuzzy=True)
    vague = doc.get("vague")
    if not isinstance(vague, dict) or set(vague) != {"terms"}:
        raise ReasonTermsError(f"{source}: vague: must be a mapping with only 'terms'")
    for term in _str_list(vague["terms"], f"{source}: vague.terms"):
        builder.add(Entry(VAG, (), term), "vague.terms", fuzzy=True)

    min_length, guard = _fuzzy_settings(doc.get("fuzzy"), source)
    fuzzy_entries = {
        word: entries
        for word in builder.fuzzy_words
        if len(word) >= min_length
        and (entries := tuple(e for e in builder.singles[word] if _fuzzy_ok(e)))
    }
    known = frozenset(builder.words | guard)
    rule_starts = frozenset(k for k, v in builder.starts.items() if any(e.layer == RULE for e in v))
    return Lexicon(
        severity={code: i for i, code in enumerate(severity)},
        starts={k: tuple(sorted(v, key=lambda e: -len(e.tail))) for k, v in builder.starts.items()},
        known=known,
        fuzzy=FuzzyIndex(fuzzy_entries, min_length),
        fuzzy_entries=fuzzy_entries,
        code_sections=frozenset(
            _sections(specific.get("code_sections"), f"{source}: specific.code_sections")
        ),
        non_offense_sections=frozenset(
            _sections(
                specific.get("non_offense_sections"), f"{source}: specific.non_offense_sections"
            )
        ),
        code_markers=frozenset(
            "".join(term_tokens(m))
            for m in _str_list(specific.get("code_markers"), f"{source}: specific.code_markers")
        ),
        vocab=Vocabulary(rule_starts, known),
        sounds=_sounds(builder, known, min_length),
        rules=rules,
    )


def _sounds(builder: _Builder, known: frozenset[str], min_length: int) -> dict[str, str]:
    """Sound keys of the long one-word prohibited terms, minus keys of other known words."""
    sounds: dict[str, str] = {}
    for word, entries in builder.singles.items():
        if len(word) >= min_length and word.isalpha() and any(e.layer == RULE for e in entries):
            sounds.setdefault(sound_key(word), word)
    for word in known:
        key = sound_key(word)
        if key in sounds and word.isalpha() and not _is_rule_word(builder, word):
            del sounds[key]
    return {k: w for k, w in sounds.items() if len(k) >= 4}


def _is_rule_word(builder: _Builder, word: str) -> bool:
    return any(e.layer == RULE for e in builder.singles.get(word, ()))


def _fuzzy_ok(entry: Entry) -> bool:
    return entry.layer != RULE or (entry.rule is not None and entry.rule.fuzzy)


def _severity(value: Any, source: str) -> list[str]:
    severity = _str_list(value, f"{source}: severity")
    for i, code in enumerate(severity):
        if code not in PROHIBITED_CLASSES:
            raise ReasonTermsError(f"{source}: severity[{i}]: unknown class code {code!r}")
    missing = sorted(PROHIBITED_CLASSES - set(severity))
    if missing:
        raise ReasonTermsError(f"{source}: severity: missing {', '.join(missing)}")
    return severity


def _add_rules(builder: _Builder, raw_rules: Any, groups: set[str]) -> tuple[Rule, ...]:
    source = builder.source
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ReasonTermsError(f"{source}: rules: must be a non-empty list")
    rules = tuple(_rule(item, f"{source}: rules[{i}]", groups) for i, item in enumerate(raw_rules))
    for i, (rule, item) in enumerate(zip(rules, raw_rules, strict=True)):
        where = f"rules[{i}].terms"
        for term in _str_list(item.get("terms"), f"{source}: {where}"):
            builder.add(Entry(RULE, (), term, rule=rule), where, unique=True, fuzzy=rule.fuzzy)
    return rules


def _fuzzy_settings(value: Any, source: str) -> tuple[int, set[str]]:
    if not isinstance(value, dict) or set(value) != {"min_length", "guard"}:
        raise ReasonTermsError(f"{source}: fuzzy: must be a mapping with min_length and guard")
    min_length = value["min_length"]
    if not isinstance(min_length, int) or min_length < 5:
        raise ReasonTermsError(f"{source}: fuzzy.min_length: must be an integer >= 5")
    words = _str_list(value["guard"], f"{source}: fuzzy.guard")
    return min_length, {t for g in words for t in term_tokens(g)}


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.starts: dict[str, list[Entry]] = {}
        self.singles: dict[str, list[Entry]] = {}
        self.words: set[str] = set()
        self.fuzzy_words: set[str] = set()  # single-word terms that may match a typo
        self._rule_terms: dict[tuple[str, ...], str] = {}

    def add(self, entry: Entry, where: str, unique: bool = False, fuzzy: bool = False) -> None:
        tokens = term_tokens(entry.term)
        if not tokens:
            raise ReasonTermsError(f"{self.source}: {where}: term {entry.term!r} has no words")
        if unique:
            if tokens in self._rule_terms:
                raise ReasonTermsError(
                    f"{self.source}: {where}: term {entry.term!r} already in "
                    f"{self._rule_terms[tokens]}"
                )
            self._rule_terms[tokens] = where
        placed = Entry(entry.layer, tokens[1:], entry.term, entry.rule, entry.group)
        self.starts.setdefault(tokens[0], []).append(placed)
        if len(tokens) == 1:
            self.singles.setdefault(tokens[0], []).append(placed)
            if fuzzy:
                self.fuzzy_words.add(tokens[0])
        self.words.update(tokens)


def _rule(item: Any, where: str, groups: set[str]) -> Rule:
    if not isinstance(item, dict):
        raise ReasonTermsError(f"{where}: must be a mapping")
    _no_extra(item, _RULE_KEYS, where)
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise ReasonTermsError(f"{where}.id: missing or not a string")
    code = item.get("class")
    if code not in PROHIBITED_CLASSES:
        raise ReasonTermsError(f"{where}.class: unknown class code {code!r} (rule {rule_id})")
    action = item.get("action")
    if action not in ("block", "review"):
        raise ReasonTermsError(f"{where}.action: must be block or review (rule {rule_id})")
    fuzzy = item.get("fuzzy", False)
    if not isinstance(fuzzy, bool):
        raise ReasonTermsError(f"{where}.fuzzy: must be true or false (rule {rule_id})")
    ctx: dict[str, frozenset[str]] = {}
    for key in ("downgrade_with", "upgrade_with", "suppress_with"):
        names = _str_list(item.get(key, []), f"{where}.{key}", allow_empty=True)
        unknown = [n for n in names if n not in groups]
        if unknown:
            raise ReasonTermsError(f"{where}.{key}: unknown context group {unknown[0]!r}")
        ctx[key] = frozenset(names)
    return Rule(
        rule_id,
        code,
        action,
        fuzzy,
        ctx["downgrade_with"],
        ctx["upgrade_with"],
        ctx["suppress_with"],
    )


def _str_list(value: Any, where: str, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise ReasonTermsError(f"{where}: must be a non-empty list")
    out: list[str] = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ReasonTermsError(f"{where}[{i}]: must be a string")
        out.append(str(item))
    return out


def _sections(value: Any, where: str) -> list[str]:
    out = _str_list(value, where)
    for i, section in enumerate(out):
        if not section.replace(".", "", 1).isdigit():
            raise ReasonTermsError(f"{where}[{i}]: {section!r} is not a section number")
    return out


def _no_extra(mapping: dict[Any, Any], allowed: set[str], where: str) -> None:
    extra = sorted(str(k) for k in mapping if k not in allowed)
    if extra:
        sep = " " if where.endswith(":") else "."
        raise ReasonTermsError(f"{where}{sep}{extra[0]}: unknown key")
