"""The audit log on the search path, over HTTP, and as an offline bundle (tampered ones fail)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import SEARCH, auth, free_port, iso, setup_registry, wait_ready
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.bundle import export_bundle, verify_directory
from plateledger.audit.checkpoint import Checkpoint, Signer, Verifier, open_note
from plateledger.audit.merkle import VerificationError, verify_consistency
from plateledger.cli.main import app as cli


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        rows = [{"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123", "confidence": 0.9}]
        c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin"))
        yield c


def entries(platform: Platform, start: int = 0) -> list[dict[str, object]]:
    return [orjson.loads(platform.audit.entry(i)) for i in range(start, platform.audit.size)]


def first_search(platform: Platform) -> int:
    return next(i for i, e in enumerate(entries(platform)) if e["event_type"] == "search")


def search(
    client: TestClient, platform: Platform, reason: str = "stolen car report"
) -> httpx.Response:
    body = {"query": {"plate": "ABC123"}, **SEARCH, "reason": reason}
    return client.post("/api/v1/searches", json=body, headers=auth(platform, "il-officer"))


def test_every_search_is_in_the_log_before_results(client: TestClient, platform: Platform) -> None:
    before = platform.audit.size
    r = search(client, platform)
    assert r.status_code == 200
    entry = next(e for e in entries(platform, before) if e["event_type"] == "search")
    assert entry["event_type"] == "search" and entry["user_id"] == "il-officer"
    assert entry["subject"]["query"]["plate"] == "ABC123"
    assert entry["subject"]["search_id"] == r.json()["search_id"]
    assert entry["subject"]["decisions"][0]["rule_ids"]


def test_failed_audit_append_fails_the_search(client: TestClient, platform: Platform) -> None:
    platform.audit.entries.close()  # the log can no longer be written
    r = search(client, platform)
    assert r.status_code >= 500
    assert "results" not in r.json()


def test_http_endpoints(client: TestClient, platform: Platform) -> None:
    search(client, platform)
    search(client, platform, "second search")
    key = client.get("/api/v1/audit/public-key").text.strip()  # public
    note = client.get("/api/v1/audit/checkpoint").text  # public
    cp = open_note(note, Verifier.from_vkey(key))
    i = first_search(platform)
    assert i < cp.size <= platform.audit.size
    assert client.get(f"/api/v1/audit/entries/{i}").status_code == 401
    got = client.get(f"/api/v1/audit/entries/{i}", headers=auth(platform, "il-officer")).json()
    assert got["entry"]["user_id"] == "il-officer"
    # TX's network was evaluated (denied) for this search: TX's admin sees the attempt in its
    # network view, narrowed to tx-net; the whole entry (every network's decision) is IL's.
    for tx in ("tx-officer", "tx-admin"):
        entry = client.get(f"/api/v1/audit/entries/{i}", headers=auth(platform, tx))
        assert entry.status_code == 403
    view = client.get("/api/v1/audit/networks/tx-net", headers=auth(platform, "tx-admin")).text
    search_id = got["entry"]["subject"]["search_id"]
    seen = [orjson.loads(line)["entry"] for line in view.splitlines()]
    mine = next(e for e in seen if e["subject"].get("search_id") == search_id)
    assert [d["network"] for d in mine["subject"]["decisions"]] == ["tx-net"]
    assert (
        client.get(f"/api/v1/audit/entries/{i}", headers=auth(platform, "fed-officer")).status_code
        == 403
    )
    assert (
        client.get(f"/api/v1/audit/entries/{i}", headers=auth(platform, "tx-auditor")).status_code
        == 200
    )
    proof = client.get(
        f"/api/v1/audit/entries/{i}/proof", params={"tree_size": cp.size},
        headers=auth(platform, "il-officer"),
    ).json()  # fmt: skip
    assert proof["tree_size"] == cp.size
    cons = client.get(
        "/api/v1/audit/consistency", params={"first": 1, "second": cp.size},
        headers=auth(platform, "il-officer"),
    ).json()  # fmt: skip
    verify_consistency(
        1, cp.size, bytes.fromhex(cons["first_root"]), cp.root,
        [bytes.fromhex(h) for h in cons["hashes"]],
    )  # fmt: skip


@pytest.fixture
def bundle(client: TestClient, platform: Platform, tmp_path: Path) -> Path:
    for reason in ("one", "two", "three", "four"):
        search(client, platform, f"stolen car {reason}")
        platform.audit.checkpoint()
    out = tmp_path / "bundle"
    export_bundle(platform.audit, out)
    return out


def _tamper_entries(bundle: Path, edit: object) -> None:
    path = bundle / "entries.jsonl"
    lines = path.read_bytes().splitlines()
    edit(lines)  # type: ignore[operator]
    path.write_bytes(b"\n".join(lines) + b"\n")


def test_untouched_bundle_verifies(bundle: Path) -> None:
    report = verify_directory(bundle)
    lines = (bundle / "entries.jsonl").read_bytes().splitlines()
    assert report.entries == report.tree_size == len(lines)
    assert sum(orjson.loads(x)["event_type"] == "search" for x in lines) == 4
    result = CliRunner().invoke(cli, ["audit", "verify", str(bundle)])
    assert result.exit_code == 0 and "OK" in result.stdout


def flip(lines: list[bytes]) -> None:
    at = next(i for i, line in enumerate(lines) if b"stolen car three" in line)
    lines[at] = lines[at].replace(b"stolen car three", b"stolen car threE")


def drop(lines: list[bytes]) -> None:
    del lines[1]


def swap(lines: list[bytes]) -> None:
    lines[1], lines[2] = lines[2], lines[1]


@pytest.mark.parametrize(
    ("edit", "named"), [(flip, None), (drop, "entries.jsonl has"), (swap, "entry 1")]
)
def test_tampered_entries_fail_naming_the_entry(
    bundle: Path, edit: object, named: str | None
) -> None:
    if named is None:
        lines = (bundle / "entries.jsonl").read_bytes().splitlines()
        named = f"entry {next(i for i, x in enumerate(lines) if b'stolen car three' in x)}"
    _tamper_entries(bundle, edit)
    with pytest.raises(VerificationError) as err:
        verify_directory(bundle)
    assert named in err.value.message
    result = CliRunner().invoke(cli, ["audit", "verify", str(bundle)])
    assert result.exit_code == 1 and "FAILED" in result.stderr


def test_forged_and_resigned_checkpoints_fail(bundle: Path) -> None:
    notes = orjson.loads((bundle / "checkpoints.json").read_bytes())
    key = (bundle / "public-key.txt").read_text().strip()
    last = open_note(notes[-1], Verifier.from_vkey(key))
    forged = notes[-1].replace(str(last.size), str(last.size), 1)
    other = Signer.generate(last.origin)
    for n, bad in enumerate(
        (
            other.sign(Checkpoint(last.origin, last.size, last.root)),  # re-signed by another key
            forged.replace(forged.split("\n")[2], "A" * 43 + "="),  # a root that is not the tree's
        )
    ):
        copy = bundle.parent / f"copy-{n}"
        shutil.copytree(bundle, copy)
        (copy / "checkpoints.json").write_bytes(orjson.dumps([*notes[:-1], bad]))
        with pytest.raises(VerificationError):
            verify_directory(copy)


def test_concurrent_searches_survive_sigkill_and_verify(data_dir: Path) -> None:
    setup = Platform(data_dir)
    tokens = setup_registry(setup)
    setup.close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plateledger.cli.main", "serve", "--data", str(data_dir),
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    acked: list[str] = []
    published: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens['il-officer']}"}
        with httpx.Client(timeout=30) as c:
            for i in range(n):
                body = {"query": {"plate": f"P{i:05d}"}, **SEARCH}
                r = c.post(f"{url}/api/v1/searches", json=body, headers=headers)
                if r.status_code == 200:
                    with lock:
                        acked.append(r.json()["search_id"])
                if i % 10 == 0:
                    published.append(c.get(f"{url}/api/v1/audit/checkpoint").text)

    try:
        wait_ready(url, proc)
        threads = [threading.Thread(target=worker, args=(40,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    after = Platform(data_dir)
    try:
        logged = {orjson.loads(after.audit.entry(i))["subject"].get("search_id")
                  for i in range(after.audit.size)}  # fmt: skip
        assert set(acked) <= logged and len(acked) == 160
        key = after.audit.public_key()
        last = open_note(published[-1], Verifier.from_vkey(key))
        size = after.audit.size
        proof = after.audit.consistency(last.size, size)
        verify_consistency(last.size, size, last.root, after.audit.root(size), proof)
    finally:
        after.close()
