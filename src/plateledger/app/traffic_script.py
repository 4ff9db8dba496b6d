"""What the demo's live traffic plays: drawn once from the built demo before it is served.

* **Passing traffic**: a reservoir sample of the demo's own reads on fixed, active cameras, so
  the live reads have the demo's traffic shape (busy cameras stay busy, commuters recur, plate
  states and vehicles as generated).
* **Hotlisted passes**: for each demo stolen-vehicle list (``demo-hotlists.json``), its plates as
  read on the list owner's own fixed cameras (where they recur), so a pass raises an alert for
  that agency: an agency's subscriptions apply to reads of its own cameras.
* **Tokens**: each agency's admin token from ``demo-credentials.json`` (ingest takes reads of the
  caller's own agency's cameras only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from plateledger.app.demo_build import CREDENTIALS_FILE
from plateledger.app.demo_hotlists import LIST_OWNERS, hotlists_file
from plateledger.app.platform import Platform

SAMPLE_READS = 5_000

_FIXED = (
    "SELECT c.key, c.id, n.agency_id FROM cameras c JOIN networks n ON n.id = c.network_id "
    "WHERE c.active AND NOT c.mobile"
)
_SAMPLE = (
    "SELECT camera_key, plate, plate_state, color, vtype, make FROM reads "
    "ORDER BY hash(read_id, ?::BIGINT) LIMIT ?"
)
_ON_OWN_CAMERAS = (
    "SELECT r.plate, mode(c.id), mode(r.plate_state), mode(r.color), mode(r.vtype), "
    "mode(r.make) FROM reads r JOIN cameras c ON c.key = r.camera_key "
    "JOIN networks n ON n.id = c.network_id WHERE n.agency_id = ? AND c.active AND NOT c.mobile "
    "AND list_contains(?::VARCHAR[], r.plate) GROUP BY r.plate ORDER BY r.plate"
)


@dataclass(frozen=True, slots=True)
class LiveRead:
    """One read to post (``ts`` is set when it is sent)."""

    agency_id: str  # owner of the camera: whose token posts it
    camera_id: str
    plate: str
    state: str | None
    color: str | None
    vehicle_type: str | None
    make: str | None


@dataclass(frozen=True)
class TrafficScript:
    passing: tuple[LiveRead, ...]
    hotlisted: dict[str, tuple[LiveRead, ...]]  # list owner -> its plates on its own cameras
    tokens: dict[str, str]  # agency -> an admin's API token

    def hit_order(self) -> list[str]:
        """Agencies whose lists get hotlisted passes, in turn: Chicago every other pass."""
        owners = [a for a in LIST_OWNERS if self.hotlisted.get(a)]
        first, rest = owners[:1], owners[1:]
        if not rest:
            return first
        return [a for other in rest for a in (*first, other)]


def admin_tokens(data_dir: Path) -> dict[str, str]:
    """Agency -> the token of its first admin in ``demo-credentials.json``."""
    path = Path(data_dir) / CREDENTIALS_FILE
    creds = orjson.loads(path.read_bytes()) if path.exists() else []
    out: dict[str, str] = {}
    for c in creds:
        if c.get("role") == "admin":
            out.setdefault(str(c["agency"]), str(c["token"]))
    return out


def prepare_script(platform: Platform, *, seed: int = 7) -> TrafficScript:
    """Draw the script from the demo in ``platform`` (built by ``build_demo``)."""
    store = platform.store
    tokens = admin_tokens(platform.data_dir)
    fixed = {int(k): (str(cid), str(a)) for k, cid, a in store.execute(_FIXED) if a in tokens}
    hot_path = hotlists_file(platform.data_dir)
    lists = orjson.loads(hot_path.read_bytes()) if hot_path.exists() else []
    listed = {str(p) for entry in lists for p in entry["plates"]}  # they pass on cue only
    rows = store.execute(_SAMPLE, [seed, SAMPLE_READS])
    passing = tuple(
        LiveRead(fixed[int(k)][1], fixed[int(k)][0], str(p), s, c, t, m)
        for k, p, s, c, t, m in rows
        if int(k) in fixed and str(p) not in listed
    )
    hotlisted: dict[str, tuple[LiveRead, ...]] = {}
    for entry in lists:
        owner = str(entry["owner"])
        if owner not in tokens or not entry["plates"]:
            continue
        seen = store.execute(_ON_OWN_CAMERAS, [owner, [str(p) for p in entry["plates"]]])
        hotlisted[owner] = tuple(LiveRead(owner, str(cam), str(p), s, c, t, m)
                                 for p, cam, s, c, t, m in seen)  # fmt: skip
    return TrafficScript(passing, hotlisted, tokens)
