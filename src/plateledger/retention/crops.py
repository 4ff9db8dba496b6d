"""Evidence crops of reads: storing them at ingest, showing them, serving them, sweeping them.

Files are kept by :mod:`plateledger.store.crops`; :class:`Crops` decides around them.

* **Ingest** (``POST /api/v1/reads`` with ``crop_b64``): :meth:`Crops.store_crops` writes every
  image of a batch before its reads are stored, so an acknowledged read's crop is on disk, and
  records the agency owning the read's camera as one that stored it (``crop_owners``). A
  ``sha256:`` ``crop_ref`` sent without its image is refused at parse (``ingest.parse``).
* **Bound to its reads**: a crop is shown or served only through a read whose owner agency
  stored that crop (sent its bytes). A read that merely names another agency's hash (older
  data, an import that bypassed the parse) shows no image, whoever asks.
* **UI**: the results, timeline and alert pages embed the crops of the reads they show as
  ``data:`` URIs (:meth:`Crops.data_uris`, given each read's owner): those reads came from a
  search that passed the policy and the audit log (or from the agency's own alert queue), so
  no separate image URL is exposed.
* **API** (``GET /api/v1/crops/{sha}``, :meth:`Crops.crop_for`): the search log keeps no result
  ids, so "the caller recently searched a read with this crop" cannot be checked. The rule is
  therefore: the crop is served only if a read that references it belongs to a network of the
  caller's own agency, is inside that agency's retention window, and the agency stored that
  crop. Every request is audited as ``crop_view`` (``success`` or ``denied``); a refusal is the
  same 404 as an unknown crop.
* **Retention** (:meth:`Crops.sweep_after_purge`): crops no read (hot or compacted) and no alert
  references any more are deleted after a purge and counted in a ``purge`` audit event.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import SYSTEM_USER, User
from plateledger.errors import NotFoundError
from plateledger.ingest import ParseResult
from plateledger.retention import tables
from plateledger.retention.base import RetentionStore
from plateledger.retention.windows import agency_windows, window_start
from plateledger.store import crops as files
from plateledger.store.base import PurgeReceipt

PAGE_BUDGET_BYTES = 8 * 1024 * 1024  # images embedded in one page, at most
MAX_AUDITED_IDS = 100  # read ids named in one crop_view event (the count is always there)


class Crops:
    """Evidence crops around the file store: ingest, pages, the audited route, the sweep."""

    def __init__(
        self,
        *,
        store: RetentionStore,
        audit: AuditSink,
        data_dir: Path,
        non_hit_cameras: Callable[[], frozenset[str]],
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._data_dir = Path(data_dir)
        self._non_hit_cameras = non_hit_cameras  # cameras whose reads are not kept (NH)
        self._clock = clock

    def store_crops(self, result: ParseResult) -> int:
        """Write the images of an ingest batch (validated by the parse) that belong to reads the
        platform will keep (not those of cameras whose state keeps no non-hit reads); how many."""
        if not result.crops:
            return 0
        brief = self._non_hit_cameras()
        table = result.table
        refs, cameras = table.column("crop_ref").to_pylist(), table.column("camera_id").to_pylist()
        kept = {
            ref for ref, camera in zip(refs, cameras, strict=True)
            if ref is not None and camera not in brief
        }  # fmt: skip
        owner_of = self._camera_owners()
        for ref in kept & set(result.crops):
            stored = files.put_crop(self._data_dir, result.crops[ref])
            if stored != ref:  # cannot happen: the parse computed ref from these bytes
                raise ValueError("crop reference changed between parse and store")
        owners = {
            (ref, owner_of[camera]) for ref, camera in zip(refs, cameras, strict=True)
            if ref in result.crops and ref in kept and camera in owner_of
        }  # fmt: skip
        tables.add_crop_owners(self._store, owners)
        return len(kept & set(result.crops))

    def _camera_owners(self) -> dict[str, str]:
        network_owner = {n.id: n.agency_id for n in self._store.networks()}
        return {c.id: network_owner[c.network_id] for c in self._store.cameras()
                if c.network_id in network_owner}  # fmt: skip

    def data_uris(self, crops: Iterable[tuple[str | None, str]]) -> dict[str, str]:
        """``crop_ref -> data:`` URI for each ``(crop_ref, owner agency of the read)`` whose
        owner stored that crop (others are left out: the page shows its placeholder), up to
        :data:`PAGE_BUDGET_BYTES` of images in all."""
        pairs = [(ref, owner) for ref, owner in crops if ref]
        stored_by = tables.crop_owners(self._store, [ref for ref, _ in pairs])
        out: dict[str, str] = {}
        budget = PAGE_BUDGET_BYTES
        for ref, owner in pairs:
            if ref in out or owner not in stored_by.get(ref, ()):
                continue
            found = files.read_crop(self._data_dir, ref)
            if found is None or len(found[0]) > budget:
                continue
            budget -= len(found[0])
            out[ref] = f"data:{found[1]};base64,{base64.b64encode(found[0]).decode('ascii')}"
        return out

    def refs_of_reads(self, read_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """``read_id -> (crop_ref, owner agency)`` of those reads that have a stored-crop
        reference (give the pairs to :meth:`data_uris`)."""
        return tables.crop_refs_of_reads(self._store, read_ids)

    def crop_for(self, user: User, sha: str) -> tuple[bytes, str]:
        """The crop ``sha`` as ``(bytes, media type)`` if ``user`` may see it (see the module
        doc); else :class:`NotFoundError`, the same for "no such crop" and "not yours". Audited."""
        ref = files.REF_PREFIX + sha
        found = files.find_crop(self._data_dir, sha) if files.is_sha(sha) else None
        rows = tables.reads_of_crop(self._store, ref) if found else []
        start = window_start(agency_windows(self._store), user.agency_id, self._clock())
        stored = user.agency_id in tables.crop_owners(self._store, [ref]).get(ref, ())
        own = [r for r in rows if stored and r[2] == user.agency_id and
               (start is None or r[3] >= start)]  # fmt: skip
        subject: dict[str, object] = {"crop": ref if files.is_sha(sha) else "invalid"}
        if found is None or not own:
            subject["reason"] = "no crop its agency stored for a read of its own within retention"
            self._audit("crop_view", user, subject, outcome="denied")
            raise NotFoundError("no such crop, or none you may see", {"sha": sha[:64]})
        subject["read_ids"] = [r[0] for r in own[:MAX_AUDITED_IDS]]
        subject["reads"] = len(own)
        self._audit("crop_view", user, subject, networks=sorted({r[1] for r in own}))
        return found[0].read_bytes(), found[1]

    def sweep_after_purge(
        self, receipts: Sequence[PurgeReceipt], now: datetime | None = None
    ) -> int:
        """Delete crops no read or alert references any more; audit how many (a ``purge`` event
        naming the purged networks) when any were deleted."""
        if not files.root(self._data_dir).is_dir():
            return 0
        deleted = files.sweep(self._data_dir, tables.referenced_crops(self._store))
        tables.forget_crop_owners(self._store, {ref for ref, _ in files.iter_crops(self._data_dir)})
        if deleted:
            networks = sorted({n for r in receipts for n in r.networks})
            owners = {n.id: n.agency_id for n in self._store.networks()}
            subject = {
                "what": "evidence crops", "network": ",".join(networks),
                "owner_agency": ",".join(sorted({owners.get(n, "?") for n in networks})),
                "cutoff": (now or self._clock()).isoformat(), "rows_purged": 0,
                "crops_deleted": deleted,
            }  # fmt: skip
            self._audit("purge", SYSTEM_USER, subject, networks=networks)
        return deleted
