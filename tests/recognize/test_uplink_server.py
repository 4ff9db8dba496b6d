"""The edge agent's uplink against a real plateledger server that is stopped and restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import NOW, free_port, setup_registry, wait_ready
from plateledger.app.platform import Platform
from plateledger.recognize.uplink import PENDING, Uplink


@contextmanager
def serving(data_dir: Path, port: int) -> Iterator[None]:
    cmd = [sys.executable, "-m", "plateledger.cli.main", "serve", "--data", str(data_dir),
           "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
        yield
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def reading(plate: str, seconds_ago: int) -> dict[str, object]:
    ts = (NOW - timedelta(seconds=seconds_ago)).isoformat().replace("+00:00", "Z")
    return {"camera_id": "il-c1", "ts": ts, "plate": plate, "confidence": 0.93}


@pytest.mark.slow
def test_reads_posted_while_the_server_is_down_arrive_after_it_restarts(
    data_dir: Path, tmp_path: Path
) -> None:
    setup = Platform(data_dir)
    token = setup_registry(setup)["il-admin"]
    setup.close()
    port, spool = free_port(), tmp_path / "spool"
    uplink = Uplink(f"http://127.0.0.1:{port}", token, spool, retries=2, backoff_s=0.05)

    with serving(data_dir, port):
        assert uplink.post([reading("KX4R921", 30)]).sent == 1
    # the server is stopped: nothing is lost, everything waits in the spool
    assert uplink.post([reading("KX4R922", 20)]).spooled == 1
    assert uplink.post([reading("KX4R923", 10)]).spooled == 2
    assert (spool / PENDING).read_text().count("KX4R92") == 2
    with serving(data_dir, port):
        result = uplink.post([reading("KX4R924", 5)])
        assert (result.sent, result.spooled) == (3, 0)
    assert not (spool / PENDING).exists()

    after = Platform(data_dir)
    try:
        assert after.store.stats().reads == 4
    finally:
        after.close()


@pytest.mark.slow
def test_recognize_cli_posts_to_a_real_server_and_spools_while_it_is_down(
    data_dir: Path, tmp_path: Path
) -> None:
    from recognize_synth import MISSING, cli_app, render_scene
    from typer.testing import CliRunner

    if MISSING:
        pytest.skip(f"optional extra not installed ({', '.join(MISSING)})")
    image, _ = render_scene("7ABC123", "California", seed=1)
    image.save(tmp_path / "car.jpg", quality=92)
    setup = Platform(data_dir)
    token = setup_registry(setup)["il-admin"]
    setup.close()
    port, spool = free_port(), tmp_path / "spool"
    url = f"http://127.0.0.1:{port}"
    args = ["recognize", str(tmp_path / "car.jpg"), "--camera", "il-c1", "--json",
            "--post", url, "--token", token, "--spool", str(spool)]  # fmt: skip

    down = CliRunner().invoke(cli_app(), args)  # nothing listens on the port yet
    assert down.exit_code == 0, down.stderr
    spooled = (spool / PENDING).read_text().splitlines()
    assert len(spooled) == 1 and '"plate":"7ABC123"' in spooled[0]
    with serving(data_dir, port):
        up = CliRunner().invoke(cli_app(), args)
        assert up.exit_code == 0, up.stderr
    assert not (spool / PENDING).exists()
    after = Platform(data_dir)
    try:
        assert after.store.stats().reads == 2  # the spooled read and the new one
    finally:
        after.close()
