"""Evidence images for the demo's reads, rendered once at build time and stored like ingest's.

Rendering an image for each of millions of reads would take hours, so pictures go to the plates
a visitor meets: every hotlisted plate and every planted convoy member (several framings each,
so a timeline is not one picture repeated), the most frequent plates of every agency and of the
whole demo, and the first plates of the documented example searches (``*123``, ``AB?12*`` in
docs/search.md), fewer of the last three in a small demo (:class:`Quota`). Every read
of those plates (compacted or hot) gets one of its plate's images as its ``crop_ref``; the other
reads keep their ``demo://crop/<n>`` reference ("crop on file", no image).

The images are real stored crops: content-addressed files under ``<data>/crops`` written by
:func:`plateledger.store.crops.put_crop`, bound (``crop_owners``) to each agency owning a read
that names them, exactly as ``POST /api/v1/reads`` with ``crop_b64`` binds an agency's crops.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from plateledger.demo.crops import render_crop
from plateledger.retention import tables
from plateledger.store import crops as files
from plateledger.store.duckdb_store import DuckDBStore
from plateledger.store.writer import ROW_TABLES

log = logging.getLogger(__name__)

FEATURED_VARIANTS = 3  # framings per hotlisted or convoy plate
OTHER_VARIANTS = 1
EXAMPLE_PATTERNS = ("%123", "AB_12%")  # docs/search.md: wildcard *123 and AB?12*


@dataclass(frozen=True)
class Quota:
    """How many plates get pictures besides the featured ones (fewer in a small demo)."""

    per_agency: int  # most frequent plates of each agency
    overall: int  # most frequent plates of the whole demo
    per_example: int  # plates per example pattern (in plate order, as wildcard results list)

    @classmethod
    def for_reads(cls, n_reads: int) -> Quota:
        def clamp(value: int, low: int, high: int) -> int:
            return max(low, min(high, value))

        return cls(clamp(n_reads // 20_000, 3, 12), clamp(n_reads // 2_000, 20, 150),
                   clamp(n_reads // 5_000, 20, 60))  # fmt: skip


_MAP = "demo_crop_map"

_TOP_OF_AGENCY = (
    "SELECT plate FROM (SELECT n.agency_id, r.plate, count(*) AS c, row_number() OVER "
    "(PARTITION BY n.agency_id ORDER BY count(*) DESC, r.plate) AS k FROM reads r "
    "JOIN networks n ON n.key = r.network_key GROUP BY n.agency_id, r.plate) WHERE k <= ?"
)
_TOP = "SELECT plate FROM reads GROUP BY plate ORDER BY count(*) DESC, plate LIMIT ?"
_LIKE = "SELECT DISTINCT plate FROM reads WHERE plate LIKE ? ORDER BY plate LIMIT ?"
_LOOKS = (
    "SELECT plate, mode(plate_state), mode(color) FROM reads "
    "WHERE list_contains(?::VARCHAR[], plate) GROUP BY plate ORDER BY plate"
)
_UPDATE = (
    "UPDATE {table} SET crop_ref = m.ref FROM " + _MAP + " m "
    "WHERE {table}.plate = m.plate AND m.k = {table}.read_id % m.n"
)
_OWNERS = (
    "SELECT DISTINCT r.crop_ref, n.agency_id FROM (SELECT crop_ref, network_key FROM reads "
    "UNION ALL SELECT crop_ref, network_key FROM reads_hot) r JOIN networks n "
    "ON n.key = r.network_key WHERE r.crop_ref IN (SELECT ref FROM " + _MAP + ")"
)


@dataclass(frozen=True)
class DemoCrops:
    plates: int  # plates with pictures
    images: int  # images rendered and stored
    reads: int  # reads now naming a stored image


def picture_plates(
    store: DuckDBStore, featured: Iterable[str], quota: Quota
) -> tuple[list[str], set[str]]:
    """(every plate to picture, in a stable order; the featured ones among them)."""
    chosen = dict.fromkeys(featured)
    featured_set = set(chosen)
    rows = store.execute(_TOP_OF_AGENCY, [quota.per_agency])
    rows += store.execute(_TOP, [quota.overall])
    for pattern in EXAMPLE_PATTERNS:
        rows += store.execute(_LIKE, [pattern, quota.per_example])
    chosen.update(dict.fromkeys(str(r[0]) for r in rows))
    return sorted(chosen), featured_set


def attach_crops(
    store: DuckDBStore, data_dir: Path, featured: Iterable[str], n_reads: int
) -> DemoCrops:
    """Render, store and bind the images, and point the chosen plates' reads at them."""
    plates, featured_set = picture_plates(store, featured, Quota.for_reads(n_reads))
    looks = store.execute(_LOOKS, [plates])
    jobs = [
        (str(plate), state, color, k, n)
        for plate, state, color in looks
        for n in [FEATURED_VARIANTS if plate in featured_set else OTHER_VARIANTS]
        for k in range(n)
    ]
    with ThreadPoolExecutor(
        max_workers=min(4, os.cpu_count() or 1)
    ) as pool:  # Pillow frees the GIL
        refs = list(pool.map(lambda j: files.put_crop(data_dir, render_crop(*j[:3], variant=j[3])),
                             jobs))  # fmt: skip
    keys, ks, ns = [j[0] for j in jobs], [j[3] for j in jobs], [j[4] for j in jobs]
    store.execute(f"CREATE OR REPLACE TEMP TABLE {_MAP} (plate VARCHAR, k BIGINT, n BIGINT, "
                  "ref VARCHAR)")  # fmt: skip
    try:
        store.execute(
            f"INSERT INTO {_MAP} SELECT unnest(?::VARCHAR[]), unnest(?::BIGINT[]), "
            "unnest(?::BIGINT[]), unnest(?::VARCHAR[])",
            [keys, ks, ns, refs],
        )
        for table in ROW_TABLES:  # the camera projection too (the place index has no crop)
            store.execute(_UPDATE.format(table=table))
        owners = {(str(r[0]), str(r[1])) for r in store.execute(_OWNERS)}
        tables.add_crop_owners(store, owners)
        count = store.execute(
            f"SELECT count(*) FROM reads WHERE crop_ref IN (SELECT ref FROM {_MAP})"
        )[0][0]
    finally:
        store.execute(f"DROP TABLE IF EXISTS {_MAP}")
    log.info("demo crops: %d images for %d plates on %d reads", len(refs), len(looks), count)
    return DemoCrops(len(looks), len(set(refs)), int(count))
