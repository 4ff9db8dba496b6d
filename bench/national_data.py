"""The national-shaped world and its reads for ``bench_national.py``: 5,000 agencies in 50 states,
~40,000 cameras, a sharing graph, retention settings, and reads written straight into the lake
layout with numpy/pyarrow (no database in between)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import (
    US_STATES,
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    User,
    UserId,
)
from plateledger.policy.base import AccessRequest
from plateledger.policy.engine import PolicyState, PurposePolicy
from plateledger.store.base import Scope
from plateledger.store.parquet import PLATES_DIR, write_partitions

AGENCIES = 5000
CAMERAS = 40_000
COLORS = np.array(["white", "black", "silver", "red", "blue", "gray"])
TYPES = np.array(["sedan", "suv", "pickup", "van", "truck"])
MAKES = np.array(["FORD", "TOYOTA", "CHEVROLET", "HONDA", "NISSAN", "RAM"])
KINDS = ("municipal", "municipal", "municipal", "sheriff", "state_police")
ALPHABET = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"))


# --- the world ---------------------------------------------------------------------------
def world(rng: np.random.Generator) -> dict[str, Any]:
    states = rng.choice(len(US_STATES), AGENCIES)
    weights = rng.lognormal(0.0, 1.2, AGENCIES)
    weights /= weights.sum()
    cams_per = np.maximum(1, np.round(weights * CAMERAS)).astype(int)
    agencies, networks, cameras, agreements = [], [], [], []
    now = datetime.now(UTC)
    for i in range(AGENCIES):
        state = US_STATES[states[i]]
        agency = Agency(
            AgencyId(f"a{i:04d}"),
            f"Agency {i}",
            state,
            KINDS[i % len(KINDS)],
            [30, 90, 365, None][i % 4],
        )  # type: ignore[arg-type]
        net = Network(NetworkId(f"{agency.id}-net"), agency.id, "fixed")
        agencies.append(agency)
        networks.append(net)
        lat, lon = rng.uniform(26, 48), rng.uniform(-123, -70)
        for j in range(cams_per[i]):
            cameras.append(
                Camera(
                    CameraId(f"{agency.id}-c{j}"),
                    net.id,
                    "cam",
                    lat + rng.normal(0, 0.05),
                    lon + rng.normal(0, 0.05),
                )
            )
        r = rng.random()
        if r < 0.9:
            kind = "national" if r < 0.6 else "state"
            agreements.append(
                SharingAgreement(
                    f"sa{i}",
                    net.id,
                    kind,  # type: ignore[arg-type]
                    None if kind == "national" else state,
                    None,
                    frozenset(),
                    "bench",
                    now - timedelta(days=30),
                )
            )
    return {
        "agencies": agencies,
        "networks": networks,
        "cameras": cameras,
        "agreements": agreements,
        "weights": weights,
        "cams_per": cams_per,
    }


def plates_for(ids: np.ndarray) -> pa.Array:
    """Deterministic 7-character plates from integer ids (base 33: no I, O or Q)."""
    chars = np.stack([ALPHABET[(ids // (33**k)) % 33] for k in range(7)], axis=1)
    return pa.array(np.ascontiguousarray(chars).view("<U7").ravel())


# --- generation --------------------------------------------------------------------------
def generate(out: Path, w: dict[str, Any], reads: int, days: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    agencies, weights, cams_per = w["agencies"], w["weights"], w["cams_per"]
    owner_ids = np.array([a.id for a in agencies])
    net_ids = np.array([f"{a.id}-net" for a in agencies])
    states = np.array([a.state for a in agencies])
    cam_offset = np.concatenate([[0], np.cumsum(cams_per)[:-1]])
    cam_ids = np.array([c.id for c in w["cameras"]])
    # Vehicles live somewhere: each agency has a local fleet proportional to its size (about 25
    # reads per vehicle over the run); 90 % of reads are local vehicles, 10 % travellers.
    fleet = np.maximum(5, np.round(weights * reads / 25)).astype(np.int64)
    fleet_base = np.concatenate([[0], np.cumsum(fleet)[:-1]])
    population = int(fleet.sum())
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=days - 1)
    per_day = reads // days
    next_id = 1
    for d in range(days):
        n = per_day if d < days - 1 else reads - per_day * (days - 1)
        owner = rng.choice(AGENCIES, n, p=weights)
        cam = cam_offset[owner] + (rng.random(n) * cams_per[owner]).astype(int)
        local = fleet_base[owner] + (rng.random(n) * fleet[owner]).astype(np.int64)
        plate_id = np.where(rng.random(n) < 0.9, local, rng.integers(0, population, n))
        plate_id = plate_id * 7919 % population  # scatter ids so plates do not sort by owner
        day0 = int((start + timedelta(days=d)).timestamp() * 1_000_000)
        ts = day0 + rng.integers(0, 86_400_000_000, n)
        table = pa.table(
            {
                "owner": owner_ids[owner],
                "day": np.full(n, (start + timedelta(days=d)).date().isoformat()),
                "read_id": np.arange(next_id, next_id + n, dtype=np.int64),
                "network_id": net_ids[owner],
                "camera_id": cam_ids[cam],
                "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "plate": plates_for(plate_id),
                "plate_state": states[(plate_id * 31) % AGENCIES],
                "confidence": rng.uniform(0.5, 1.0, n).astype(np.float32),
                "color": COLORS[rng.integers(0, len(COLORS), n)],
                "vehicle_type": TYPES[rng.integers(0, len(TYPES), n)],
                "make": MAKES[rng.integers(0, len(MAKES), n)],
            }
        )
        next_id += n
        table = table.sort_by([("owner", "ascending"), ("plate", "ascending"), ("ts", "ascending")])
        write_partitions(table.to_batches(200_000), out, ("owner", "day"))
        dictionary = (
            table.select(["day", "plate", "owner"])
            .group_by(["day", "plate", "owner"])
            .aggregate([])
            .sort_by([("plate", "ascending"), ("owner", "ascending")])
        )
        write_partitions(dictionary.to_batches(), out / PLATES_DIR, ("day",), "plates.parquet")
        print(f"  day {d + 1}/{days}: {n:,} reads", file=sys.stderr)
    counts = pc.value_counts(table.column("plate")).to_pylist()
    counts.sort(key=lambda c: -c["counts"])
    return {
        "frequent": counts[0]["values"],
        "rare": counts[len(counts) // 2]["values"],
        "start": start,
    }


# --- the registry and the policy scope ---------------------------------------------------
class Registry:
    """The registry the read side needs (networks and cameras), held in memory: loading 40,000
    cameras into the embedded store one upsert at a time takes minutes and is not measured here."""

    def __init__(self, w: dict[str, Any]) -> None:
        self._networks: list[Network] = w["networks"]
        self._cameras: list[Camera] = w["cameras"]

    def networks(self) -> list[Network]:
        return self._networks

    def cameras(self) -> list[Camera]:
        return self._cameras

    def close(self) -> None:
        pass


def national_scope(w: dict[str, Any]) -> Scope:
    state = PolicyState(w["agreements"], [], {}, {}, {})
    engine = PurposePolicy(lambda: state)
    tx = next(a for a in w["agencies"] if a.state == "TX")
    user = User(UserId("tx-officer"), tx.id, "Officer", "officer")
    request = AccessRequest(
        user,
        tx,
        "stolen_vehicle",
        "24-1",
        "stolen vehicle report 24-1187",
        None,
        datetime.now(UTC),
        None,
        True,
        False,
    )
    by_id = {a.id: a for a in w["agencies"]}
    pairs = [(n, by_id[n.agency_id]) for n in w["networks"]]
    decisions = engine.evaluate(request, pairs)
    return Scope({d.network: d.retention_cutoff for d in decisions if d.decision == "allow"})
