"""Demo hotlists: each of four agencies keeps a stolen-vehicle list of plates that recur on its
cameras, so a read posted for one of them raises an alert (see docs/hotlists.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from plateledger.app.platform import Platform
from plateledger.domain.types import AgencyId, User

LIST_OWNERS = ("il-chicago-pd", "tx-houston-pd", "ca-san-mateo-pd", "wa-seattle-pd")
ENTRIES_PER_LIST = 20
HOTLISTS_FILE = "demo-hotlists.json"


def seed_hotlists(platform: Platform, users: list[User]) -> list[dict[str, Any]]:
    """Create the demo lists (as each agency's admin) and write demo-hotlists.json."""
    admins = {u.agency_id: u for u in users if u.role == "admin"}
    expires = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    out = []
    for agency_id in LIST_OWNERS:
        admin = admins.get(AgencyId(agency_id))
        if admin is None:
            continue
        plates = _recurring_plates(platform, agency_id)
        hotlist = platform.hotlists.lists.create(
            admin,
            {"name": "Stolen vehicles (demo)", "purpose": "stolen_vehicle",
             "legal_basis": "reported stolen; NCIC Vehicle File entry", "source": "manual",
             "priority": "high", "strictness": "confusable"},
        )  # fmt: skip
        rows = [{"plate": p, "state": s, "reason": "reported stolen (demo)",
                 "case_number": f"DEMO-{i:04d}", "expires_at": expires}
                for i, (p, s) in enumerate(plates)]  # fmt: skip
        platform.hotlists.lists.add_entries(admin, hotlist.id, rows)
        out.append({"hotlist": hotlist.id, "owner": agency_id, "admin": admin.id,
                    "plates": [p for p, _ in plates]})  # fmt: skip
    path = platform.data_dir / HOTLISTS_FILE
    path.write_bytes(orjson.dumps(out, option=orjson.OPT_INDENT_2))
    return out


def _recurring_plates(platform: Platform, agency_id: str) -> list[tuple[str, str | None]]:
    keys = [k for k, n in platform.store.network_keys().items() if n.agency_id == agency_id]
    if not keys:
        return []
    marks = ", ".join("?" * len(keys))
    rows = platform.store.execute(
        f"SELECT plate, any_value(plate_state) FROM reads WHERE network_key IN ({marks}) "
        "GROUP BY plate ORDER BY count(*) DESC, plate LIMIT ?",
        [*keys, ENTRIES_PER_LIST],
    )
    return [(str(r[0]), r[1]) for r in rows]


def hotlists_file(data_dir: Path) -> Path:
    return data_dir / HOTLISTS_FILE
