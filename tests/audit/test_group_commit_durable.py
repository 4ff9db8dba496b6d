"""Group commit keeps the write-ahead rule: concurrent appends share fsyncs, yet no append
returns before an fsync of the entries file that covers its own record."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from plateledger.audit.store import EntryLog


def test_each_append_returns_only_once_an_fsync_covers_it_and_appends_share_fsyncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    durable: list[int] = []  # size of entries.bin at each fsync of it
    lock = threading.Lock()
    with EntryLog(tmp_path) as log:

        def recording_fsync(fd: int) -> None:
            size = os.fstat(fd).st_size
            real_fsync(fd)
            if fd == log._fd:
                with lock:
                    durable.append(size)

        monkeypatch.setattr(os, "fsync", recording_fsync)
        start = threading.Barrier(8)
        early: list[int] = []

        def writer(t: int) -> None:
            start.wait()
            for n in range(40):
                index = log.append(f"t{t}-{n}".encode())
                end = log._bound(index + 1)  # where its record ends in entries.bin
                with lock:
                    if max(durable, default=0) < end:
                        early.append(index)

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert log.size == 320
        assert early == []  # every append returned after its own record was fsync'd
        assert len(durable) < log.size  # and concurrent appends shared fsyncs
