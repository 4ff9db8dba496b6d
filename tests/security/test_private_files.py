"""Every file of a data directory is its owner's alone after a demo-like run (SECURITY.md):
files 0600, directories 0700 — the DuckDB WAL and every audit file included."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from plateledger.app.demo_build import build_demo
from plateledger.app.platform import Platform
from plateledger.audit.cosignature import WitnessSigner

AUDIT_FILES = ("entries.bin", "index.bin", "checkpoints.jsonl", "keys.jsonl", "witnesses.txt")


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual login umask (022): files would be world-readable unless the service says so."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _walk(root: Path) -> Iterator[tuple[Path, int]]:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            yield path, stat.S_IMODE(path.lstat().st_mode)


def test_every_file_of_a_demo_data_directory_is_private(tmp_path: Path, loose_umask: None) -> None:
    data = tmp_path / "data"
    platform = Platform(data)
    try:
        build_demo(platform, 2_000, seed=5)
        camera = next(iter(platform.registry.known_cameras()))
        ts = "2026-01-01T00:00:00Z"
        platform.intake.ingest_records([{"camera_id": camera, "ts": ts, "plate": "ABC1234"}])
        platform.audit.checkpoint()
        platform.audit.rotate_key()
        platform.cosignatures.add_witness(WitnessSigner.generate("w.example").vkey())
        walked = dict(_walk(data))  # while the server holds the store open: the WAL too
    finally:
        platform.close()
    names = {p.name for p in walked}
    assert "plateledger.duckdb.wal" in names
    assert set(AUDIT_FILES) <= names
    assert any(n.startswith("level") or "hash" in n for n in names), names
    loose = {str(p.relative_to(data)): oct(m) for p, m in walked.items()
             if m != (0o700 if p.is_dir() else 0o600)}  # fmt: skip
    assert loose == {}
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
