"""Tokens of a normalised reason, and the passes that undo deliberate obfuscation.

``tokenise`` returns the word keys the classifier looks up, their spans in the normalised text
and a ``weak`` flag per key. A key is weak when it exists only because a pass rebuilt it, which
could be an accident; a prohibited match on a weak key is a ``review``, never a ``block``:

- **leet** - a word mixing letters with ``0 1 3 4 5 7 @ $`` is read with 0->o, 1->i (or l),
  3->e, 4->a, 5->s, 7->t, @->a, $->s, and kept only when the result starts a prohibited term
  (``prot3st``, ``1CE``, ``pr@test``). Numbers, case numbers and statutes never change: a word
  with any other digit, or whose reading is not a term, is left alone;
- **joined letters** - letters typed apart (``I C E``, ``I-C-E``, ``p r o t e s t``, ``pro
  test``) are joined when together they start a prohibited term: pieces of one or two letters,
  or pieces of which one is not a known word, separated by at most three spaces or marks;
- **run-togethers** - an unknown word is split in two when one half starts a prohibited term and
  the other is a known word of at least four letters (``icewarrant`` -> ice warrant), or any
  word when the cut falls at a change of case (``ICEwarrant``, ``undocumentedMale``). Real
  words such as ``justice`` or ``office`` are guard words in ``reason_terms.yaml``, never split.

Case folding, zero-width characters, look-alike letters and accents are handled before this,
character by character (``classifier_unicode``); those are not weak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from plateledger.policy.classifier_text import TOKEN_RE

_LEET_HINT = re.compile(r"[a-z][013457@$]|[013457@$][a-z]")
_LEET_WORD = re.compile(r"[a-z0-9@$]+")
_OTHER_DIGIT = re.compile(r"[2689]")
_LEET_I = str.maketrans("013457@$", "oieasta" + "s")
_LEET_L = str.maketrans("013457@$", "oleasta" + "s")
# What may stand between single letters that are read as one word ("I C E", "I;C;E"): up to
# three separators, a run of whitespace counting as one.
_GAP = re.compile(r"(?:\s+|[^\w\s]|_){1,3}")
_MAX_JOIN = 30
_MEMO_SIZE = 65_536


@dataclass(slots=True)
class Tokens:
    keys: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # in the normalised text
    weak: set[int] = field(default_factory=set)  # indices of rebuilt keys

    def add(self, key: str, start: int, end: int, weak: bool = False) -> None:
        if weak:
            self.weak.add(len(self.keys))
        self.keys.append(key)
        self.spans.append((start, end))

    def copy(self, other: Tokens, k: int) -> None:
        self.add(other.keys[k], *other.spans[k], k in other.weak)


@dataclass(slots=True)
class Vocabulary:
    """What the passes need from the lexicon (built once with it)."""

    rule_starts: frozenset[str]  # first words of prohibited terms
    known: frozenset[str]  # every word of every term, and guard words
    prefixes: frozenset[str] = frozenset()  # every prefix of a word of rule_starts
    split_memo: dict[str, tuple[int, bool] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.prefixes = frozenset(w[:k] for w in self.rule_starts for k in range(1, len(w) + 1))


def tokenise(norm: str, original: str | None, vocab: Vocabulary) -> Tokens:
    """Tokens of ``norm``; ``original`` is the reason when ``norm`` is its lower-case copy."""
    keys: list[str] = []
    spans: list[tuple[int, int]] = []
    known, prefixes = vocab.known, vocab.prefixes
    join = split = False
    prev = ""
    for m in TOKEN_RE.finditer(norm):
        key = m.group()
        if "." in key:
            key = key.replace(".", "")
        keys.append(key)
        spans.append(m.span())
        if prev and prev + key in prefixes:
            join = True
        if len(key) >= 6 and key not in known and key.isalpha():
            split = True
        prev = key if key in prefixes else ""
    out = Tokens(keys, spans)
    if _LEET_HINT.search(norm) is not None:
        out = _leet(norm, out, vocab)
        join = split = True
    if join and len(out.keys) > 1:
        out = _join(norm, out, vocab)
    return _split(out, original, vocab) if split else out


def _leet(norm: str, tokens: Tokens, vocab: Vocabulary) -> Tokens:
    found: list[tuple[int, int, str]] = []
    for m in _LEET_WORD.finditer(norm):
        word = m.group()
        start, end = m.start(), m.end()
        stripped = word.lstrip("@$")
        start += len(word) - len(stripped)
        if word.isalpha() or stripped.isdigit() or _OTHER_DIGIT.search(stripped) is not None:
            continue
        for table in (_LEET_I, _LEET_L):
            reading = stripped.translate(table)
            if reading != stripped and reading.isalpha() and reading in vocab.rule_starts:
                found.append((start, end, reading))
                break
            whole = word.translate(table)  # a leading @ or $ read as a letter: "@bortion"
            if whole != reading and whole.isalpha() and whole in vocab.rule_starts:
                found.append((m.start(), end, whole))
                break
    if not found:
        return tokens
    out = Tokens()
    k = 0
    n = len(tokens.keys)
    for start, end, reading in found:
        while k < n and tokens.spans[k][1] <= start:
            out.copy(tokens, k)
            k += 1
        while k < n and tokens.spans[k][0] < end:
            k += 1
        out.add(reading, start, end, weak=True)
    for j in range(k, n):
        out.copy(tokens, j)
    return out


def _joinable(norm: str, tokens: Tokens, i: int) -> bool:
    """Token ``i`` may be glued to token ``i + 1`` (letters only, a short gap)."""
    a_end = tokens.spans[i][1]
    b_start = tokens.spans[i + 1][0]
    return tokens.keys[i + 1].isalpha() and (
        a_end == b_start or _GAP.fullmatch(norm, a_end, b_start) is not None
    )


def _join(norm: str, tokens: Tokens, vocab: Vocabulary) -> Tokens:
    n = len(tokens.keys)
    joins: list[tuple[int, int, str]] = []
    i = 0
    while i < n:
        best = _longest_join(norm, tokens, i, vocab)
        if best is None:
            i += 1
        else:
            joins.append((i, *best))
            i = best[0] + 1
    if not joins:
        return tokens
    out = Tokens()
    k = 0
    for i, j, word in joins:
        while k < i:
            out.copy(tokens, k)
            k += 1
        out.add(word, tokens.spans[i][0], tokens.spans[j][1], weak=True)
        k = j + 1
    while k < n:
        out.copy(tokens, k)
        k += 1
    return out


def _longest_join(norm: str, tokens: Tokens, i: int, vocab: Vocabulary) -> tuple[int, str] | None:
    keys = tokens.keys
    if keys[i] not in vocab.prefixes or (len(keys[i]) > 2 and keys[i] in vocab.known):
        return None
    best: tuple[int, str] | None = None
    word = keys[i]
    short = len(word) <= 2
    single = len(word) == 1
    unknown = word not in vocab.known
    j = i
    while j + 1 < len(keys) and j - i < _MAX_JOIN and _joinable(norm, tokens, j):
        j += 1
        piece = keys[j]
        word += piece
        if word not in vocab.prefixes:
            break
        short = short and len(piece) <= 2
        single = single or len(piece) == 1
        unknown = unknown or piece not in vocab.known
        if len(word) >= 3 and word in vocab.rule_starts and (short or (unknown and not single)):
            best = (j, word)
    return best


def _split(tokens: Tokens, original: str | None, vocab: Vocabulary) -> Tokens:
    cuts: dict[int, int] = {}
    for k, (key, (start, _)) in enumerate(zip(tokens.keys, tokens.spans, strict=True)):
        found = None if len(key) < 6 or key in vocab.known else _split_point(key, vocab)
        if found is not None:
            cut, needs_case = found
            if not needs_case or (original is not None and _case_break(original, start + cut)):
                cuts[k] = cut
    if not cuts:
        return tokens
    out = Tokens()
    for k, (key, (start, end)) in enumerate(zip(tokens.keys, tokens.spans, strict=True)):
        at = cuts.get(k)
        if at is None:
            out.copy(tokens, k)
        else:
            out.add(key[:at], start, start + at, weak=True)
            out.add(key[at:], start + at, end, weak=True)
    return out


def _case_break(original: str, at: int) -> bool:
    a, b = original[at - 1], original[at]
    return a.isalpha() and b.isalpha() and a.isupper() != b.isupper()


def _split_point(key: str, vocab: Vocabulary) -> tuple[int, bool] | None:
    """Where to cut ``key`` (and whether only a change of case may justify it), or None."""
    memo = vocab.split_memo
    if key in memo:
        return memo[key]
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    best: tuple[bool, int, int] | None = None  # (no case needed, length of term half, cut)
    if key.isalpha():
        for cut in range(3, len(key) - 2):
            left, right = key[:cut], key[cut:]
            for term, other in ((left, right), (right, left)):
                if term in vocab.rule_starts and (other in vocab.known or len(other) >= 2):
                    # an unknown other half, or a short one, needs a change of case
                    plain = len(other) >= 4 and other in vocab.known
                    candidate = (plain, len(term), cut)
                    if best is None or candidate > best:
                        best = candidate
    memo[key] = found = None if best is None else (best[2], not best[0])
    return found
