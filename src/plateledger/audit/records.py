"""The record format of the audit entry log, and the checks that recover it after a crash.

A record is ``len (4 bytes, big-endian) | entry | leaf hash (32) | CRC32 (4)``, the CRC covering
length, entry and hash. ``scan_records`` validates records from an index on, rebuilding the
offsets; only a torn or damaged *last* record may be dropped.
"""

from __future__ import annotations

import mmap
import os
import struct
import sys
import zlib
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from plateledger.audit.seal import leaf_of
from plateledger.errors import StoreError, ValidationError

HASH_SIZE = 32
OVERHEAD = 4 + HASH_SIZE + 4
MAX_ENTRY_BYTES = 16 << 20
U32, U64 = struct.Struct(">I"), struct.Struct(">Q")
READ_CHUNK = 1 << 20


class AuditWriteError(StoreError):
    """An audit entry could not be made durable: the audited action must fail."""

    code = "audit_write_failed"
    status = 503


class AuditCorruptionError(StoreError):
    """A record before the tail is damaged (or committed records are missing)."""

    code = "audit_log_corrupt"

    def __init__(self, index: int, offset: int, problem: str) -> None:
        super().__init__(f"audit entry {index} at byte offset {offset}: {problem}",
                         {"index": index, "offset": offset})  # fmt: skip
        self.index, self.offset = index, offset


class AuditRollbackError(StoreError):
    """The log holds fewer entries than a checkpoint it already signed and published (or its
    tree no longer matches that checkpoint): entries were lost or rewritten. The log refuses to
    open rather than drop them silently; ``plateledger audit recover`` records the loss."""

    code = "audit_rollback"

    def __init__(self, problem: str, held: int, checkpointed: int) -> None:
        super().__init__(
            f"audit log: {problem} (the store holds {held} entries; a signed checkpoint covers "
            f"{checkpointed}). Refusing to open a log that would silently lose signed entries: "
            "restore the audit directory from a backup, or run `plateledger audit recover` to "
            "record the loss as a signed entry",
            {"held": held, "checkpointed": checkpointed},
        )
        self.held, self.checkpointed = held, checkpointed


def encode_record(data: bytes, leaf: bytes | None = None) -> bytes:
    """One ``entries.bin`` record for ``data`` (``leaf``: its leaf hash, if already known)."""
    if len(data) > MAX_ENTRY_BYTES:
        raise ValidationError(f"audit entry exceeds {MAX_ENTRY_BYTES} bytes", {"field": "entry"})
    head, digest = U32.pack(len(data)), leaf if leaf is not None else leaf_of(data)
    crc = zlib.crc32(digest, zlib.crc32(data, zlib.crc32(head)))
    return b"".join((head, data, digest, U32.pack(crc)))


def decode_record(buf: bytes, index: int, offset: int) -> tuple[bytes, bytes]:
    """(entry, leaf hash) of the record that is exactly ``buf``; damage raises."""
    if len(buf) < OVERHEAD or U32.unpack_from(buf)[0] != len(buf) - OVERHEAD:
        raise AuditCorruptionError(index, offset, "record length disagrees with index.bin")
    if zlib.crc32(memoryview(buf)[:-4]) != U32.unpack_from(buf, len(buf) - 4)[0]:
        raise AuditCorruptionError(index, offset, "CRC mismatch")
    return buf[4 : -4 - HASH_SIZE], buf[-4 - HASH_SIZE : -4]


@dataclass(slots=True)
class Recovered:
    offsets: array[int]
    end: int  # byte length of the valid records
    index_from: int  # index.bin entries from here on must be rewritten


def scan_records(buf: bytes | mmap.mmap, size: int, offsets: array[int], k: int) -> Recovered:
    """Validate records from entry ``k`` on, fixing ``offsets`` in place."""
    pos = offsets[k] if k else 0
    index_from = len(offsets)
    while pos < size:
        ok, end = probe(buf, pos, size)
        if not ok:
            if k < len(offsets) - 1 or (0 < end < size and probe(buf, end, size)[0]):
                raise AuditCorruptionError(k, pos, "damaged record before the tail")
            break
        if k < len(offsets) and offsets[k] != pos:
            del offsets[k:]  # index.bin disagrees: rebuild it from here
        if k == len(offsets):
            offsets.append(pos)
            index_from = min(index_from, k)
        pos, k = end, k + 1
    if k < len(offsets) - 1:
        raise AuditCorruptionError(k, offsets[k], "entries recorded in index.bin are missing")
    if k < len(offsets):
        del offsets[k:]
        index_from = min(index_from, k)
    return Recovered(offsets, pos, index_from)


def trusted_prefix(buf: bytes | mmap.mmap, size: int, offsets: array[int]) -> int:
    """Entries before the last indexed one, if the index tail is consistent (else 0: rescan)."""
    n = len(offsets)
    if n < 2 or offsets[n - 2] >= size:
        return 0
    ok, end = probe(buf, offsets[n - 2], size)
    return n - 1 if ok and end == offsets[n - 1] else 0


def probe(buf: bytes | mmap.mmap, pos: int, size: int) -> tuple[bool, int]:
    """(CRC ok, record end) of the record at ``pos``; end is -1 if it is cut short."""
    if pos + 4 > size:
        return False, -1
    length = U32.unpack_from(buf, pos)[0]
    end = pos + length + OVERHEAD
    if length > MAX_ENTRY_BYTES or end > size:
        return False, -1
    return zlib.crc32(buf[pos : end - 4]) == U32.unpack_from(buf, end - 4)[0], end


@contextmanager
def mapped(fd: int, size: int) -> Iterator[bytes | mmap.mmap]:
    """Read-only view of the first ``size`` bytes of ``fd``."""
    if not size:
        yield b""
        return
    with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as view:
        yield view


def big_endian(values: array[int]) -> bytes:
    if sys.byteorder == "little":
        values = array("Q", values)
        values.byteswap()
    return values.tobytes()


def pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def open_fd(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
