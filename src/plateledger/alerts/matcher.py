"""Vectorised hotlist matching: a batch of reads against every subscribed list at once.

Entry plates pack into ``uint64`` keys (``search.plate_dictionary``), and their *folded* keys
(confusable characters mapped to one class, see ``plates.fold``) are sorted once. A batch of
reads is encoded, folded and binary-searched against them with numpy: exact and
confusable-only matches (``exact``/``confusable`` strictness) cost a few array operations per
batch whatever the number of entries. Only the rare rows that hit are looked at in Python,
scored with ``plates.match`` and checked against the list's strictness. Lists with a
``fuzzy1``/``fuzzy2`` threshold get a ``PlateDictionary`` of their own, searched per read.
Alternative candidates of a read are matched the same way (flagged ``candidate:...``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from plateledger.alerts.models import MAX_DISTANCE, Candidate, Entry
from plateledger.domain.plates import match
from plateledger.errors import ValidationError
from plateledger.search.plate_dictionary import PlateDictionary, encode_array, fold_keys

U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class Hit:
    """One (batch row, entry) pair the index accepts, with its score."""

    row: int
    entry: Entry
    read_plate: str
    similarity: float
    kind: str


class EntryIndex:
    """Active entries of the subscribed lists, indexed by folded plate key.

    Built from columns (entry id, list id, plate); the full ``Entry`` of a hit is fetched with
    ``load`` (entries given as objects are used directly), so a million entries cost arrays,
    not a million Python objects.
    """

    def __init__(self, entries: Iterable[Entry], strictness: Mapping[str, str]) -> None:
        kept = [e for e in entries if e.hotlist_id in strictness]
        by_id = {e.id: e for e in kept}
        columns = pa.table({"id": [e.id for e in kept], "hotlist_id": [e.hotlist_id for e in kept],
                            "plate": pa.array([e.plate for e in kept], pa.string())})  # fmt: skip
        self._build(columns, strictness, by_id.get)

    @classmethod
    def from_columns(
        cls, columns: pa.Table, strictness: Mapping[str, str], load: Callable[[str], Entry | None]
    ) -> EntryIndex:
        """``columns``: id, hotlist_id, plate of the active entries (other lists are dropped)."""
        index = cls.__new__(cls)
        keep = pc.is_in(columns.column("hotlist_id"), pa.array(sorted(strictness), pa.string()))
        index._build(columns.filter(keep), strictness, load)
        return index

    def _build(
        self, columns: pa.Table, strictness: Mapping[str, str], load: Callable[[str], Entry | None]
    ) -> None:
        self.strictness = strictness
        self._load = load
        self.ids: list[str] = columns.column("id").to_pylist()
        plates = columns.column("plate").combine_chunks().cast(pa.string())
        keys = encode_array(plates) if len(plates) else np.zeros(0, np.uint64)
        folded = fold_keys(keys)
        self.order = np.argsort(folded, kind="stable")
        self.folded = folded[self.order]
        fuzzy_lists = [h for h, level in strictness.items() if MAX_DISTANCE[level] > 0]
        self.by_plate: dict[str, list[str]] = {}
        if fuzzy_lists:
            mask = pc.is_in(columns.column("hotlist_id"), pa.array(fuzzy_lists, pa.string()))
            sub = columns.filter(mask)
            for entry_id, plate in zip(sub.column("id").to_pylist(),
                                       sub.column("plate").to_pylist(), strict=True):  # fmt: skip
                self.by_plate.setdefault(plate, []).append(entry_id)
        self.fuzzy = PlateDictionary(list(self.by_plate)) if self.by_plate else None
        self.max_fuzzy = max((MAX_DISTANCE[strictness[h]] for h in fuzzy_lists), default=0)

    def __len__(self) -> int:
        return len(self.ids)

    def match_plates(self, plates: pa.Array, rows: npt.NDArray[np.intp], kind: str) -> list[Hit]:
        """Exact and confusable hits of canonical ``plates`` (``rows``: their batch rows)."""
        if not len(self.folded) or not len(plates):
            return []
        keys = _safe_keys(plates)
        if keys is None:
            return []
        folded = fold_keys(keys)
        low = np.searchsorted(self.folded, folded, "left")
        high = np.searchsorted(self.folded, folded, "right")
        hits: list[Hit] = []
        for i in np.flatnonzero(high > low):
            plate = str(plates[int(i)].as_py())
            for j in self.order[low[i] : high[i]]:
                entry = self._load(self.ids[int(j)])
                found = None if entry is None else match(plate, entry.plate, 0)
                if entry is None or found is None:
                    continue
                exact = found.cost == 0
                if not exact and self.strictness[entry.hotlist_id] == "exact":
                    continue
                how = "exact" if exact else "confusable"
                label = how if kind == "plate" else f"candidate:{how}"
                hits.append(Hit(int(rows[i]), entry, plate, found.similarity, label))
        return hits

    def match_fuzzy(self, plates: Iterable[tuple[int, str]]) -> Iterator[Hit]:
        """Real-edit hits for lists with a fuzzy threshold (per read: keep such lists small)."""
        if self.fuzzy is None:
            return
        for row, plate in plates:
            for found in self.fuzzy.fuzzy(plate, self.max_fuzzy):
                if all(e.op == "confusable" for e in found.edits):
                    continue  # confusable-only: already found by match_plates
                for entry_id in self.by_plate[found.plate]:
                    entry = self._load(entry_id)
                    if (
                        entry is not None
                        and found.cost <= MAX_DISTANCE[self.strictness[entry.hotlist_id]]
                    ):
                        yield Hit(row, entry, plate, found.similarity, "fuzzy")


def match_batch(index: EntryIndex, table: pa.Table) -> list[Hit]:
    """Every hit of an ingest-schema batch: plates, then alternative candidates, then fuzzy."""
    if not len(index) or not table.num_rows:
        return []
    plates = table.column("plate").combine_chunks()
    hits = index.match_plates(plates, np.arange(len(plates)), "plate")
    if "candidates" in table.column_names:
        cands = table.column("candidates").combine_chunks()
        if cands.null_count < len(cands):
            parents = np.asarray(pc.list_parent_indices(cands))
            flat = pc.struct_field(pc.list_flatten(cands), "plate")
            canonical = pc.fill_null(pc.match_substring_regex(flat, r"^[A-Z0-9]{1,10}$"), False)
            valid = np.asarray(canonical, dtype=bool)
            if valid.any():
                sub = flat.filter(pa.array(valid))
                hits += index.match_plates(sub, parents[valid], "candidate")
    if index.fuzzy is not None:
        hits += index.match_fuzzy(enumerate(plates.to_pylist()))
    return hits


def to_candidates(hits: list[Hit], first_id: int) -> list[Candidate]:
    return [
        Candidate(first_id + h.row, h.row, h.entry.id, h.entry.plate, h.read_plate,
                  round(h.similarity, 4), h.kind)
        for h in hits
    ]  # fmt: skip


def _safe_keys(plates: pa.Array) -> U64 | None:
    try:
        return encode_array(plates)
    except ValidationError:
        return None  # a non-canonical candidate: skip the batch's candidates, never fail ingest
