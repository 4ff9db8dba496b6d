"""Append-only on-disk store of every complete Merkle subtree hash, one flat file per level.

``level-00.bin`` holds the leaf hashes, ``level-01.bin`` the hashes of aligned pairs of leaves, and
so on: level L holds ``size >> L`` hashes of 32 bytes, so ``get_node(level, i)`` is one ``pread``
and an inclusion or consistency proof at any size is O(log n) reads.

Crash rule: ``level-00.bin`` is the truth. On open, a torn trailing record is cut, every higher
level is cut to the length the leaf count implies, its last hash is checked against its two
children, and any missing tail is recomputed from the level below. Writes are buffered in memory
until :meth:`HashLevels.flush`, which writes level 0 first. One writer per directory (the caller
locks).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

from plateledger.audit.merkle import EMPTY_ROOT, HASH_SIZE, node_hash, parent_hashes, subtree_root
from plateledger.errors import StoreError

_REBUILD_CHUNK = 1 << 16


def _level_path(directory: Path, level: int) -> Path:
    return directory / f"level-{level:02d}.bin"


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


class HashLevels:
    """Every complete subtree hash per level, append-only, in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self._dir = Path(directory)
        self._dir.mkdir(parents=True, exist_ok=True)
        self._fds: list[int] = []
        self._stored: list[int] = []  # hashes on disk, per level
        self._pending: list[bytearray] = []  # appended but not yet flushed, per level
        self._open_and_repair()

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> HashLevels:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Flush (with fsync) and close every level file."""
        if self._fds:
            self.flush(fsync=True)
        for fd in self._fds:
            os.close(fd)
        self._fds, self._stored, self._pending = [], [], []

    def _open_level(self, level: int) -> int:
        fd = os.open(_level_path(self._dir, level), os.O_RDWR | os.O_CREAT, 0o600)
        self._fds.append(fd)
        self._stored.append(0)
        self._pending.append(bytearray())
        return fd

    def _open_and_repair(self) -> None:
        fd = self._open_level(0)
        size = os.fstat(fd).st_size // HASH_SIZE
        os.ftruncate(fd, size * HASH_SIZE)  # cut a torn trailing record
        self._stored[0] = size
        level = 1
        while size >> level:
            self._repair_level(level, size >> level)
            level += 1
        self._remove_levels_from(level)
        for fd in self._fds:
            os.fsync(fd)

    def _repair_level(self, level: int, expected: int) -> None:
        """Make ``level`` hold exactly ``expected`` hashes, consistent with the level below."""
        fd = self._open_level(level)
        have = min(os.fstat(fd).st_size // HASH_SIZE, expected)
        if have and not self._tail_ok(level, have):
            have = 0  # the stored tail disagrees with its children: recompute the whole level
        os.ftruncate(fd, have * HASH_SIZE)
        if have < expected:
            below = self._read(level - 1, 2 * have, 2 * (expected - have))
            _pwrite_all(fd, parent_hashes(below), have * HASH_SIZE)
        self._stored[level] = expected

    def _tail_ok(self, level: int, have: int) -> bool:
        """Whether the last stored hash of ``level`` is the hash of its two children."""
        pair = self._read(level - 1, 2 * have - 2, 2)
        return node_hash(pair[:HASH_SIZE], pair[HASH_SIZE:]) == self._read(level, have - 1, 1)

    def _remove_levels_from(self, level: int) -> None:
        for path in self._dir.glob("level-*.bin"):
            number = path.stem.removeprefix("level-")
            if number.isdigit() and int(number) >= level:
                path.unlink()

    # -- reads -------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of leaves, flushed or not."""
        return self._count(0)

    def _count(self, level: int) -> int:
        if level >= len(self._fds):
            return 0
        return self._stored[level] + len(self._pending[level]) // HASH_SIZE

    def _read(self, level: int, index: int, count: int) -> bytes:
        """``count`` consecutive hashes of ``level`` from the file (flushed part only)."""
        length = count * HASH_SIZE
        data = os.pread(self._fds[level], length, index * HASH_SIZE)
        if len(data) != length:
            raise StoreError(f"hash file level {level} is shorter than expected")
        return data

    def get_node(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree of 2**level leaves starting at leaf ``index * 2**level``."""
        if not 0 <= index < self._count(level):
            raise IndexError(f"no complete subtree ({level}, {index}) at tree size {self.size}")
        stored = self._stored[level]
        if index < stored:
            return self._read(level, index, 1)
        offset = (index - stored) * HASH_SIZE
        return bytes(self._pending[level][offset : offset + HASH_SIZE])

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the tree of the first ``size`` leaves (default: all of them)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside 0..{self.size}")
        return subtree_root(0, size, self.get_node) if size else EMPTY_ROOT

    # -- writes ------------------------------------------------------------------------------

    def append_leaf_hashes(self, hashes: Sequence[bytes]) -> None:
        """Append leaf hashes and every complete subtree they finish (buffered until flush)."""
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError(f"leaf hashes must be {HASH_SIZE} bytes each")
        new = b"".join(hashes)
        level = 0
        while new:
            before = self._count(level)
            if level == len(self._fds):
                os.ftruncate(self._open_level(level), 0)  # a new level starts empty
            left = self.get_node(level, before - 1) if before % 2 else b""
            self._pending[level] += new
            new = parent_hashes(left + new)
            level += 1

    def flush(self, fsync: bool = True) -> None:
        """Write buffered hashes, level 0 first; with ``fsync`` make them durable."""
        for level, fd in enumerate(self._fds):
            pending = self._pending[level]
            if pending:
                _pwrite_all(fd, bytes(pending), self._stored[level] * HASH_SIZE)
                self._stored[level] += len(pending) // HASH_SIZE
                pending.clear()
            if fsync:
                os.fsync(fd)
        if fsync:
            _fsync_dir(self._dir)

    def truncate(self, size: int) -> None:
        """Drop every leaf from ``size`` on (crash recovery: the entry log is shorter)."""
        if not 0 <= size <= self.size:
            raise ValueError(f"cannot truncate to {size}: tree size is {self.size}")
        self.flush(fsync=False)
        keep = max(1, size.bit_length())  # level 0 always exists
        for level, fd in enumerate(self._fds):
            count = size >> level
            os.ftruncate(fd, count * HASH_SIZE)
            self._stored[level] = count
            os.fsync(fd)
        for fd in self._fds[keep:]:
            os.close(fd)
        del self._fds[keep:], self._stored[keep:], self._pending[keep:]
        self._remove_levels_from(keep)
        _fsync_dir(self._dir)

    def rebuild_from(self, leaf_hashes: Iterable[bytes]) -> None:
        """Replace the whole store with the given leaf hashes (then flushed with fsync)."""
        self.truncate(0)
        chunk: list[bytes] = []
        for h in leaf_hashes:
            chunk.append(h)
            if len(chunk) == _REBUILD_CHUNK:
                self.append_leaf_hashes(chunk)
                self.flush(fsync=False)
                chunk = []
        self.append_leaf_hashes(chunk)
        self.flush(fsync=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
