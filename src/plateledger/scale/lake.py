"""The Parquet lake: ``owner=<agency>/day=<YYYY-MM-DD>/*.parquet`` plus ``_plates/day=…``.

Pure Python over ``pyarrow.fs`` (a local directory, or ``s3://``/``s3a://`` object storage): it
lists partitions, turns a policy ``Scope`` into the explicit list of files a query may open, reads
the per-day plate dictionaries, and deletes whole partitions for retention. Spark is never asked
to discover partitions itself, so a file outside the plan cannot be opened.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from plateledger.domain.types import AgencyId, NetworkId
from plateledger.errors import StoreError
from plateledger.store.base import ReadFilters, Scope

PLATES_DIR = "_plates"
INDEX_TTL_S = 60.0

# owner -> day -> file paths (filesystem paths, as pyarrow.fs names them)
PartitionIndex = dict[str, dict[date, list[str]]]


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What one query may touch: the files, and the row filter (network -> earliest time)."""

    files: tuple[str, ...]
    owners: tuple[str, ...]
    networks: Mapping[NetworkId, datetime]


def utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Lake:
    def __init__(self, uri: str) -> None:
        self.uri = uri.rstrip("/")
        try:
            fs_uri = "s3://" + self.uri[6:] if self.uri.startswith("s3a://") else self.uri
            self.fs, self.base = pafs.FileSystem.from_uri(fs_uri)
        except (pa.ArrowInvalid, OSError, ValueError) as exc:
            raise StoreError(f"lake {uri}: cannot open ({exc})", {"lake": uri}) from None
        self._index: PartitionIndex | None = None
        self._indexed_at = 0.0
        self._lock = threading.Lock()

    # --- paths ---------------------------------------------------------------------------
    def spark_path(self, path: str) -> str:
        """The URI Spark opens for a filesystem path of this lake."""
        if isinstance(self.fs, pafs.LocalFileSystem):
            return "file://" + path
        scheme = "s3a" if self.uri.startswith(("s3://", "s3a://")) else self.uri.split(":", 1)[0]
        return f"{scheme}://{path}"

    # --- partition index -----------------------------------------------------------------
    def index(self) -> PartitionIndex:
        with self._lock:
            stale = time.monotonic() - self._indexed_at > INDEX_TTL_S
            if self._index is None or stale:
                self._index = self._scan()
                self._indexed_at = time.monotonic()
            return self._index

    def refresh(self) -> None:
        with self._lock:
            self._index = None

    def _scan(self) -> PartitionIndex:
        index: PartitionIndex = {}
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(self.base, allow_not_found=True,
                                                            recursive=True))  # fmt: skip
        except OSError as exc:
            raise StoreError(f"lake {self.uri}: cannot list ({exc})", {"lake": self.uri}) from None
        for info in infos:
            if info.type != pafs.FileType.File or not info.path.endswith(".parquet"):
                continue
            parts = info.path[len(self.base) :].strip("/").split("/")
            if len(parts) != 3 or not parts[0].startswith("owner="):
                continue
            if not parts[1].startswith("day="):
                continue
            owner = unquote(parts[0][len("owner=") :])
            day = date.fromisoformat(unquote(parts[1][len("day=") :]))
            index.setdefault(owner, {}).setdefault(day, []).append(info.path)
        return index

    def file_count(self, owner: str | None = None) -> int:
        idx = self.index()
        owners = [owner] if owner is not None else list(idx)
        return sum(len(files) for o in owners for files in idx.get(o, {}).values())

    # --- planning ------------------------------------------------------------------------
    def plan(
        self,
        scope: Scope,
        filters: ReadFilters,
        owner_of: Mapping[NetworkId, AgencyId],
        *,
        plates: Sequence[str] | None = None,
        area_owners: frozenset[str] | None = None,
    ) -> ReadPlan | None:
        """Allowed owners x days within each owner's retention, within the query's time window.
        With ``plates``, only the (owner, day) partitions whose plate dictionary lists one of
        them; with ``area_owners`` (the owners of the cameras asked for), only those owners.
        None when nothing may be read."""
        allowed = {
            net: utc(cut) if cut is not None else EPOCH
            for net, cut in scope.networks.items()
            if net in owner_of
        }
        if not allowed:
            return None
        first_day: dict[str, date] = {}
        for net, cut in allowed.items():
            owner = owner_of[net]
            first_day[owner] = min(first_day.get(owner, cut.date()), cut.date())
        lo = utc(filters.time_from).date() if filters.time_from is not None else date.min
        hi = date.max
        if filters.time_to is not None:
            hi = (utc(filters.time_to) - timedelta(microseconds=1)).date()
        index = self.index()
        owners = [o for o in sorted(first_day) if area_owners is None or o in area_owners]
        parts = [
            (owner, day)
            for owner in owners
            for day in sorted(index.get(owner, {}))
            if max(lo, first_day[owner]) <= day <= hi
        ]
        if plates is not None:
            seen = self.plate_partitions(plates, {day for _, day in parts})
            parts = [(o, d) for o, d in parts if d not in seen or o in seen[d]]
        files = tuple(f for owner, day in parts for f in index[owner][day])
        return ReadPlan(files, tuple(sorted(first_day)), allowed)

    def plate_partitions(self, plates: Sequence[str], days: set[date]) -> dict[date, set[str]]:
        """For each day that has a dictionary: the owners whose reads include one of the plates
        (row-group statistics on the plate-sorted dictionary keep these reads small)."""
        out: dict[date, set[str]] = {}
        wanted = sorted(set(plates))
        for day in days:
            path = f"{self.base}/{PLATES_DIR}/day={day.isoformat()}/plates.parquet"
            try:
                table = pq.read_table(path, columns=["owner"], filesystem=self.fs,
                                      filters=[("plate", "in", wanted)])  # fmt: skip
            except FileNotFoundError:
                continue  # no dictionary for that day: every owner's file stays in the plan
            out[day] = set(table.column("owner").to_pylist())
        return out

    # --- plate dictionary ----------------------------------------------------------------
    def plates(self) -> pa.Array:
        """The distinct plates over every day's dictionary."""
        selector = pafs.FileSelector(f"{self.base}/{PLATES_DIR}", allow_not_found=True,
                                     recursive=True)  # fmt: skip
        paths = [i.path for i in self.fs.get_file_info(selector) if i.path.endswith(".parquet")]
        if not paths:
            return pa.array([], pa.string())
        chunks = [pq.read_table(p, columns=["plate"], filesystem=self.fs).column(0) for p in paths]
        return pc.unique(pa.chunked_array(chunks, pa.string()).combine_chunks())

    def write_day_dictionary(self, day: date) -> None:
        """Rebuild one day's plate dictionary from the partitions left for that day."""
        target = f"{self.base}/{PLATES_DIR}/day={day.isoformat()}"
        rows: list[pa.Table] = []
        for owner, days in sorted(self.index().items()):
            for f in days.get(day, []):
                read = pq.read_table(f, columns=["plate"], filesystem=self.fs)
                plates = pc.unique(read.column("plate").combine_chunks())
                owners = pa.array([owner] * len(plates), pa.string())
                rows.append(pa.table({"plate": plates, "owner": owners}))
        if self._exists(target):
            self.fs.delete_dir(target)
        if not rows:
            return
        table = pa.concat_tables(rows).group_by(["plate", "owner"]).aggregate([])
        table = table.sort_by([("plate", "ascending"), ("owner", "ascending")])
        self.fs.create_dir(target)
        pq.write_table(table, f"{target}/plates.parquet", filesystem=self.fs, compression="zstd")

    def _exists(self, path: str) -> bool:
        return bool(self.fs.get_file_info(path).type != pafs.FileType.NotFound)
