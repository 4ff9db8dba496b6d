"""Naive fuzzy baseline: every raw string within Levenshtein distance d of the query."""

from __future__ import annotations

import string

ALPHABET = string.ascii_uppercase + string.digits


def edits1(plate: str) -> set[str]:
    splits = [(plate[:i], plate[i:]) for i in range(len(plate) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    subs = {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    inserts = {a + c + b for a, b in splits for c in ALPHABET}
    return (deletes | subs | inserts) - {""}


def within(plate: str, distance: int) -> set[str]:
    out = {plate}
    frontier = {plate}
    for _ in range(distance):
        frontier = {e for p in frontier for e in edits1(p)} - out
        out |= frontier
    return out
