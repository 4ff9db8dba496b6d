"""The grammar of policy explanations: sentences, counts and lists in plain English.

Every explanation a decision carries is built from these, so that one, two or many rules,
classes or agencies read correctly ("1 more rule also applies", "A, B and C") and every
explanation is whole sentences: a capital first letter, single spaces, one final full stop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["clause", "counted", "join_words", "sentence", "sentences"]

_ENDS = (".", "!", "?")
_SPACES = re.compile(r" {2,}")


def join_words(items: Iterable[str], conjunction: str = "and") -> str:
    """``a`` · ``a and b`` · ``a, b and c`` (empty for none)."""
    words = [w for w in items if w]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 rule`` · ``2 rules`` (``plural`` for irregular nouns)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def sentence(text: str) -> str:
    """``text`` as a sentence: trimmed, single spaces, a capital first letter (a lower-case
    first word only; names keep their case) and a full stop unless it already ends with one."""
    text = _SPACES.sub(" ", text.strip())
    if not text:
        return ""
    if text[0].islower():
        text = text[0].upper() + text[1:]
    while text.endswith(".."):
        text = text[:-1]
    return text if text.endswith(_ENDS) else text + "."


def sentences(*parts: str) -> str:
    """Each non-empty part as a sentence, joined by single spaces."""
    return " ".join(s for s in (sentence(p) for p in parts) if s)


def clause(text: str) -> str:
    """``text`` without its final full stop, to continue it (``X; why not``)."""
    return text.strip().rstrip(".")
