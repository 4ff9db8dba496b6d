"""Evidence crops of reads: storing them at ingest, showing them, serving them, sweeping them.

Files are kept by :mod:`plateledger.store.crops`; this module decides around them.

* **Ingest** (``POST /api/v1/reads`` with ``crop_b64``): :func:`store_crops` writes every image
  of a batch before its reads are stored, so an acknowledged read's crop is on disk.
* **UI**: the results, timeline and alert pages embed the crops of the reads they show as
  ``data:`` URIs (:func:`data_uris`): those reads came from a search that passed the policy and
  the audit log (or from the agency's own alert queue), so no separate image URL is exposed.
* **API** (``GET /api/v1/crops/{sha}``, :func:`crop_for`): the search log keeps no result ids,
  so "the caller recently searched a read with this crop" cannot be checked. The rule is
  therefore: the crop is served only if a read that references it belongs to a network of the
  caller's own agency and is inside that agency's retention window. Every request is audited
  as ``crop_view`` (``success`` or ``denied``); a refusal is the same 404 as an unknown crop.
* **Retention** (:func:`sweep_after_purge`): crops no read (hot or compacted) and no alert
  references any more are deleted after a purge and counted in a ``purge`` audit event.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from plateledger.domain.types import User
from plateledger.errors import NotFoundError
from plateledger.ingest import ParseResult
from plateledger.store import crops as files
from plateledger.store.base import PurgeReceipt

if TYPE_CHECKING:  # the platform calls retention, which calls this: its interface only
    from plateledger.app.platform import Platform

PAGE_BUDGET_BYTES = 8 * 1024 * 1024  # images embedded in one page, at most
MAX_AUDITED_IDS = 100  # read ids named in one crop_view event (the count is always there)
_CROP_READS = (
    "SELECT r.read_id, n.id, n.agency_id, r.ts FROM ("
    "SELECT read_id, network_key, ts FROM reads WHERE crop_ref = ? UNION ALL "
    "SELECT read_id, network_key, ts FROM reads_hot WHERE crop_ref = ?) r "
    "JOIN networks n ON n.key = r.network_key ORDER BY r.read_id"
)
_REFERENCED = (
    "SELECT crop_ref FROM reads WHERE crop_ref LIKE 'sha256:%' UNION "
    "SELECT crop_ref FROM reads_hot WHERE crop_ref LIKE 'sha256:%' UNION "
    "SELECT crop_ref FROM hotlist_hits WHERE crop_ref LIKE 'sha256:%'"
)


def store_crops(platform: Platform, result: ParseResult) -> int:
    """Write the images of an ingest batch (validated by the parse) that belong to reads the
    platform will keep (not those of cameras whose state keeps no non-hit reads); how many."""
    if not result.crops:
        return 0
    brief = platform.non_hit_cameras()
    table = result.table
    kept = {
        ref
        for ref, camera in zip(
            table.column("crop_ref").to_pylist(), table.column("camera_id").to_pylist(), strict=True
        )
        if ref is not None and camera not in brief
    }
    for ref in kept & set(result.crops):
        stored = files.put_crop(platform.data_dir, result.crops[ref])
        if stored != ref:  # cannot happen: the parse computed ref from these bytes
            raise ValueError("crop reference changed between parse and store")
    return len(kept & set(result.crops))


def data_uris(platform: Platform, refs: Iterable[str | None]) -> dict[str, str]:
    """``crop_ref -> data:`` URI of the stored crops among ``refs`` (others are left out: the
    page shows its placeholder), up to :data:`PAGE_BUDGET_BYTES` of images in all."""
    out: dict[str, str] = {}
    budget = PAGE_BUDGET_BYTES
    for ref in refs:
        if not ref or ref in out:
            continue
        found = files.read_crop(platform.data_dir, ref)
        if found is None or len(found[0]) > budget:
            continue
        budget -= len(found[0])
        out[ref] = f"data:{found[1]};base64,{base64.b64encode(found[0]).decode('ascii')}"
    return out


def refs_of_reads(platform: Platform, read_ids: Sequence[int]) -> dict[int, str]:
    """``read_id -> crop_ref`` of those reads that have a stored-crop reference."""
    if not read_ids:
        return {}
    sql = (
        "SELECT read_id, crop_ref FROM (SELECT read_id, crop_ref FROM reads UNION ALL "
        "SELECT read_id, crop_ref FROM reads_hot) WHERE crop_ref LIKE 'sha256:%' "
        "AND read_id IN (SELECT UNNEST(?::UBIGINT[]))"
    )
    rows = platform.store.execute(sql, [list(read_ids)])
    return {int(r[0]): str(r[1]) for r in rows}


def _window_start(platform: Platform, agency_id: str, now: datetime) -> datetime | None:
    """The earliest read time the agency still keeps (naive UTC), or ``None`` for no limit."""
    from plateledger.retention.purge import windows  # retention imports this module

    for w in windows(platform):
        if w.agency.id == agency_id and w.minutes is not None:
            return (now - timedelta(minutes=w.minutes)).replace(tzinfo=None)
    return None


def crop_for(platform: Platform, user: User, sha: str) -> tuple[bytes, str]:
    """The crop ``sha`` as ``(bytes, media type)`` if ``user`` may see it (see the module doc);
    else :class:`NotFoundError`, the same for "no such crop" and "not yours". Audited."""
    ref = files.REF_PREFIX + sha
    found = files.find_crop(platform.data_dir, sha) if files.is_sha(sha) else None
    rows = platform.store.execute(_CROP_READS, [ref, ref]) if found else []
    start = _window_start(platform, user.agency_id, datetime.now(UTC))
    own = [r for r in rows if r[2] == user.agency_id and (start is None or r[3] >= start)]
    subject: dict[str, object] = {"crop": ref if files.is_sha(sha) else "invalid"}
    if found is None or not own:
        subject["reason"] = "no crop of a read of the caller's agency within retention"
        platform.log_event("crop_view", user, subject, outcome="denied")
        raise NotFoundError("no such crop, or none you may see", {"sha": sha[:64]})
    subject["read_ids"] = [int(r[0]) for r in own[:MAX_AUDITED_IDS]]
    subject["reads"] = len(own)
    platform.log_event("crop_view", user, subject, networks=sorted({str(r[1]) for r in own}))
    return found[0].read_bytes(), found[1]


def sweep_after_purge(
    platform: Platform, receipts: Sequence[PurgeReceipt], now: datetime | None = None
) -> int:
    """Delete crops no read or alert references any more; audit how many (a ``purge`` event
    naming the purged networks) when any were deleted."""
    if not files.root(platform.data_dir).is_dir():
        return 0
    referenced = {str(r[0]) for r in platform.store.execute(_REFERENCED)}
    deleted = files.sweep(platform.data_dir, referenced)
    if deleted:
        networks = sorted({n for r in receipts for n in r.networks})
        owners = {n.id: n.agency_id for n in platform.store.networks()}
        subject = {
            "what": "evidence crops", "network": ",".join(networks),
            "owner_agency": ",".join(sorted({owners.get(n, "?") for n in networks})),
            "cutoff": (now or datetime.now(UTC)).isoformat(), "rows_purged": 0,
            "crops_deleted": deleted,
        }  # fmt: skip
        from plateledger.domain.types import SYSTEM_USER

        platform.log_event("purge", SYSTEM_USER, subject, networks=networks)
    return deleted
