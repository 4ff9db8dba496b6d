"""HashLevels: equals the naive root at every size, survives reopen, truncate, crashes, SIGKILL."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plateledger.audit.hashstore import HashLevels
from plateledger.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    node_hash,
    verify_consistency,
    verify_inclusion,
)


def leaves(n: int, start: int = 0) -> list[bytes]:
    return [hashlib.sha256(b"leaf %d" % i).digest() for i in range(start, start + n)]


def mth(hashes: list[bytes]) -> bytes:
    """Naive recursive RFC 6962 root over leaf hashes."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def assert_matches(store: HashLevels, hashes: list[bytes]) -> None:
    """Every root and every complete subtree of the store equals the naive computation."""
    assert store.size == len(hashes)
    for size in range(len(hashes) + 1):
        assert store.root(size) == mth(hashes[:size])
    level = 0
    while len(hashes) >> level:
        width = 1 << level
        for i in range(len(hashes) >> level):
            assert store.get_node(level, i) == mth(hashes[i * width : (i + 1) * width])
        level += 1


def level_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunks=st.lists(st.tuples(st.integers(0, 23), st.booleans()), max_size=8))
def test_equals_naive_root_at_every_size(tmp_path: Path, chunks: list[tuple[int, bool]]) -> None:
    directory = tmp_path / f"h{time.monotonic_ns()}"
    hashes: list[bytes] = []
    with HashLevels(directory) as store:
        for count, flush in chunks:
            store.append_leaf_hashes(leaves(count, len(hashes)))
            hashes += leaves(count, len(hashes))
            if flush:
                store.flush(fsync=False)
        assert_matches(store, hashes)
    with HashLevels(directory) as reopened:
        assert_matches(reopened, hashes)


def test_proofs_from_the_store_verify(tmp_path: Path) -> None:
    hashes = leaves(77)
    with HashLevels(tmp_path) as store:
        store.append_leaf_hashes(hashes)
        store.flush()
        for i in range(0, 77, 5):
            verify_inclusion(hashes[i], i, 77, inclusion_proof(i, 77, store.get_node), store.root())
        for old in range(0, 78, 7):
            proof = consistency_proof(old, 77, store.get_node)
            verify_consistency(old, 77, store.root(old), store.root(), proof)


def test_reopen_keeps_flushed_and_closed_data(tmp_path: Path) -> None:
    store = HashLevels(tmp_path)
    store.append_leaf_hashes(leaves(10))
    store.flush()
    store.append_leaf_hashes(leaves(3, 10))
    store.close()  # close flushes
    with HashLevels(tmp_path) as reopened:
        assert_matches(reopened, leaves(13))
    assert level_files(tmp_path) == ["level-00.bin", "level-01.bin", "level-02.bin", "level-03.bin"]


def test_truncate_then_append_other_leaves(tmp_path: Path) -> None:
    with HashLevels(tmp_path) as store:
        store.append_leaf_hashes(leaves(40))
        store.flush(fsync=False)
        store.append_leaf_hashes(leaves(9, 40))  # partly unflushed
        store.truncate(21)
        assert_matches(store, leaves(21))
        assert level_files(tmp_path) == [f"level-0{i}.bin" for i in range(5)]
        other = [hashlib.sha256(b"other %d" % i).digest() for i in range(30)]
        store.append_leaf_hashes(other)
        assert_matches(store, leaves(21) + other)
        store.truncate(0)
        assert store.root() == EMPTY_ROOT
        assert level_files(tmp_path) == ["level-00.bin"]
    with HashLevels(tmp_path) as reopened:
        assert reopened.size == 0


def test_rebuild_from(tmp_path: Path) -> None:
    with HashLevels(tmp_path) as store:
        store.append_leaf_hashes(leaves(50))
        store.rebuild_from(iter(leaves(33, 100)))
        assert_matches(store, leaves(33, 100))


def _write(path: Path, data: bytes, offset: int | None = None) -> None:
    with path.open("r+b") as f:
        f.seek(0, os.SEEK_END) if offset is None else f.seek(offset)
        f.write(data)


def test_crash_recovery_recomputes_higher_levels(tmp_path: Path) -> None:
    hashes = leaves(45)
    with HashLevels(tmp_path) as store:
        store.append_leaf_hashes(hashes)
    _write(tmp_path / "level-00.bin", b"torn")  # half-written leaf record
    (tmp_path / "level-02.bin").unlink()  # a whole level lost
    _write(tmp_path / "level-01.bin", bytes(32), offset=21 * 32)  # zeroed tail hash
    _write(tmp_path / "level-03.bin", bytes(64))  # a level longer than the leaves imply
    (tmp_path / "level-09.bin").write_bytes(bytes(32))  # a level that should not exist
    with HashLevels(tmp_path) as store:
        assert_matches(store, hashes)
    assert "level-09.bin" not in level_files(tmp_path)


def test_leaf_file_is_the_truth(tmp_path: Path) -> None:
    """Hash files longer than the leaf file (a truncate interrupted by a crash) are cut."""
    hashes = leaves(30)
    with HashLevels(tmp_path) as store:
        store.append_leaf_hashes(hashes)
    os.truncate(tmp_path / "level-00.bin", 17 * 32)
    with HashLevels(tmp_path) as store:
        assert_matches(store, hashes[:17])


def test_argument_errors(tmp_path: Path) -> None:
    with HashLevels(tmp_path) as store:
        store.append_leaf_hashes(leaves(4))
        with pytest.raises(ValueError, match="32 bytes"):
            store.append_leaf_hashes([b"short"])
        with pytest.raises(IndexError):
            store.get_node(0, 4)
        with pytest.raises(IndexError):
            store.get_node(3, 0)
        with pytest.raises(ValueError):
            store.root(5)
        with pytest.raises(ValueError):
            store.truncate(5)


WRITER = """
import hashlib, sys
from pathlib import Path
from plateledger.audit.hashstore import HashLevels
store = HashLevels(Path(sys.argv[1]))
i = store.size
while True:
    store.append_leaf_hashes([hashlib.sha256(b"leaf %d" % j).digest() for j in range(i, i + 7)])
    i += 7
    store.flush(fsync=i % 5 == 0)
    print(i, flush=True)
"""


def test_survives_sigkill(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if int(line) >= 300:
            break
    else:
        pytest.fail("the writer exited before being killed")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with HashLevels(tmp_path) as store:
        assert store.size >= 300
        assert store.root() == mth(leaves(store.size))
        assert store.get_node(5, store.size // 32 - 1) == mth(
            leaves(32, (store.size // 32 - 1) * 32)
        )
