"""Retention: effective window = min(statute cap, agency setting); purge what is older.

Run by the server every hour and by `plateledger retention run`. Every deletion produces a
receipt (owner networks, day, count, bytes freed), kept in the store and written to the search
log as a `purge` entry for the audit trail. Legal holds (by case number) keep named reads.
States whose law keeps non-hit reads only minutes (New Hampshire: 3) are not stored at all
until hotlist matching exists to tell hits from non-hits (see ``non_hit_states``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from plateledger.domain.types import Agency, NetworkId
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.retention.crops import sweep_after_purge
from plateledger.scale.config import load_engine_config
from plateledger.scale.lake import Lake
from plateledger.scale.lake_retention import purge_owner
from plateledger.store.base import PurgeReceipt

if TYPE_CHECKING:  # the platform runs retention; retention only needs its interface
    from plateledger.app.platform import Platform

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    agency: Agency
    networks: tuple[NetworkId, ...]
    minutes: int | None  # None: keep forever (no cap, no setting)
    source: str


def windows(platform: Platform) -> list[Window]:
    """The effective retention window of every agency that owns networks."""
    nets: dict[str, list[NetworkId]] = {}
    for n in platform.store.networks():
        nets.setdefault(n.agency_id, []).append(n.id)
    out = []
    for agency in platform.store.agencies():
        if agency.id not in nets:
            continue
        law = jurisdiction(agency.state)
        cap, rule = law.retention_for(agency.kind)
        candidates = []
        if cap is not None:
            candidates.append((cap * 24 * 60, rule.id))
        if agency.retention_days is not None:
            candidates.append((agency.retention_days * 24 * 60, f"agency.{agency.id}.retention"))
        if law.non_hit_retention_minutes is not None:
            candidates.append((law.non_hit_retention_minutes, f"{law.code}.retention.non_hit"))
        minutes, source = min(candidates) if candidates else (None, "none")
        out.append(Window(agency, tuple(nets[agency.id]), minutes, source))
    return out


def run_retention(platform: Platform, now: datetime | None = None) -> list[PurgeReceipt]:
    now = now or datetime.now(UTC)
    receipts: list[PurgeReceipt] = []
    for w in windows(platform):
        if w.minutes is None:
            continue
        cutoff = now - timedelta(minutes=w.minutes)
        got = platform.store.purge_before(w.networks, cutoff, w.source)
        for r in got:
            platform.record_purge(r, w.source)
        receipts.extend(got)
    if receipts:
        platform.reload_dictionary()
        crops = sweep_after_purge(platform, receipts, now)  # unreferenced evidence crops
        log.info("retention purged %d reads, %d crops", sum(r.count for r in receipts), crops)
    if load_engine_config(platform.data_dir).engine == "spark":
        run_lake_retention(platform, now)  # the Spark engine's Parquet lake too
    return receipts


def run_lake_retention(
    platform: Platform, now: datetime | None = None
) -> list[tuple[str, PurgeReceipt]]:
    """Retention on the Parquet lake the Spark engine reads (docs/scale.md): whole expired
    ``owner=/day=`` partitions deleted, the boundary day rewritten, legal holds kept; each
    receipt is written to the audit log like a purge of the embedded store."""
    now = now or datetime.now(UTC)
    lake = Lake(load_engine_config(platform.data_dir).lake_uri(platform.data_dir))
    held = frozenset(int(r[0]) for r in platform.store.execute("SELECT read_id FROM legal_holds"))
    out: list[tuple[str, PurgeReceipt]] = []
    for w in windows(platform):
        if w.minutes is None:
            continue
        cutoff = now - timedelta(minutes=w.minutes)
        got = purge_owner(lake, w.agency.id, w.networks, cutoff, w.source,
                          platform.record_purge, held)  # fmt: skip
        out.extend((w.agency.id, r) for r in got)
    return out
