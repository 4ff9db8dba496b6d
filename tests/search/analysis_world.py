"""Shared helpers for the analysis tests: reads, approvals and brute-force answers in Python."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from conftest import NOW, make_reads, read
from plateledger.app.platform import Platform
from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import AgencyId, NetworkId, User, UserId
from plateledger.search.analysis_types import AnalysisResult
from plateledger.search.types import HeldSearch, Purpose

OFFICER = User(UserId("il-officer"), AgencyId("il-test-pd"), "IL Officer", "officer")
SUPERVISOR = User(UserId("il-supervisor"), AgencyId("il-test-pd"), "IL Supervisor", "supervisor")
SERIOUS = Purpose("homicide", "24-0001", "homicide of a shop owner on Main St, suspect vehicle")
IL_CAMERAS = ("il-c1", "il-c2")

Row = dict[str, Any]


def add(platform: Platform, rows: Sequence[Row]) -> None:
    platform.store.append(make_reads(list(rows)))
    platform.dictionary.reload()


def share_with_il(platform: Platform, network: str) -> None:
    """``network``'s owner shares it with the IL agency for every lawful purpose."""
    platform.store.save_agreement(SharingAgreement(
        f"sa-{network}", NetworkId(network), "agency", "il-test-pd", None, frozenset(), "t",
        NOW - timedelta(days=1),
    ))  # fmt: skip


def approved(platform: Platform, run: Any) -> AnalysisResult:
    """Run, have the supervisors approve every part of the hold, run again (resumed)."""
    held = run()
    assert isinstance(held, HeldSearch), held
    hold = platform.holds.get(held.search_id)
    for part in hold.parts:
        supervisor = SUPERVISOR if part.agency_id == "il-test-pd" else User(
            UserId(f"{part.agency_id}-sup"), part.agency_id, "Sup", "supervisor"
        )  # fmt: skip
        platform.holds.decide(held.search_id, supervisor, True, "serious case, approved")
    result = run()
    assert isinstance(result, AnalysisResult), result
    return result


def random_reads(seed: int, plates: int = 25, count: int = 400) -> list[Row]:
    """Reads of ``plates`` plates over the two IL cameras in the last 6 hours, with a fixed
    target TARGET1 and a few planted companions."""
    rng = random.Random(seed)
    rows = [read(rng.choice(IL_CAMERAS), rng.uniform(1, 360), f"RND{rng.randrange(plates):03d}")
            for _ in range(count)]  # fmt: skip
    for minutes in (30, 90, 200):
        for camera in IL_CAMERAS:
            rows.append(read(camera, minutes + rng.uniform(0, 1), "TARGET1"))
            rows.append(read(camera, minutes + rng.uniform(-1.5, 1.5), "PAL001"))
    return rows


def brute_convoy(
    rows: Sequence[Row], target: str, start: datetime, end: datetime, delta: timedelta, k: int
) -> list[tuple[str, int, dict[str, tuple[datetime, datetime]]]]:
    """Companions by the issue's definition, straight from the rows: (plate, cameras, per
    camera the closest (target ts, companion ts) pair), ranked as the service ranks them."""
    targets = [r for r in rows if r["plate"] == target and start <= r["ts"] < end]
    best: dict[tuple[str, str], tuple[float, datetime, datetime]] = {}
    for r in rows:
        if r["plate"] == target:
            continue
        for t in targets:
            gap = abs((r["ts"] - t["ts"]).total_seconds())
            if r["camera_id"] == t["camera_id"] and gap <= delta.total_seconds():
                key = (r["plate"], r["camera_id"])
                cand = (gap, r["ts"], t["ts"])
                if key not in best or cand < best[key]:
                    best[key] = cand
    per: dict[str, dict[str, tuple[float, datetime, datetime]]] = {}
    for (plate, camera), found in best.items():
        per.setdefault(plate, {})[camera] = found
    ranked = sorted(
        ((p, len(c), sum(g for g, _, _ in c.values()) / len(c), c) for p, c in per.items()
         if len(c) >= k),
        key=lambda x: (-x[1], x[2], x[0]),
    )  # fmt: skip
    return [(p, n, {cam: (t, s) for cam, (_, s, t) in c.items()}) for p, n, _, c in ranked]
