"""The demo's live traffic: a background thread posting reads through the real ingest API.

While ``plateledger demo`` serves, :class:`TrafficPlayer` posts a few reads a second (time now)
to ``POST /api/v1/reads``, each with ``crop_b64`` (a rendered plate crop, so the server stores
and binds it like any camera's), as the admin of the camera's agency. The reads come from a
:class:`~plateledger.app.traffic_script.TrafficScript`: passing traffic in the demo's shape and,
from ``first_hit_s`` after the server is up and then every ``hit_every_s``, a hotlisted plate
passing one of its list owner's cameras, so that agency's officers see an alert arrive (Chicago
first, then every other pass).

It never takes the server down: a failed post is logged (status or error kind, never plate text)
and retried later with an exponential back-off; :meth:`TrafficPlayer.stop` ends it between posts.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from plateledger.app.traffic_script import LiveRead, TrafficScript
from plateledger.demo.crops import render_crop

log = logging.getLogger(__name__)

LIVE_VARIANTS = 4  # framings per passing plate (repeats of a plate reuse them: disk stays small)
MAX_BACKOFF_S = 30.0
HTTP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class PlayerSettings:
    rate: float = 2.0  # passing reads per second (on average)
    first_hit_s: float = 20.0  # first hotlisted pass, after the server answers
    hit_every_s: float = 60.0
    ready_timeout_s: float = 300.0
    seed: int | None = None  # None: another run of traffic every start


class TrafficPlayer:
    """Posts the script's reads to ``base_url`` until :meth:`stop`; counts what it did."""

    def __init__(
        self,
        base_url: str,
        script: TrafficScript,
        settings: PlayerSettings,
        server_exiting: Callable[[], bool] = lambda: False,
    ) -> None:
        self._url = base_url.rstrip("/") + "/api/v1/reads"
        self._health = base_url.rstrip("/") + "/api/v1/health"
        self._script = script
        self._settings = settings
        self._rng = np.random.default_rng(settings.seed)
        self._stop = threading.Event()
        self._server_exiting = server_exiting  # the server is shutting down: stop quietly
        self._thread = threading.Thread(target=self._run, name="demo-traffic", daemon=True)
        self._order = script.hit_order()
        self._hits = 0
        self.posted = 0  # reads the server stored
        self.hotlisted = 0  # hotlisted reads it stored
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _stopping(self) -> bool:
        return self._stop.is_set() or self._server_exiting()

    def _run(self) -> None:
        try:
            if not self._wait_ready():
                return
            self._loop()
        except Exception:  # a bug here must not take the demo server down with it
            log.exception("live traffic stopped by an unexpected error")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self._settings.ready_timeout_s
        while not self._stopping() and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self._health, timeout=5) as resp:  # noqa: S310 (our URL)
                    if resp.status == 200:
                        return True
            except (OSError, urllib.error.URLError):
                pass
            self._stop.wait(0.25)
        if not self._stopping():
            log.warning("live traffic: the server did not answer at %s; not started", self._health)
        return False

    def _loop(self) -> None:
        s = self._settings
        start = time.monotonic()
        next_hit = start + s.first_hit_s
        tick, backoff = 1.0, 0.0
        next_tick = start
        pending: tuple[LiveRead, int] | None = None  # a hotlisted pass, posted until stored
        while not self._stopping():
            if pending is None and self._order and time.monotonic() >= next_hit:
                pending = self._next_hotlisted()
            ok = True
            if pending is not None:
                ok = self._post(pending[0].agency_id, [pending])
                if ok:
                    pending = None
                    next_hit = max(next_hit + s.hit_every_s, time.monotonic() + s.hit_every_s / 2)
            if ok:
                ok = self._post_all(self._passing(int(self._rng.poisson(s.rate * tick))))
            backoff = 0.0 if ok else min(max(backoff * 2, 1.0), MAX_BACKOFF_S)
            next_tick = max(next_tick + tick, time.monotonic()) + backoff
            self._stop.wait(max(next_tick - time.monotonic(), 0.0))

    def _passing(self, n: int) -> list[tuple[LiveRead, int]]:
        pool = self._script.passing
        if not pool or n <= 0:
            return []
        picks = self._rng.integers(0, len(pool), n)
        variants = self._rng.integers(0, LIVE_VARIANTS, n)
        return [(pool[int(i)], int(v)) for i, v in zip(picks, variants, strict=True)]

    def _next_hotlisted(self) -> tuple[LiveRead, int]:
        agency = self._order[self._hits % len(self._order)]
        plates = self._script.hotlisted[agency]
        read = plates[(self._hits // len(self._order)) % len(plates)]
        self._hits += 1
        return read, LIVE_VARIANTS + self._hits  # a framing of its own: a new image per pass

    def _post_all(self, batch: list[tuple[LiveRead, int]]) -> bool:
        by_agency: dict[str, list[tuple[LiveRead, int]]] = defaultdict(list)
        for item in batch:
            by_agency[item[0].agency_id].append(item)
        ok = True
        for agency, items in by_agency.items():
            if self._stopping():
                break
            ok = self._post(agency, items) and ok
        return ok

    def _post(self, agency: str, items: list[tuple[LiveRead, int]]) -> bool:
        """One POST of an agency's reads; False on a failure worth backing off for."""
        body = orjson.dumps([_record(r, v) for r, v in items])
        headers = {"Authorization": f"Bearer {self._script.tokens[agency]}",
                   "Content-Type": "application/json"}  # fmt: skip
        request = urllib.request.Request(self._url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as resp:  # noqa: S310
                report = orjson.loads(resp.read())
        except urllib.error.HTTPError as exc:
            self.failures += 1
            if self._stopping():
                return False
            log.warning("live traffic: %d reads for %s refused (HTTP %d); backing off",
                        len(items), agency, exc.code)  # fmt: skip
            return False
        except (OSError, ValueError) as exc:
            self.failures += 1
            if self._stopping():  # the server went away because it is shutting down
                return False
            log.warning("live traffic: posting reads for %s failed (%s); backing off", agency,
                        type(exc).__name__)  # fmt: skip
            return False
        stored = int(report.get("stored", 0))
        self.posted += stored
        if stored == len(items):
            self.hotlisted += sum(1 for r, _ in items if _is_hot(self._script, r))
        return True


def _is_hot(script: TrafficScript, read: LiveRead) -> bool:
    return read in script.hotlisted.get(read.agency_id, ())


def _record(read: LiveRead, variant: int) -> dict[str, Any]:
    crop = render_crop(read.plate, read.state, read.color, variant=variant)
    record: dict[str, Any] = {
        "camera_id": read.camera_id,
        "ts": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "plate": read.plate,
        "confidence": 0.93,
        "engine": "demo-live/1",
        "crop_b64": base64.b64encode(crop).decode("ascii"),
    }
    optional = {"plate_state": read.state, "color": read.color, "vehicle_type": read.vehicle_type,
                "make": read.make}  # fmt: skip
    record.update({k: v for k, v in optional.items() if v is not None})
    return record
