"""EntryLog on real files: ordered durable appends, torn-tail recovery, corruption detection,
group commit from many threads, fail-closed fsync errors and a real SIGKILL."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

from plateledger.audit.store import (
    ENTRIES_FILE,
    INDEX_FILE,
    AuditCorruptionError,
    AuditWriteError,
    EntryLog,
    encode_record,
)
from plateledger.errors import DataDirInUseError, NotFoundError, StoreError


def _entry(i: int) -> bytes:
    return f'{{"i":{i},"plate":"ÆBC{i:04d}","reason":"r"}}'.encode()


def _filled(directory: Path, n: int) -> Path:
    with EntryLog(directory) as log:
        assert log.append_many([_entry(i) for i in range(n)]) == range(n)
    return directory


def _offsets(directory: Path) -> list[int]:
    raw = (directory / INDEX_FILE).read_bytes()
    return [struct.unpack_from(">Q", raw, i)[0] for i in range(0, len(raw), 8)]


def _assert_entries(directory: Path, n: int, *, verify: bool = True) -> None:
    with EntryLog(directory, verify=verify) as log:
        assert log.size == n
        assert [log.get(i) for i in range(n)] == [_entry(i) for i in range(n)]


def _flip(path: Path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x40
    path.write_bytes(bytes(raw))


def test_appends_are_ordered_retrievable_and_survive_reopen(tmp_path: Path) -> None:
    with EntryLog(tmp_path) as log:
        assert [log.append(_entry(i)) for i in range(6)] == list(range(6))
        assert log.append_many([_entry(6), _entry(7)]) == range(6, 8)
        assert log.append_many([]) == range(8, 8)
        assert log.size == 8 and log.get(7) == _entry(7)
    with EntryLog(tmp_path, verify=False) as log:
        assert [log.get(i) for i in range(8)] == [_entry(i) for i in range(8)]
        assert log.leaf_hash(3) == hashlib.sha256(b"\x00" + _entry(3)).digest()
        got = list(log.iter_range(2, 5))
        assert got == [(i, _entry(i), log.leaf_hash(i)) for i in range(2, 5)]
        assert [i for i, _, _ in log.iter_range(0)] == list(range(8))
        assert log.verify() == 8
        for bad in (-1, 8):
            with pytest.raises(NotFoundError):
                log.get(bad)
        with pytest.raises(NotFoundError):
            list(log.iter_range(3, 9))


def test_record_and_index_layout(tmp_path: Path) -> None:
    _filled(tmp_path, 3)
    raw = (tmp_path / ENTRIES_FILE).read_bytes()
    assert raw == b"".join(encode_record(_entry(i)) for i in range(3))
    data = _entry(0)
    n = len(data)
    assert raw[:4] == n.to_bytes(4, "big") and raw[4 : 4 + n] == data
    assert raw[4 + n : 36 + n] == hashlib.sha256(b"\x00" + data).digest()
    assert raw[36 + n : 40 + n] == zlib.crc32(raw[: 36 + n]).to_bytes(4, "big")
    assert _offsets(tmp_path) == [0, 40 + n, 80 + n + len(_entry(1))]


@pytest.mark.parametrize("verify", [True, False])
def test_a_torn_tail_at_every_offset_drops_only_the_last_entry(
    tmp_path: Path, verify: bool
) -> None:
    src = _filled(tmp_path / "src", 3)
    entries, index = (src / ENTRIES_FILE).read_bytes(), (src / INDEX_FILE).read_bytes()
    last = _offsets(src)[2]
    work = tmp_path / "work"
    work.mkdir()
    for cut in range(last, len(entries)):
        (work / ENTRIES_FILE).write_bytes(entries[:cut])
        (work / INDEX_FILE).write_bytes(index)
        _assert_entries(work, 2, verify=verify)
        assert (work / ENTRIES_FILE).read_bytes() == entries[:last]
        assert (work / INDEX_FILE).read_bytes() == index[:16]
    with EntryLog(work) as log:
        assert log.append(_entry(2)) == 2
    assert (work / ENTRIES_FILE).read_bytes() == entries
    assert (work / INDEX_FILE).read_bytes() == index


@pytest.mark.parametrize("damage", ["crc", "payload", "hash", "huge_length", "short_length"])
def test_a_corrupt_last_record_is_dropped(tmp_path: Path, damage: str) -> None:
    _filled(tmp_path, 4)
    path, last = tmp_path / ENTRIES_FILE, _offsets(tmp_path)[3]
    raw = bytearray(path.read_bytes())
    if damage == "crc":
        raw[-1] ^= 1
    elif damage == "payload":
        raw[last + 6] ^= 1
    elif damage == "hash":
        raw[-10] ^= 1
    else:
        length = 1 << 30 if damage == "huge_length" else 3
        raw[last : last + 4] = length.to_bytes(4, "big")
    path.write_bytes(bytes(raw))
    _assert_entries(tmp_path, 3)
    assert path.stat().st_size == last


def test_a_lagging_missing_or_torn_index_is_rebuilt(tmp_path: Path) -> None:
    _filled(tmp_path, 5)
    index = (tmp_path / INDEX_FILE).read_bytes()
    for broken in (b"", index[:16], index[:20], index[:-3]):
        for verify in (True, False):
            (tmp_path / INDEX_FILE).write_bytes(broken)
            _assert_entries(tmp_path, 5, verify=verify)
            assert (tmp_path / INDEX_FILE).read_bytes() == index


def test_corruption_in_the_middle_raises_naming_index_and_offset(tmp_path: Path) -> None:
    _filled(tmp_path, 5)
    offset = _offsets(tmp_path)[2]
    _flip(tmp_path / ENTRIES_FILE, offset + 7)
    before = (tmp_path / ENTRIES_FILE).read_bytes()
    with pytest.raises(AuditCorruptionError) as info:
        EntryLog(tmp_path)
    assert (info.value.index, info.value.offset) == (2, offset)
    assert info.value.details == {"index": 2, "offset": offset}
    assert f"entry 2 at byte offset {offset}" in str(info.value)
    with EntryLog(tmp_path, verify=False) as log:  # tail-only check: every read is CRC-checked
        assert log.size == 5 and log.get(1) == _entry(1) and log.get(3) == _entry(3)
        for read in (lambda: log.get(2), lambda: log.leaf_hash(2), log.verify):
            with pytest.raises(AuditCorruptionError, match="entry 2 "):
                read()
    assert (tmp_path / ENTRIES_FILE).read_bytes() == before  # nothing was "repaired"


def test_a_bad_length_in_the_middle_or_missing_entries_raise(tmp_path: Path) -> None:
    _filled(tmp_path, 5)
    offsets = _offsets(tmp_path)
    path = tmp_path / ENTRIES_FILE
    raw = path.read_bytes()
    path.write_bytes(raw[: offsets[1]] + (1 << 30).to_bytes(4, "big") + raw[offsets[1] + 4 :])
    with pytest.raises(AuditCorruptionError) as info:
        EntryLog(tmp_path)
    assert (info.value.index, info.value.offset) == (1, offsets[1])
    path.write_bytes(raw[: offsets[2] + 5])  # entries 2..4 were committed but are gone
    for verify in (True, False):
        with pytest.raises(AuditCorruptionError) as info:
            EntryLog(tmp_path, verify=verify)
        assert info.value.index == 2


def test_eight_threads_get_unique_consecutive_indexes(tmp_path: Path) -> None:
    batches: list[tuple[int, int]] = []
    got: dict[int, list[tuple[int, bytes]]] = {t: [] for t in range(8)}
    with EntryLog(tmp_path, on_commit=lambda a, b: batches.append((a, b))) as log:

        def writer(t: int) -> None:
            for n in range(150):
                data = f"t{t}-{n}".encode()
                got[t].append((log.append(data), data))

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pairs = sorted(p for t in got for p in got[t])
        assert [i for i, _ in pairs] == list(range(1200)) == list(range(log.size))
        assert all(log.get(i) == data for i, data in pairs)
        for mine in got.values():
            assert [i for i, _ in mine] == sorted(i for i, _ in mine)
    assert batches[0][0] == 0 and batches[-1][1] == 1200
    assert all(a[1] == b[0] for a, b in zip(batches, batches[1:], strict=False))
    assert max(b - a for a, b in batches) > 1  # group commit did batch
    with EntryLog(tmp_path) as reopened:
        assert reopened.size == 1200


def test_on_commit_runs_before_append_returns_and_its_errors_do_not_fail_appends(
    tmp_path: Path,
) -> None:
    seen: list[tuple[int, int, int]] = []

    def on_commit(start: int, end: int) -> None:
        seen.append((start, end, log.size))
        raise RuntimeError("hash store down")

    with EntryLog(tmp_path, on_commit=on_commit) as log:
        assert log.append(b"a") == 0 and seen == [(0, 1, 1)]
        assert log.append_many([b"b", b"c"]) == range(1, 3) and seen[-1] == (1, 3, 3)


def test_a_failed_fsync_fails_every_waiting_append_and_the_batch_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _filled(tmp_path, 3)
    log = EntryLog(tmp_path)

    def failing_fsync(fd: int) -> None:
        time.sleep(0.02)  # let the other writers queue up behind this batch
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    errors: list[AuditWriteError] = []
    start = threading.Barrier(6)

    def writer(i: int) -> None:
        start.wait()
        try:
            log.append(_entry(100 + i))
        except AuditWriteError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 6
    assert all(e.code == "audit_write_failed" and e.status == 503 for e in errors)
    with pytest.raises(AuditWriteError):  # fail closed until reopened
        log.append(_entry(99))
    assert log.size == 3
    log.close()
    monkeypatch.undo()
    _assert_entries(tmp_path, 3)


def test_one_open_log_per_directory_and_closed_logs_refuse(tmp_path: Path) -> None:
    log = EntryLog(tmp_path)
    with pytest.raises(DataDirInUseError):
        EntryLog(tmp_path)
    log.append(b"x")
    log.close()
    with pytest.raises(AuditWriteError):
        log.append(b"y")
    with pytest.raises(StoreError):
        log.get(0)
    with EntryLog(tmp_path) as reopened:
        assert reopened.size == 1


KILL_SCRIPT = r"""
import sys, threading
from pathlib import Path
from plateledger.audit.store import EntryLog

