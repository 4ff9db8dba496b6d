"""Backup and restore through the real CLI (subprocesses) on real data directories: the restored
directory verifies with `plateledger audit verify` under the backup's own checkpoint; a backup
taken while a server ingests and searches is consistent; tampering and wrong keys are refused."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Any

import duckdb
import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import SEARCH, free_port, iso, make_reads, read, setup_registry, wait_ready
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.checkpoint import Signer

pytestmark = pytest.mark.timeout(300)


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "plateledger.cli.main", *args],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def build(data: Path) -> dict[str, str]:
    """A data directory with reads (compacted and hot), searches and a hotlist change."""
    platform = Platform(data)
    try:
        tokens = setup_registry(platform)
        platform.store.append(make_reads([read("il-c1", m, f"BK{m:04d}") for m in range(1, 300)]))
        platform.store.compact()
        platform.store.append(make_reads([read("il-c2", m, "HOT001") for m in range(1, 5)]))
        with TestClient(create_app(platform, background=False)) as client:
            for plate in ("BK0001", "BK0002", "NOPE99"):
                body = {"query": {"plate": plate}, **SEARCH}
                r = client.post("/api/v1/searches", json=body, headers=auth(platform, tokens))
                assert r.status_code == 200, r.text
    finally:
        platform.close()
    return tokens


def auth(_: Platform, tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['il-officer']}"}


def table_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        ]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # type: ignore[index]
    finally:
        con.close()


def verify_bundle_of(data: Path, tmp: Path, checkpoint: str) -> str:
    """Export the restored log and verify it in a separate process; the backup's checkpoint must
    be one of the bundle's signed checkpoints."""
    bundle = tmp / f"bundle-{data.name}"
    cli("audit", "export", "--data", str(data), "--out", str(bundle))
    verified = cli("audit", "verify", str(bundle))
    assert verified.stdout.startswith("OK:"), verified.stdout
    notes = [c["note"] if isinstance(c, dict) else c
             for c in orjson.loads((bundle / "checkpoints.json").read_bytes())]  # fmt: skip
    assert checkpoint in notes
    return verified.stdout


def test_backup_restore_then_audit_verify_passes_with_the_same_checkpoint(tmp_path: Path) -> None:
    data = tmp_path / "data"
    build(data)
    before = table_counts(data / "plateledger.duckdb")
    archive = tmp_path / "nightly.tar.gz"
    report = orjson.loads(cli("backup", "--out", str(archive), "--data", str(data)).stdout)
    assert report["includes_keys"] is False and report["audit_size"] >= 3
    assert archive.stat().st_mode & 0o777 == 0o600

    names = tarfile.open(archive).getnames()
    assert names[0] == "manifest.json"
    assert not any("signing.key" in n or "ui-secret" in n for n in names)

    # without the key (kept apart from backups) the restore refuses and leaves nothing behind
    new = tmp_path / "restored"
    refused = cli("restore", str(archive), "--data", str(new), check=False)
    assert refused.returncode == 2 and "--signing-key" in refused.stderr
    assert not new.exists()
    wrong = tmp_path / "other.key"
    Signer.generate("someone.else/log").save(wrong)
    refused = cli("restore", str(archive), "--data", str(new), "--signing-key", str(wrong),
                  check=False)  # fmt: skip
    assert refused.returncode == 2 and "not this log's key" in refused.stderr

    key = data / "audit" / "signing.key"
    restored = orjson.loads(
        cli("restore", str(archive), "--data", str(new), "--signing-key", str(key)).stdout
    )
    assert restored["audit_size"] == report["audit_size"]
    assert restored["checkpoint"] == report["checkpoint"]
    after = table_counts(new / "plateledger.duckdb")
    assert after == before
    assert new.stat().st_mode & 0o777 == 0o700
    for path in new.rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path
    verify_bundle_of(new, tmp_path, report["checkpoint"])
    # the restored directory serves: its users' tokens still authenticate
    again = Platform(new)
    try:
        assert again.store.stats().reads == 303
    finally:
        again.close()


def test_restore_refuses_a_non_empty_target_and_tampered_archives(tmp_path: Path) -> None:
    data = tmp_path / "data"
    build(data)
    archive = tmp_path / "b.tar"
    cli("backup", "--out", str(archive), "--data", str(data), "--include-keys")
    assert "keys/signing.key" in tarfile.open(archive).getnames()

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("keep me")
    r = cli("restore", str(archive), "--data", str(busy), check=False)
    assert r.returncode == 2 and "not empty" in r.stderr
    assert (busy / "x").read_text() == "keep me"

    # one flipped byte in the store copy: the manifest hash names the member
    bad = rewrite(archive, tmp_path / "bad-db.tar", "db/plateledger.duckdb", flip_at=4096)
    r = cli("restore", str(bad), "--data", str(tmp_path / "r1"), check=False)
    assert r.returncode == 2 and "db/plateledger.duckdb" in r.stderr
    assert not (tmp_path / "r1").exists()

    # a rewritten audit entry with a manifest to match: the signed root still catches it
    forged = rewrite(archive, tmp_path / "forged.tar", "audit/entries/entries.bin",
                     replace=(b'"BK0001"', b'"BK0009"'), fix_manifest=True)  # fmt: skip
    r = cli("restore", str(forged), "--data", str(tmp_path / "r2"), check=False)
    assert r.returncode == 2, r.stdout
    assert "audit entr" in r.stderr

    # a member that would land outside the target is refused before anything is written there
    escape = rewrite(archive, tmp_path / "escape.tar", "../escape.txt", add=b"owned")
    r = cli("restore", str(escape), "--data", str(tmp_path / "r4"), check=False)
    assert r.returncode == 2 and "refusing member '../escape.txt'" in r.stderr
    assert not (tmp_path / "escape.txt").exists()

    ok = cli("restore", str(archive), "--data", str(tmp_path / "r3"))
    assert orjson.loads(ok.stdout)["audit_size"] >= 3
    assert (tmp_path / "r3" / "audit" / "signing.key").stat().st_mode & 0o777 == 0o600


