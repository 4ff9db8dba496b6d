"""In-memory dictionary of distinct canonical plates, for wildcard and fuzzy plate search.

Search resolves a partial or misread plate to the set of *known* plates it could be; the store then
does exact lookups of those plates. Nothing ever scans every read with an edit distance.

Representation. Every canonical plate (1..10 chars of ``[0-9A-Z]``) packs into one ``uint64``:
character ``j`` takes 6 bits at ``58 - 6j`` (codes 1..36 in ASCII order, 0 = past the end) and the
low 4 bits hold the length. Because codes keep ASCII order and padding is 0, sorting the keys sorts
the plates lexicographically. A segment holds

* ``keys``: sorted unique plate keys (exact lookup, prefix ranges and fixed-length wildcards are
  ``np.searchsorted`` and bit masks over them);
* ``strings``: the same plates as a ``pyarrow`` string array, for ``*`` wildcards
  (``pyarrow.compute.match_like`` restricted to the literal prefix's range) and for output;
* ``fold_keys``/``fold_order``: the key of every *folded* plate (confusable characters mapped to
  their class digit, see ``plates.fold``), sorted, with the index of the plate it came from.

Fuzzy search. An alignment costing at most ``d`` has at most ``d`` non-confusable edits, and
confusable substitutions vanish under folding, so the folded candidate lies within plain
Levenshtein distance ``d`` of the folded query. We generate every such folded string (the query's
substitutions over the 27-symbol folded alphabet, insertions and deletions, and for ``d = 2`` the
variants of the variants; vectorised with numpy and deduplicated by sorting), look them up in
``fold_keys`` with ``np.searchsorted`` and verify/score each hit with ``plates.match``.

Updates. ``add`` puts new plates in a small delta set (searched through its own lazily built
segment) and ``discard_all`` tombstones plates of the main segment; past ``merge_threshold`` of
either, both are merged into a rebuilt main segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from plateledger.domain.plate_codes import (  # noqa: E402 - re-exported for callers
    CODE,
    U64,
    PlatesInput,
    as_array,
    decode_array,
    encode,
    encode_array,
    fold_keys,
    fold_variants,
    unique_keys,
)
from plateledger.domain.plates import (
    MAX_PLATE_LENGTH,
    PlateMatch,
    canonicalize,
    match,
    strip_separators,
)
from plateledger.errors import ValidationError

__all__ = [
    "PlateDictionary", "decode_array", "encode", "encode_array", "fold_keys", "fold_variants",
    "unique_keys",
]  # fmt: skip

_PATTERN_CHARS = re.compile(r"[A-Z0-9?*]+")
_CANONICAL = re.compile(r"[A-Z0-9]{1,10}")
_REGEX_PREFILTER = 100_000


class _Segment:
    """An immutable sorted set of plates with its string and fold indexes."""

    __slots__ = ("fold_keys", "fold_order", "keys", "strings")

    def __init__(self, keys: U64) -> None:
        self.keys = keys  # sorted, unique
        self.strings = decode_array(keys)
        folded = fold_keys(keys)
        order = np.argsort(folded, kind="stable")
        self.fold_order = order.astype(np.uint32)
        self.fold_keys = folded[order]

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        arrays = (self.keys, self.fold_keys, self.fold_order)
        return sum(a.nbytes for a in arrays) + int(self.strings.nbytes)

    @staticmethod
    def contains(sorted_keys: U64, keys: U64) -> npt.NDArray[np.bool_]:
        """Which of ``keys`` are in ``sorted_keys`` (vectorised binary search)."""
        if not len(sorted_keys):
            return np.zeros(len(keys), dtype=np.bool_)
        at = np.searchsorted(sorted_keys, keys).clip(max=len(sorted_keys) - 1)
        return np.asarray(sorted_keys[at] == keys)

    def member_mask(self, keys: U64) -> npt.NDArray[np.bool_]:
        return self.contains(self.keys, keys)

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """Index range of the plates starting with ``prefix`` (canonical characters)."""
        if not prefix:
            return 0, len(self.keys)
        low = encode(prefix) & ~15
        high = low | ((1 << (64 - 6 * len(prefix))) - 1)
        return (
            int(np.searchsorted(self.keys, np.uint64(low), "left")),
            int(np.searchsorted(self.keys, np.uint64(high), "right")),
        )

    def wildcard(self, pattern: str) -> list[str]:
        """Plates matching a canonical pattern over ``[A-Z0-9?*]`` (see ``PlateDictionary``)."""
        prefix = re.split(r"[?*]", pattern, maxsplit=1)[0]
        low, high = self.prefix_range(prefix)
        if "*" not in pattern:
            hits = _fixed_length_hits(self.keys[low:high], pattern) + low
            return list(self.strings.take(pa.array(hits)).to_pylist())
        candidates = self.strings.slice(low, high - low)
        if "?" in pattern and len(candidates) > _REGEX_PREFILTER:
            candidates = _prefilter(candidates, pattern[len(prefix) :])
        like = pattern.replace("*", "%").replace("?", "_")
        return list(candidates.filter(pc.match_like(candidates, like)).to_pylist())

    def fold_lookup(self, variants: U64) -> list[str]:
        """Plates whose folded key is one of ``variants`` (sorted, unique)."""
        if not len(self.fold_keys):
            return []
        at = np.searchsorted(self.fold_keys, variants, "left")
        found = self.fold_keys[at.clip(max=len(self.fold_keys) - 1)] == variants
        low = at[found]
        high = np.searchsorted(self.fold_keys, variants[found], "right")
        counts = high - low
        starts = np.repeat(low - np.cumsum(counts) + counts, counts)
        rows = self.fold_order[starts + np.arange(int(counts.sum()))]
        return list(self.strings.take(pa.array(np.sort(rows))).to_pylist())


def _fixed_length_hits(keys: U64, pattern: str) -> npt.NDArray[np.intp]:
    """Indexes of the keys matching a pattern without ``*``: one masked comparison per key."""
    mask, value = 15, len(pattern)
    for j, char in enumerate(pattern):
        if char != "?":
            mask |= 63 << (58 - 6 * j)
            value |= int(CODE[ord(char)]) << (58 - 6 * j)
    return np.flatnonzero((keys & np.uint64(mask)) == np.uint64(value))


def _prefilter(candidates: pa.StringArray, rest: str) -> pa.StringArray:
    """Cheap literal pre-filter before a regex (``?``) match over many plates."""
    runs = [run for run in re.split(r"[?*]", rest) if run]
    if not runs:
        return candidates
    if not rest.endswith(("?", "*")):
        return candidates.filter(pc.ends_with(candidates, runs[-1]))
    return candidates.filter(pc.match_substring(candidates, max(runs, key=len)))


def _wildcard_pattern(pattern: str) -> str:
    """Canonicalise the literal parts of a pattern and collapse runs of ``*``."""
    text = re.sub(r"\*+", "*", strip_separators(pattern))
    if not text:
        raise ValidationError("pattern: empty", {"field": "pattern"})
    if not _PATTERN_CHARS.fullmatch(text):
        char = next(c for c in text if not _PATTERN_CHARS.fullmatch(c))
        raise ValidationError(
            f"pattern: bad character {char!r} (use A-Z, 0-9, ? and *)",
            {"field": "pattern", "character": char},
        )
    if len(text.replace("*", "")) > MAX_PLATE_LENGTH:
        raise ValidationError(
            f"pattern: longer than a plate ({MAX_PLATE_LENGTH} characters)", {"field": "pattern"}
        )
    return text


class PlateDictionary:
    """The set of distinct canonical plates known to the store, for wildcard and fuzzy search.

    Holds about 31 bytes per plate. Not thread-safe: callers serialise updates against queries.
    """

    def __init__(self, plates: PlatesInput | None = None, merge_threshold: int = 50_000) -> None:
        keys = encode_array(as_array(plates)) if plates is not None else np.zeros(0, np.uint64)
        self._main = _Segment(unique_keys(keys))
        self._merge_threshold = merge_threshold
        self._delta: set[str] = set()  # plates added since the last merge, not in main
        self._removed: set[str] = set()  # plates of main discarded since the last merge
        self._delta_segment: _Segment | None = None

    def __len__(self) -> int:
        return len(self._main) - len(self._removed) + len(self._delta)

    @property
    def nbytes(self) -> int:
        """Bytes held by the main index arrays (the delta and tombstone sets excluded)."""
        return self._main.nbytes

    def __contains__(self, plate: object) -> bool:
        """Exact membership of a canonical plate (no canonicalisation, no folding)."""
        if not isinstance(plate, str) or plate in self._removed:
            return False
        if plate in self._delta:
            return True
        if not _CANONICAL.fullmatch(plate):
            return False
        return bool(self._main.member_mask(np.array([encode(plate)], dtype=np.uint64))[0])

    def add(self, plates: PlatesInput) -> None:
        """Add canonical plates (duplicates and already known plates are fine).

        New plates go to the delta; once it outgrows ``merge_threshold`` everything is merged
        into the main index (a full rebuild: about 2 s at 8 million plates).
        """
        keys = unique_keys(encode_array(as_array(plates)))
        known = self._main.member_mask(keys)
        if self._removed and known.any():
            self._removed -= set(decode_array(keys[known]).to_pylist())
        new = keys[~known]
        if len(new) + len(self._delta) > self._merge_threshold:
            self._merge(new)
        elif len(new):
            before = len(self._delta)
            self._delta.update(decode_array(new).to_pylist())
            if len(self._delta) != before:
                self._delta_segment = None

    def discard_all(self, plates: Iterable[str]) -> None:
        """Remove plates (e.g. after a retention purge); unknown plates are ignored."""
        keys = unique_keys(encode_array(as_array(plates)))
        known = self._main.member_mask(keys)
        if self._delta and not known.all():
            before = len(self._delta)
            self._delta -= set(decode_array(keys[~known]).to_pylist())
            if len(self._delta) != before:
                self._delta_segment = None
        if known.any():
            self._removed.update(decode_array(keys[known]).to_pylist())
        if len(self._removed) > self._merge_threshold:
            self._merge(np.zeros(0, np.uint64))

    def wildcard(self, pattern: str) -> list[str]:
        """Plates matching ``pattern``, sorted: ``?`` is one character, ``*`` any run (or none).

        Literal parts are canonicalised (``"ab-?12*"`` means ``AB?12*``). A literal prefix narrows
        the search to a binary-searched range, so prefix patterns are the fast ones.
        """
        text = _wildcard_pattern(pattern)
        if "?" not in text and "*" not in text:
            return [text] if text in self else []
        found = self._main.wildcard(text)
        if self._removed:
            found = [plate for plate in found if plate not in self._removed]
        if self._delta:
            found = sorted(found + self._delta_index().wildcard(text))
        return found

    def fuzzy(self, query: str, max_distance: int) -> list[PlateMatch]:
        """Plates that ``plates.match(query, plate, max_distance)`` accepts, by (cost, plate).

        ``max_distance`` is 0 (confusable differences only), 1 or 2.
        """
        if isinstance(max_distance, bool) or max_distance not in (0, 1, 2):
            raise ValidationError(
                f"max_distance: must be 0, 1 or 2, got {max_distance!r}", {"field": "max_distance"}
            )
        plate = canonicalize(query)
        variants = fold_variants(plate, max_distance)
        candidates = self._main.fold_lookup(variants)
        if self._removed:
            candidates = [c for c in candidates if c not in self._removed]
        if self._delta:
            candidates += self._delta_index().fold_lookup(variants)
        matches = [m for c in candidates if (m := match(plate, c, max_distance)) is not None]
        matches.sort(key=lambda m: (m.cost, m.plate))
        return matches

    def _delta_index(self) -> _Segment:
        if self._delta_segment is None:
            keys = encode_array(pa.array(list(self._delta), pa.string()))
            self._delta_segment = _Segment(unique_keys(keys))
        return self._delta_segment

    def _merge(self, extra: U64) -> None:
        """Fold the delta, the tombstones and ``extra`` (sorted unique keys) into main."""
        keys = self._main.keys
        if self._removed:
            removed = encode_array(pa.array(list(self._removed), pa.string()))
            keys = np.delete(keys, np.searchsorted(keys, removed))
        added = unique_keys(
            np.concatenate([extra, encode_array(pa.array(list(self._delta), pa.string()))])
        )
        if len(keys) and len(added):
            added = added[~_Segment.contains(keys, added)]
        keys = np.insert(keys, np.searchsorted(keys, added), added)
        self._main = _Segment(keys)
        self._delta, self._removed, self._delta_segment = set(), set(), None