log = EntryLog(Path(sys.argv[1]))
lock = threading.Lock()

def run(t):
    n = 0
    while True:
        i = log.append(f"t{t}-{n}-".encode() + b"x" * 500)
        with lock:
            sys.stdout.write(f"{i} t{t}-{n}-\n")
            sys.stdout.flush()
        n += 1

for t in range(4):
    threading.Thread(target=run, args=(t,), daemon=True).start()
threading.Event().wait()
"""


def test_sigkill_loses_no_acknowledged_entry(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    acked: list[bytes] = []
    deadline = time.monotonic() + 60
    while len(acked) < 500 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acked.append(line)
    proc.send_signal(signal.SIGKILL)
    rest, err = proc.communicate(timeout=30)
    assert len(acked) >= 500, err.decode(errors="replace")
    acked += rest.splitlines(keepends=True)
    expected: dict[int, bytes] = {}
    for line in acked:
        if line.endswith(b"\n"):  # a line cut by the kill was never fully acknowledged
            index, tag = line.split()
            expected[int(index)] = tag + b"x" * 500
    with EntryLog(tmp_path) as log:
        assert log.size > max(expected)
        for i, data in expected.items():
            assert log.get(i) == data
        assert log.append(b"after") == log.size - 1
    with EntryLog(tmp_path) as log:
        assert log.verify() == log.size >= len(expected) + 1
