"""An acknowledged read survives SIGKILL of the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from conftest import NOW, free_port, setup_registry, wait_ready
from plateledger.app.platform import Platform
from plateledger.domain.types import NetworkId
from plateledger.store.base import ReadFilters, Scope


@pytest.mark.slow
def test_acknowledged_reads_survive_sigkill(data_dir: Path) -> None:
    setup = Platform(data_dir)
    token = setup_registry(setup)["il-admin"]
    setup.close()
    port = free_port()
    cmd = [sys.executable, "-m", "plateledger.cli.main", "serve", "--data", str(data_dir),
           "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    acked: list[str] = []
    try:
        wait_ready(url, proc)
        headers = {"Authorization": f"Bearer {token}"}
        for batch in range(20):
            rows = [
                {"camera_id": "il-c1", "ts": (NOW - timedelta(seconds=i)).isoformat(),
                 "plate": f"K{batch:02d}{i:04d}"}
                for i in range(500)
            ]  # fmt: skip
            r = httpx.post(f"{url}/api/v1/reads", json=rows, headers=headers, timeout=30)
            assert r.status_code == 200 and r.json()["stored"] == 500
            acked.extend(row["plate"] for row in rows)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)  # right after the last acknowledged response
        proc.wait()
    after = Platform(data_dir)
    scope = Scope({NetworkId("il-net"): None})
    assert after.store.stats().reads == len(acked)
    sample = acked[::997] + [acked[-1]]
    for plate in sample:
        assert len(after.store.find_reads([plate], ReadFilters(), scope, limit=2)) == 1
    after.close()
