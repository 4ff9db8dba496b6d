"""Executing a validated query against the store, per plate mode.

- exact: one plate predicate; ordered by time, newest first; exact total.
- wildcard: the plate dictionary gives the matching plates (sorted); their reads are fetched in
  small chunks of plates, in plate order, until the page is full.
- fuzzy: the dictionary gives candidate plates with a confusion-aware cost; reads of the best
  candidates are fetched (bounded), scored by similarity and read confidence, and ranked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from plateledger.domain.plates import PlateMatch, canonicalize
from plateledger.domain.types import Read
from plateledger.search.types import Hit, SearchQuery
from plateledger.store.base import ReadFilters, ReadStore, Scope

__all__ = ["MemoMatcher", "PlateMatcher", "ReadFilters", "by_filters", "exact", "fuzzy", "wildcard"]


class PlateMatcher(Protocol):
    """The plate dictionary as the executor uses it (see ``plate_dictionary``)."""

    def __contains__(self, plate: object) -> bool: ...
    def wildcard(self, pattern: str) -> list[str]: ...
    def fuzzy(self, query: str, max_distance: int) -> list[PlateMatch]: ...


class MemoMatcher:
    """One request's view of the dictionary: each pattern is matched once, whether the bulk
    ceilings (``search.bulk``) or the lookup asks first."""

    def __init__(self, matcher: PlateMatcher) -> None:
        self._matcher = matcher
        self._wildcard: dict[str, list[str]] = {}
        self._fuzzy: dict[tuple[str, int], list[PlateMatch]] = {}

    def __contains__(self, plate: object) -> bool:
        return plate in self._matcher

    def wildcard(self, pattern: str) -> list[str]:
        if pattern not in self._wildcard:
            self._wildcard[pattern] = self._matcher.wildcard(pattern)
        return self._wildcard[pattern]

    def fuzzy(self, query: str, max_distance: int) -> list[PlateMatch]:
        key = (query, max_distance)
        if key not in self._fuzzy:
            self._fuzzy[key] = self._matcher.fuzzy(query, max_distance)
        return self._fuzzy[key]


WILDCARD_CHUNK = 16
FUZZY_MAX_PLATES = 200
FUZZY_MAX_READS = 5000

Result = tuple[Sequence[Hit], bool, int | None, int | None]


def _confidence(read: Read) -> float:
    return read.confidence if read.confidence is not None else 0.5


def exact(
    store: ReadStore,
    dictionary: PlateMatcher,
    query: SearchQuery,
    filters: ReadFilters,
    scope: Scope,
) -> Result:
    assert query.plate is not None
    if query.plate not in dictionary:  # never read: no store lookup needed
        return [], False, 0, 0
    plates = [query.plate]
    reads = store.find_reads(plates, filters, scope, limit=query.limit + 1, offset=query.offset)
    has_more = len(reads) > query.limit
    # The total is known when the page is the last one; otherwise counting would cost a
    # second scan, and `has_more` says there is more.
    total = None if has_more or (not reads and query.offset) else query.offset + len(reads)
    hits = [Hit(r, round(_confidence(r), 3), "exact plate match") for r in reads[: query.limit]]
    return hits, has_more, total, 1 if total else 0


def by_filters(store: ReadStore, query: SearchQuery, filters: ReadFilters, scope: Scope) -> Result:
    reads = store.find_reads(None, filters, scope, limit=query.limit + 1, offset=query.offset)
    has_more = len(reads) > query.limit
    hits = [Hit(r, round(_confidence(r), 3), "matches filters") for r in reads[: query.limit]]
    return hits, has_more, None, None


def wildcard(
    store: ReadStore,
    dictionary: PlateMatcher,
    query: SearchQuery,
    filters: ReadFilters,
    scope: Scope,
) -> Result:
    assert query.plate is not None
    plates = dictionary.wildcard(query.plate)
    why = f"plate matches pattern {query.plate.upper()}"
    wanted = query.offset + query.limit + 1
    collected: list[Read] = []
    for start in range(0, len(plates), WILDCARD_CHUNK):
        chunk = plates[start : start + WILDCARD_CHUNK]
        need = wanted - len(collected)
        collected.extend(store.find_reads(chunk, filters, scope, limit=need, order="plate_ts"))
        if len(collected) >= wanted:
            break
    page = collected[query.offset : query.offset + query.limit]
    hits = [Hit(r, round(_confidence(r), 3), why) for r in page]
    return hits, len(collected) > query.offset + query.limit, None, len(plates)


def fuzzy(
    store: ReadStore,
    dictionary: PlateMatcher,
    query: SearchQuery,
    filters: ReadFilters,
    scope: Scope,
) -> Result:
    assert query.plate is not None
    target = canonicalize(query.plate)
    matches = dictionary.fuzzy(target, query.max_distance)[:FUZZY_MAX_PLATES]
    by_plate = {m.plate: m for m in matches}
    reads = store.find_reads(
        [m.plate for m in matches], filters, scope, limit=FUZZY_MAX_READS, order="plate_ts"
    ) if matches else []  # fmt: skip
    scored = sorted(
        (_fuzzy_hit(r, by_plate[r.plate]) for r in reads),
        key=lambda h: (-h.score, h.read.plate, -h.read.ts.timestamp()),
    )
    page = scored[query.offset : query.offset + query.limit]
    truncated = len(reads) >= FUZZY_MAX_READS
    return page, truncated or len(scored) > query.offset + query.limit, None, len(matches)


def _fuzzy_hit(read: Read, match: PlateMatch) -> Hit:
    # Similarity dominates; read confidence breaks ties between equally similar plates.
    score = match.similarity * (0.8 + 0.2 * _confidence(read))
    return Hit(read, round(score, 4), match.why())
