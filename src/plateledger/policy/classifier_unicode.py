"""Character-level normalisation of a reason, with a map back to the original text.

Per character of the reason (docs/reason-classifier.md, "Normalisation, step by step"):

1. format characters (Unicode category ``Cf``: zero-width space / joiners, soft hyphen, word
   joiner, BOM, bidi marks) and the combining grapheme joiner are removed;
2. Unicode NFKC (full-width ``Ｉ`` -> ``I``, ligature ``ﬁ`` -> ``fi``, ``①`` -> ``1``);
3. case folded (``ß`` -> ``ss``), then accents removed (NFKD, combining marks dropped:
   ``Ó`` -> ``o``);
4. a letter still outside ASCII is mapped to its Latin look-alike by the Unicode confusables
   data of UTS #39 (the ``confusable_homoglyphs`` package ships ``confusables.txt`` as JSON;
   a character that steps 2-3 leave outside ASCII is looked up itself first):
   Cyrillic ``і``/``с``/``е``, Greek ``ι``/``ο``/``ν``, mathematical ``𝐢`` ... A prototype that
   is itself non-Latin is followed one more step, and a few Greek letters whose TR39 prototype
   is not Latin (``ε`` -> ``ꞓ``) are listed in ``_EXTRA``.

The result is ASCII wherever a look-alike exists. ``source[k]`` is the index in the original
reason of the character that produced normalised character ``k`` and ``source_end[k]`` the end
of it (removed characters that follow are included), so a normalised span maps back to a
substring of what the officer typed. ASCII input (nearly every reason) takes a fast path: lower
case, identity map.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import NamedTuple

# Look-alikes whose TR39 prototype is not a Latin letter (checked in tests).
_EXTRA = {"ε": "e", "ϵ": "e", "κ": "k", "τ": "t", "η": "n", "ɛ": "e", "ĸ": "k", "ᴛ": "t"}
_REMOVED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})  # format, combining marks
# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) that are not Cf/Mn/Me: letters
# and fillers that render as nothing, so "I\u3164C\u3164E" reads "ICE".
_INVISIBLE = frozenset(
    chr(c)
    for lo, hi in ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
                   (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
                   (0x1BCA0, 0x1BCA3), (0xE0000, 0xE0FFF))
    for c in range(lo, hi + 1)
)  # fmt: skip
_BLANKS = {"\u2800": " "}  # Braille blank: looks like a space, is a letter


class Mapped(NamedTuple):  # a tuple: built for every reason, cheaper than a frozen dataclass
    """Normalised text and, when it is not the identity, the map back to the original."""

    text: str
    source: tuple[int, ...] | None  # None: same length, character k came from k
    source_end: tuple[int, ...] | None

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original reason that normalised ``[start, end)`` came from."""
        if self.source is None or self.source_end is None:
            return start, end
        return self.source[start], self.source_end[end - 1]


@functools.cache
def _confusables() -> dict[str, list[dict[str, str]]]:
    from confusable_homoglyphs.confusables import (  # type: ignore[import-untyped]
        confusables_data,
    )

    data: dict[str, list[dict[str, str]]] = confusables_data
    return data


def _strip(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


def _latin(char: str, depth: int = 2) -> str | None:
    """The ASCII letter or digit ``char`` is confusable with (TR39 prototype), if any."""
    if char in _EXTRA:
        return _EXTRA[char]
    for glyph in _confusables().get(char, ()):
        proto = _strip(glyph["c"]).strip("\u200e\u200f").lower()
        if len(proto) == 1 and proto.isascii() and proto.isalnum():
            return proto
        if depth > 1 and len(proto) == 1:
            found = _latin(proto, depth - 1)
            if found is not None:
                return found
    return None


@functools.lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """What one non-ASCII character becomes (possibly "", possibly several characters)."""
    if unicodedata.category(char) in _REMOVED_CATEGORIES or char in _INVISIBLE:
        return ""
    if char in _BLANKS:
        return _BLANKS[char]
    folded = _fold_nfkc(char)
    if folded.isascii():
        return folded
    direct = _latin(char.lower()) if char.isalpha() else None  # Greek lunate sigma: NFKC
    if direct is not None:  # makes it a sigma, TR39 says "c"
        return direct
    return "".join(_latin(c) or c if c.isalpha() else c for c in folded)


def _fold_nfkc(char: str) -> str:
    out: list[str] = []
    for c in unicodedata.normalize("NFKC", char):
        low = c.casefold()
        for d in low:
            base = _strip(d).lower()
            if base.isascii():
                out.append(base)
                continue
            out.extend(e for e in base if unicodedata.category(e) not in _REMOVED_CATEGORIES)
    return "".join(out)


def normalise_mapped(text: str) -> Mapped:
    """Normalise ``text`` for matching and keep the map back to it (see module docstring)."""
    if text.isascii():
        return Mapped(text.lower(), None, None)
    chars: list[str] = []
    source: list[int] = []
    source_end: list[int] = []
    for i, char in enumerate(text):
        if char.isascii():
            chars.append(char.lower())
            source.append(i)
            source_end.append(i + 1)
            continue
        folded = fold_char(char)
        if not folded:
            if source_end:  # a removed character belongs to the one before it
                last = source_end[-1]
                k = len(source_end) - 1
                while k >= 0 and source_end[k] == last:
                    source_end[k] = i + 1
                    k -= 1
            continue
        for c in folded:
            chars.append(c)
            source.append(i)
            source_end.append(i + 1)
    return Mapped("".join(chars), tuple(source), tuple(source_end))
