"""Text plumbing for the reason classifier: normalisation, tokens, statute citations, typos.

Normalisation keeps the string length, so a span in the normalised text is the same span in the
original reason (evidence always points at what the officer typed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class _Fold(dict[int, str]):
    """``str.translate`` table: one character in, one lower-case, accent-free character out."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        low = char.lower()
        if len(low) != 1:
            low = char
        base = "".join(
            c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c)
        )
        folded = base.lower() if len(base) == 1 else low
        if len(folded) != 1:
            folded = low
        self[code] = folded
        return folded


_FOLD = _Fold()


def normalise(text: str) -> str:
    """Lower case with accents folded; ``len(normalise(t)) == len(t)`` always."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


# A dotted acronym ("i.c.e.", "u.s.b.p") is one token; otherwise runs of letters and digits.
TOKEN_RE = re.compile(r"(?<![a-z0-9.])[a-z](?:\.[a-z]){1,24}\.?(?![a-z0-9])|[a-z0-9]+")


def token_key(token: str) -> str:
    return token.replace(".", "") if "." in token else token


def term_tokens(term: str) -> tuple[str, ...]:
    """The token sequence of a term written in the YAML (normalised like a reason)."""
    return tuple(token_key(t) for t in TOKEN_RE.findall(normalise(term)))


_MARKER = r"p\.c\.?|v\.c\.?|penal code|vehicle code|w&i|h&s|cvc|cpc|hsc|cvv|poc|pc|vc|hs|bp|wi|sc"
CITATION_RE = re.compile(
    rf"(?<![a-z0-9\-/#.])(?:(?P<pre>{_MARKER})\s*)?"
    r"(?P<num>\d{2,6}(?:\.\d{1,2})?)"
    r"(?:\s?\([a-z0-9]{1,3}\))*(?P<letters>-?[a-z]{1,5}\d?)?(?:\([a-z0-9]{1,3}\))*"
    rf"(?:\s*(?P<suf>{_MARKER}))?(?![a-z0-9\-])"
)
CASE_NUMBER_RE = re.compile(r"(?<![a-z0-9])[a-z0-9]*\d[a-z0-9]*(?:[-./:#][a-z0-9]+)*")
DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Citation:
    start: int
    end: int
    section: str
    cited: bool  # a code marker (pc, vc, h&s...) was written with the number


def citations(norm: str, markers: frozenset[str]) -> Iterator[Citation]:
    for m in CITATION_RE.finditer(norm):
        letters = "".join(c for c in m["letters"] or "" if c.isalpha())
        cited = bool(m["pre"] or m["suf"]) or letters in markers
        yield Citation(m.start(), m.end(), m["num"], cited)


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition counts 1), capped at ``limit + 1``.

    Banded: only cells within ``limit`` of the diagonal are computed."""
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    big = limit + 1
    prev2: list[int] = []
    prev = [j if j <= limit else big for j in range(lb + 1)]
    for i in range(1, la + 1):
        ca = a[i - 1]
        lo, hi = max(1, i - limit), min(lb, i + limit)
        cur = [big] * (lb + 1)
        if i <= limit:
            cur[0] = i
        row_min = cur[0]
        for j in range(lo, hi + 1):
            cb = b[j - 1]
            best = prev[j - 1] + (ca != cb)
            best = min(best, prev[j] + 1)
            best = min(best, cur[j - 1] + 1)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and prev2[j - 2] + 1 < best:
                best = prev2[j - 2] + 1
            cur[j] = best
            row_min = min(row_min, best)
        if row_min > limit:
            return big
        prev2, prev = prev, cur
    return min(prev[lb], big)


def _deletions(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


_MEMO_SIZE = 65_536


def max_distance(term: str) -> int:
    """Typo budget of a vocabulary word: 1 edit for 7-9 letters, 2 from 10 letters."""
    return 2 if len(term) >= 10 else 1


class FuzzyIndex:
    """Symmetric-deletion index: a typo and its word share a string after <= d deletions each.

    A typo must keep the word's first letter: "exportation" and "importation" are two edits
    from "deportation" but are not typos of it.

    Lookup costs one set of deletions of the query (<= 1 + n + n(n-1)/2 strings), then an exact
    distance check of the few candidates; no scan of the vocabulary.
    """

    def __init__(self, words: Iterable[str], min_length: int) -> None:
        self.min_length = min_length
        self._index: dict[str, set[str]] = {}
        self._lengths: set[int] = set()
        for word in words:
            if len(word) < min_length or not word.isalpha():
                continue
            self._lengths.add(len(word))
            for key in _deletions(word, max_distance(word)):
                self._index.setdefault(key, set()).add(word)
        self.shortest = min(self._lengths, default=0) - 1
        self._memo: dict[str, str | None] = {}  # unknown words repeat (names, typos)

    def __len__(self) -> int:
        return len(self._index)

    def lookup(self, token: str) -> str | None:
        """The closest vocabulary word within its typo budget (ties: alphabetical), or None."""
        n = len(token)
        if n < self.shortest or not token.isalpha():
            return None
        if token in self._memo:
            return self._memo[token]
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[token] = found = self._search(token)
        return found

    def _search(self, token: str) -> str | None:
        n = len(token)
        best: tuple[int, str] | None = None
        depth = 2 if n >= 8 else 1
        for key in _deletions(token, depth):
            for word in self._index.get(key, ()):
                if word[0] != token[0]:  # typos rarely hit the first letter; real words do
                    continue
                limit = max_distance(word)
                d = osa_distance(token, word, limit)
                if d <= limit and (best is None or (d, word) < best):
                    best = (d, word)
        return best[1] if best else None


_SOUNDS = (
    ("tion", "shn"),
    ("sion", "shn"),
    ("cion", "shn"),
    ("shun", "shn"),
    ("tian", "shn"),
    ("ph", "f"),
    ("ck", "k"),
    ("gh", "g"),
    ("qu", "k"),
    ("x", "ks"),
)
_SOFT_C = re.compile(r"c(?=[eiy])")
_SOUND_TABLE = str.maketrans("cqzyw", "kksiu", "")
_VOWELS = frozenset("aeiou")


def sound_key(word: str) -> str:
    """A rough English sound-alike key: ``imygrashun`` and ``immigration`` -> ``imgrshn``.

    Spellings that sound alike (tion/sion/shun, ph/f, c/k/s, z/s, y/i) are merged, vowels after
    the first letter dropped and doubled letters collapsed; the first letter is kept.
    """
    w = word
    for old, new in _SOUNDS:
        if old in w:
            w = w.replace(old, new)
    w = _SOFT_C.sub("s", w).translate(_SOUND_TABLE)
    out = [w[0]] if w else []
    for c in w[1:]:
        if c in _VOWELS or c == out[-1]:
            continue
        out.append(c)
    return "".join(out)