def rewrite(
    archive: Path,
    out: Path,
    member: str,
    *,
    flip_at: int | None = None,
    replace: tuple[bytes, bytes] | None = None,
    fix_manifest: bool = False,
    add: bytes | None = None,
) -> Path:
    """A copy of ``archive`` with ``member`` changed (and optionally the manifest updated)."""
    import hashlib

    with tarfile.open(archive) as src:
        members = {m.name: src.extractfile(m).read() for m in src.getmembers()}  # type: ignore[union-attr]
    body = bytearray(members.get(member, b"") if add is None else add)
    if flip_at is not None:
        body[min(flip_at, len(body) - 1)] ^= 0x01
    if replace is not None:
        assert replace[0] in body
        body = bytearray(bytes(body).replace(replace[0], replace[1], 1))
    members[member] = bytes(body)
    if fix_manifest:
        manifest = orjson.loads(members["manifest.json"])
        manifest["files"][member] = {"sha256": hashlib.sha256(body).hexdigest(),
                                     "bytes": len(body)}  # fmt: skip
        members["manifest.json"] = orjson.dumps(manifest)
    with tarfile.open(out, "w") as dst:
        for name in ["manifest.json", *[n for n in members if n != "manifest.json"]]:
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            dst.addfile(info, io.BytesIO(members[name]))
    return out


class Load(threading.Thread):
    """Ingest 200-read batches and search, as two users, until stopped; errors are kept."""

    def __init__(self, url: str, tokens: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.tokens = url, tokens
        self.stop = threading.Event()
        self.batches = self.stored = 0
        self.errors: list[str] = []

    def run(self) -> None:
        admin = {"Authorization": f"Bearer {self.tokens['il-admin']}"}
        officer = {"Authorization": f"Bearer {self.tokens['il-officer']}"}
        with httpx.Client(timeout=60) as c:
            while not self.stop.is_set():
                n = self.batches
                rows = [{"camera_id": "il-c1", "ts": iso(1), "plate": f"LV{n:03d}{i:03d}"}
                        for i in range(200)]  # fmt: skip
                r = c.post(f"{self.url}/reads", json=rows, headers=admin)
                body: dict[str, Any] = {"query": {"plate": f"LV{n:03d}000"}, **SEARCH}
                q = c.post(f"{self.url}/searches", json=body, headers=officer)
                if r.status_code != 200 or q.status_code != 200:
                    self.errors.append(f"{r.status_code} {r.text[:200]} / {q.status_code}")
                    return
                self.stored += r.json()["stored"]
                self.batches += 1

    def until(self, batches: int) -> None:
        while self.batches < batches and self.is_alive():
            self.stop.wait(0.1)


def test_backup_while_the_server_ingests_and_searches(tmp_path: Path) -> None:
    data = tmp_path / "data"
    tokens = build(data)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "plateledger.cli.main", "serve", "--data", str(data),
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    load = Load(f"http://127.0.0.1:{port}/api/v1", tokens)
    try:
        wait_ready(f"http://127.0.0.1:{port}", server)
        load.start()
        load.until(3)
        archive = tmp_path / "online.tar.gz"
        result = cli("backup", "--out", str(archive), "--data", str(data), "--include-keys")
        assert "asking the running server" in result.stderr
        report = orjson.loads(result.stdout)
        load.until(load.batches + 2)  # keep ingesting after the backup: none of it may leak in
    finally:
        load.stop.set()
        load.join(timeout=60)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert not load.errors and load.batches >= 5, load.errors

    new = tmp_path / "restored"
    cli("restore", str(archive), "--data", str(new))
    con = duckdb.connect(str(new / "plateledger.duckdb"), read_only=True)
    try:
        live = con.execute(
            "SELECT count(*) FROM (SELECT plate FROM reads UNION ALL SELECT plate FROM reads_hot) "
            "WHERE plate LIKE 'LV%'"
        ).fetchone()[0]  # type: ignore[index]
        logged = {r[0] for r in con.execute("SELECT search_id FROM search_log").fetchall()}
    finally:
        con.close()
    assert 0 < live < load.stored and live % 200 == 0  # whole batches only: a snapshot
    # every search in the snapshot has its audit entry in the backup (written before it)
    verify_bundle_of(new, tmp_path, report["checkpoint"])
    lines = (tmp_path / "bundle-restored" / "entries.jsonl").read_bytes().splitlines()
    audited = {orjson.loads(line).get("subject", {}).get("search_id") for line in lines}
    assert logged and logged <= audited
    assert os.stat(new).st_mode & 0o777 == 0o700
