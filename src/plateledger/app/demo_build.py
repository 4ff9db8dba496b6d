"""Builds the demo network into a data directory: registry, users with tokens, synthetic reads.

Re-running on the same directory reuses what was built (the read count is recorded in meta).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from plateledger.accounts.tokens import new_token
from plateledger.app.demo_crops import attach_crops
from plateledger.app.demo_hotlists import seed_hotlists
from plateledger.app.demo_sharing import share_demo
from plateledger.app.platform import Platform
from plateledger.demo import (
    DemoNetwork,
    HourProfile,
    build_network,
    builtin_profile,
    generate_reads,
    planted_convoys,
    profile_from_seattle,
)
from plateledger.domain.types import OPERATOR
from plateledger.errors import ConflictError

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "demo-credentials.json"
SEATTLE_READS = Path("reads") / "seattle-pd-2021-10.csv.gz"
META_KEY = "demo_reads"


@dataclass(frozen=True)
class DemoSummary:
    reads: int
    agencies: int
    cameras: int
    users: int
    credentials_path: Path
    credentials: list[dict[str, str]]
    reused: bool
    profile_source: str


def hour_profile(shared_data: Path | None) -> tuple[HourProfile, str]:
    if shared_data is not None and (shared_data / SEATTLE_READS).exists():
        return profile_from_seattle(shared_data / SEATTLE_READS), str(shared_data / SEATTLE_READS)
    return builtin_profile(), "built-in (derived from Seattle PD reads, 2021)"


def normalise(table: pa.Table) -> pa.Table:
    """Same conventions as API ingest: colour/type lower-case, make upper-case."""
    for name, fn in (
        ("color", pc.utf8_lower),
        ("vehicle_type", pc.utf8_lower),
        ("make", pc.utf8_upper),
    ):
        idx = table.schema.get_field_index(name)
        table = table.set_column(idx, name, fn(table.column(name)))
    return table


def build_demo(
    platform: Platform,
    n_reads: int,
    *,
    seed: int = 7,
    shared_data: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    store = platform.store
    cred_path = platform.data_dir / CREDENTIALS_FILE
    built = store.get_meta(META_KEY)
    network = build_network(seed)
    if built is not None:
        if int(built) != n_reads:
            raise ConflictError(
                f"{platform.data_dir} already holds a demo of {built} reads; "
                f"use another --data directory for {n_reads} reads"
            )
        creds = orjson.loads(cred_path.read_bytes()) if cred_path.exists() else []
        return _summary(network, int(built), cred_path, creds, True, "reused")
    if store.stats().reads:
        raise ConflictError(f"{platform.data_dir} already holds reads that are not a demo")
    _register(platform, network)
    share_demo(store)
    creds = _issue_credentials(platform, network, cred_path)
    profile, source = hour_profile(shared_data)
    tables = generate_reads(network, n_reads, seed=seed, profile=profile)
    store.bulk_load(_with_progress((normalise(t) for t in tables), progress))
    lists = seed_hotlists(platform, list(network.users))
    featured = [p for h in lists for p in h["plates"]]
    featured += [p for group in planted_convoys(network, seed) for p in group]
    attach_crops(store, platform.data_dir, featured, n_reads)
    store.set_meta(META_KEY, str(n_reads))
    platform.dictionary.reload()
    return _summary(network, n_reads, cred_path, creds, False, source)


def _register(platform: Platform, network: DemoNetwork) -> None:
    store = platform.store
    store.upsert_agencies(network.agencies)
    store.upsert_networks(network.networks)
    store.upsert_cameras(network.cameras)
    store.upsert_users(network.users)


def _issue_credentials(
    platform: Platform, network: DemoNetwork, path: Path
) -> list[dict[str, str]]:
    agencies = {a.id: a for a in network.agencies}
    creds = []
    for user in network.users:
        secret, token = new_token(user.id, "demo")
        password = secrets.token_urlsafe(12)
        platform.accounts.set_password(OPERATOR, user.id, password)
        platform.store.add_token(token)
        platform.log_event(
            "token_change", None,
            {"action": "issue", "for_user": user.id, "label": "demo",
             "token": token.token_hash[:12]},
        )  # fmt: skip
        agency = agencies[user.agency_id]
        creds.append(
            {
                "user": user.id,
                "agency": agency.id,
                "state": agency.state,
                "agency_kind": agency.kind,
                "role": user.role,
                "token": secret,
                "password": password,
            }
        )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(creds, option=orjson.OPT_INDENT_2))
    return creds


def _with_progress(
    tables: Iterator[pa.Table], progress: Callable[[int], None] | None
) -> Iterator[pa.Table]:
    for t in tables:
        yield t
        if progress is not None:
            progress(t.num_rows)


def _summary(
    network: DemoNetwork,
    reads: int,
    path: Path,
    creds: list[dict[str, str]],
    reused: bool,
    source: str,
) -> DemoSummary:
    return DemoSummary(
        reads, len(network.agencies), len(network.cameras), len(network.users), path, creds,
        reused, source,
    )  # fmt: skip
