"""Plate text: canonical form, confusable folding and confusion-aware matching.

Pure functions, no I/O. A *canonical* plate is 1..10 characters of ``[A-Z0-9]`` with separators
removed; it is what the store keeps and indexes. OCR engines routinely confuse characters that look
alike (``O``/``0``, ``B``/``8``...), so matching treats those substitutions as cheap: they cost
0.25 instead of 1. Folding maps each character to the digit that represents its confusable class;
it is used for matching only and never overwrites what a camera read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from plateledger.errors import ValidationError

MAX_PLATE_LENGTH = 10

#: Characters that OCR engines confuse; the first member (a digit) represents the class.
CONFUSABLE_CLASSES: tuple[frozenset[str], ...] = (
    frozenset("0ODQ"),
    frozenset("1IL"),
    frozenset("8B"),
    frozenset("5S"),
    frozenset("2Z"),
    frozenset("6G"),
)
_REPRESENTATIVES = "018526"

#: Maps every confusable character to its class representative.
FOLD_MAP: dict[str, str] = {
    char: rep for rep, cls in zip(_REPRESENTATIVES, CONFUSABLE_CLASSES, strict=True) for char in cls
}
_FOLD_TABLE = str.maketrans(FOLD_MAP)

# Separators people and engines put inside plates: whitespace, dashes, dots, middle dots, etc.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._·•∙/|:'\"]+")
_CANONICAL = re.compile(r"[A-Z0-9]{1,10}")
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

# Weighted-edit costs in quarter units, packed with a count of non-confusable edits so that one
# integer comparison picks the cheapest path and, among equals, the one with fewer real edits.
_COUNT_BITS = 5
_CONFUSABLE_KEY = 1 << _COUNT_BITS  # 0.25 and no real edit
_EDIT_KEY = (4 << _COUNT_BITS) | 1  # 1.0 and one real edit

EditOp = Literal["confusable", "substitute", "insert", "delete"]


def canonicalize(raw: str) -> str:
    """Return the canonical form of a plate as typed or read: NFKC, upper case, no separators.

    Raises ``ValidationError`` (field ``plate``) when the result is empty, longer than 10
    characters or contains anything but ``A-Z`` and ``0-9``. The message names the fault, not the
    plate, so it can be logged safely.
    """
    text = strip_separators(raw)
    if _CANONICAL.fullmatch(text):
        return text
    if not text:
        raise ValidationError("plate: empty after removing separators", {"field": "plate"})
    if len(text) > MAX_PLATE_LENGTH:
        raise ValidationError(
            f"plate: too long ({len(text)} characters, at most {MAX_PLATE_LENGTH})",
            {"field": "plate", "length": len(text)},
        )
    position, char = next((i, c) for i, c in enumerate(text) if c not in _ALLOWED)
    raise ValidationError(
        f"plate: bad character {char!r} at position {position + 1}",
        {"field": "plate", "character": char, "position": position + 1},
    )


def strip_separators(raw: str) -> str:
    """NFKC-normalise, upper-case and drop separators, without validating what is left.

    The first step of ``canonicalize``; search uses it on patterns that contain wildcards.
    """
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).upper())


def fold(plate: str) -> str:
    """Map every confusable character to its class representative (``0 1 8 5 2 6``)."""
    return plate.translate(_FOLD_TABLE)


@dataclass(frozen=True, slots=True)
class Edit:
    """One step turning the query into the candidate; ``position`` is 0-based in the query."""

    op: EditOp
    position: int
    query_char: str
    plate_char: str

    def describe(self) -> str:
        """Short form used in ``PlateMatch.why`` lists, e.g. ``"S→X at 2"`` (1-based)."""
        return f"{self.change()} at {self.position + 1}"

    def change(self) -> str:
        """The character change alone: ``O↔0``, ``S→X``, ``+X`` or ``-X``."""
        if self.op == "confusable":
            return f"{self.query_char}↔{self.plate_char}"
        if self.op == "substitute":
            return f"{self.query_char}→{self.plate_char}"
        if self.op == "insert":
            return f"+{self.plate_char}"
        return f"-{self.query_char}"


# op -> (singular, plural, phrase used when it is the only edit)
_NOUNS: dict[str, tuple[str, str, str]] = {
    "substitute": ("substitution", "substitutions", "substitution {q}→{p}"),
    "insert": ("insertion", "insertions", "insertion of {p}"),
    "delete": ("deletion", "deletions", "deletion of {q}"),
    "confusable": ("confusable", "confusables", "confusable {q}↔{p}"),
}


@dataclass(frozen=True, slots=True)
class PlateMatch:
    """A plate that matched a query, with its weighted cost and the edits that explain it."""

    plate: str
    cost: float
    edits: tuple[Edit, ...]
    similarity: float

    @property
    def exact(self) -> bool:
        return not self.edits

    def why(self) -> str:
        """Human explanation, e.g. ``"confusable O↔0 at position 3"`` (positions 1-based)."""
        if not self.edits:
            return "exact"
        if len(self.edits) == 1:
            edit = self.edits[0]
            phrase = _NOUNS[edit.op][2].format(q=edit.query_char, p=edit.plate_char)
            return f"{phrase} at position {edit.position + 1}"
        parts = []
        for op, (one, many, _) in _NOUNS.items():
            group = [e.describe() for e in self.edits if e.op == op]
            if group:
                noun = one if len(group) == 1 else many
                parts.append(f"{len(group)} {noun} ({', '.join(group)})")
        return ", ".join(parts)


def match(query: str, candidate: str, max_distance: int) -> PlateMatch | None:
    """Confusion-aware weighted Levenshtein match of two canonical plates.

    Substituting a character of the same confusable class costs 0.25, any other substitution,
    insertion or deletion costs 1. The match succeeds when the cheapest alignment costs at most
    ``max_distance``; plates that differ *only* by confusable substitutions always match (they are
    the same plate as far as a camera can tell), which is what ``max_distance=0`` is for.
    """
    if max_distance < 0:
        raise ValidationError(
            f"max_distance: must be >= 0, got {max_distance}", {"field": "max_distance"}
        )
    if query == candidate:
        return PlateMatch(candidate, 0.0, (), 1.0)
    if abs(len(query) - len(candidate)) > max_distance:
        return None
    folded_query, folded_candidate = fold(query), fold(candidate)
    if folded_query == folded_candidate:
        edits = tuple(
            Edit("confusable", i, a, b)
            for i, (a, b) in enumerate(zip(query, candidate, strict=True))
            if a != b
        )
        return _result(query, candidate, len(edits) / 4, edits)
    rows = _cost_matrix(query, candidate, folded_query, folded_candidate, max_distance)
    if rows is None:
        return None
    units = rows[-1][-1] >> _COUNT_BITS
    if units > 4 * max_distance:
        return None
    edits = _traceback(rows, query, candidate, folded_query, folded_candidate)
    return _result(query, candidate, units / 4, edits)


def _result(query: str, candidate: str, cost: float, edits: tuple[Edit, ...]) -> PlateMatch:
    longest = max(len(query), len(candidate), 1)
    similarity = min(1.0, max(0.0, 1.0 - cost / longest))
    return PlateMatch(candidate, cost, edits, similarity)


def _cost_matrix(
    query: str, candidate: str, fq: str, fc: str, max_distance: int
) -> list[list[int]] | None:
    """Full DP matrix of packed costs, or ``None`` as soon as a row exceeds the budget."""
    budget = (4 * max_distance) << _COUNT_BITS | ((1 << _COUNT_BITS) - 1)
    prev = [j * _EDIT_KEY for j in range(len(candidate) + 1)]
    rows = [prev]
    for i, (qa, fa) in enumerate(zip(query, fq, strict=True), start=1):
        left = i * _EDIT_KEY
        cur = [left]
        for j, (cb, fb) in enumerate(zip(candidate, fc, strict=True), start=1):
            if qa == cb:
                best = prev[j - 1]
            else:
                best = prev[j - 1] + (_CONFUSABLE_KEY if fa == fb else _EDIT_KEY)
            other = prev[j] + _EDIT_KEY
            if other < best:  # noqa: PLR1730 -- a branch is faster than min() in this hot loop
                best = other
            other = left + _EDIT_KEY
            if other < best:  # noqa: PLR1730 -- a branch is faster than min() in this hot loop
                best = other
            cur.append(best)
            left = best
        if min(cur) > budget:
            return None
        rows.append(cur)
        prev = cur
    return rows


def _traceback(
    rows: list[list[int]], query: str, candidate: str, fq: str, fc: str
) -> tuple[Edit, ...]:
    """Walk back from the bottom-right cell along one cheapest path (diagonal steps first)."""
    edits: list[Edit] = []
    i, j = len(query), len(candidate)
    while i or j:
        here = rows[i][j]
        if i and j:
            qa, cb = query[i - 1], candidate[j - 1]
            step = 0 if qa == cb else _CONFUSABLE_KEY if fq[i - 1] == fc[j - 1] else _EDIT_KEY
            if rows[i - 1][j - 1] + step == here:
                if step:
                    op: EditOp = "confusable" if step == _CONFUSABLE_KEY else "substitute"
                    edits.append(Edit(op, i - 1, qa, cb))
                i, j = i - 1, j - 1
                continue
        if i and rows[i - 1][j] + _EDIT_KEY == here:
            edits.append(Edit("delete", i - 1, query[i - 1], ""))
            i -= 1
        else:
            edits.append(Edit("insert", i, "", candidate[j - 1]))
            j -= 1
    edits.reverse()
    return tuple(edits)
