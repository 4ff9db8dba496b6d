"""Licence plates as fixed-width byte matrices: state formats, OCR misreads, Arrow strings.

A batch of plates is a ``uint8[n, 8]`` matrix (ASCII, zero padded) plus a length vector, so every
operation here is a handful of numpy calls, whatever ``n``. Formats are each state's standard
passenger series (letters I, O and Q are not issued); the separator is what the plate shows
between groups and is only used for the raw ("as read") text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

WIDTH = 8
_LETTERS = np.frombuffer(b"ABCDEFGHJKLMNPRSTUVWXYZ", dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class PlateFormat:
    """``pattern`` uses L (letter), D (digit) and at most one separator (space or dash)."""

    state: str
    pattern: str

    @property
    def chars(self) -> str:
        return self.pattern.replace(" ", "").replace("-", "")

    @property
    def separator(self) -> tuple[int, int]:
        """(position in the canonical text, ASCII code), or (-1, 0) if the plate has none."""
        for i, ch in enumerate(self.pattern):
            if ch in " -":
                return i, ord(ch)
        return -1, 0


FORMATS: tuple[PlateFormat, ...] = tuple(
    PlateFormat(s, p)
    for s, p in (
        ("IL", "LL DDDDD"), ("CA", "DLLLDDD"), ("VA", "LLL-DDDD"), ("WA", "LLLDDDD"),
        ("TX", "LLL-DDDD"), ("OR", "DDD LLL"), ("MO", "LLD LDL"), ("DC", "LL-DDDD"),
        ("WI", "LLL-DDDD"), ("IA", "LLL DDD"), ("MI", "LLL DDDD"), ("AZ", "LLLDDDD"),
        ("MD", "DLLDDDD"), ("NC", "LLL-DDDD"), ("PA", "LLL-DDDD"), ("NY", "LLL-DDDD"),
        ("OK", "LLL-DDD"), ("KS", "DDD LLL"),
    )
)  # fmt: skip
STATES: tuple[str, ...] = tuple(f.state for f in FORMATS)
SEP_POS = np.array([f.separator[0] for f in FORMATS], dtype=np.int8)
SEP_CHAR = np.array([f.separator[1] for f in FORMATS], dtype=np.uint8)

NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "IL": ("WI", "MO", "IA", "MI"), "CA": ("AZ", "OR", "WA"), "VA": ("MD", "NC", "DC", "PA"),
    "WA": ("OR", "CA", "AZ"), "TX": ("OK", "AZ", "CA", "KS"), "OR": ("WA", "CA", "AZ"),
    "MO": ("KS", "IL", "OK", "IA"),
}  # fmt: skip
_FAR = ("NY", "PA", "TX", "CA", "IL", "AZ")

# Confusable characters: primary and secondary substitutes (0 = none).
_CONFUSE1 = np.zeros(256, dtype=np.uint8)
_CONFUSE2 = np.zeros(256, dtype=np.uint8)
for _a, _b in ("O0", "D0", "B8", "I1", "S5", "Z2", "G6", "0O", "8B", "1I", "5S", "2Z", "6G"):
    _CONFUSE1[ord(_a)] = ord(_b)
_CONFUSE2[ord("0")] = ord("D")


def state_mix(home: str, out_of_state: float = 0.12) -> npt.NDArray[np.float64]:
    """Probability of each entry of :data:`STATES` for a vehicle living in ``home``'s state."""
    p = np.zeros(len(STATES))
    near = [s for s in NEIGHBOURS.get(home, ()) if s != home]
    far = [s for s in _FAR if s != home and s not in near]
    p[STATES.index(home)] = 1.0 - out_of_state
    for group, share in ((near, 0.7), (far, 0.3)):
        for s in group:
            p[STATES.index(s)] += out_of_state * share / len(group)
    out: npt.NDArray[np.float64] = p / p.sum()
    return out


def random_plates(rng: np.random.Generator, fmt: npt.NDArray[np.int8]) -> tuple[U8, U8]:
    """Fresh plates for format indices ``fmt``: (matrix, lengths)."""
    n = len(fmt)
    mat = np.zeros((n, WIDTH), dtype=np.uint8)
    lens = np.zeros(n, dtype=np.uint8)
    for k, f in enumerate(FORMATS):
        rows = np.flatnonzero(fmt == k)
        for j, ch in enumerate(f.chars):
            if ch == "L":
                mat[rows, j] = _LETTERS[rng.integers(0, len(_LETTERS), len(rows))]
            else:
                mat[rows, j] = 48 + rng.integers(0, 10, len(rows), dtype=np.uint8)
        lens[rows] = len(f.chars)
    return mat, lens


def plate_keys(mat: U8) -> npt.NDArray[np.uint64]:
    """One integer per plate (the 8 bytes), for uniqueness checks and set lookups."""
    return np.ascontiguousarray(mat).view("<u8").ravel()


def duplicate_rows(keys: npt.NDArray[np.uint64], reserved: npt.NDArray[np.uint64]) -> I64:
    """Rows whose key occurs more than once (every copy) or is reserved."""
    ks = np.sort(keys)
    repeated = ks[1:][ks[1:] == ks[:-1]]
    return np.flatnonzero(np.isin(keys, np.concatenate([repeated, reserved]))).astype(np.int64)


def as_text(mat: U8, lens: U8) -> list[str]:
    """Plates as Python strings (for small sets only)."""
    return [bytes(row[: int(n)]).decode("ascii") for row, n in zip(mat, lens, strict=True)]


def strings_from_matrix(mat: U8, lens: npt.NDArray[np.integer]) -> pa.Array:
    """An Arrow ``string`` array from a zero-padded byte matrix, one string per row."""
    n, width = mat.shape
    lens = lens.astype(np.int32)
    data = mat[np.arange(width, dtype=np.int32) < lens[:, None]]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lens, out=offsets[1:])
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), None, 0)


def sparse_strings(n: int, rows: npt.NDArray[np.integer], mat: U8, cells: Bools) -> pa.Array:
    """``n`` strings, null except at ``rows`` (ascending), whose text is the ``cells`` of
    ``mat`` (a boolean mask of the same shape), row by row."""
    data = mat[cells]
    full = np.zeros(n, dtype=np.int32)
    full[rows] = cells.sum(axis=1)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(full, out=offsets[1:])
    valid = np.zeros(n, dtype=bool)
    valid[rows] = True
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, n - len(rows)
    )


def cells(lens: npt.NDArray[np.integer], width: int) -> Bools:
    """Mask of the first ``lens[i]`` cells of each row."""
    return np.arange(width, dtype=np.int32) < lens[:, None].astype(np.int32)


def decimal_strings(prefix: bytes, numbers: npt.NDArray[np.int64]) -> tuple[U8, Bools]:
    """``prefix`` followed by each non-negative number in decimal, as (matrix, cells)."""
    width = len(str(int(numbers.max(initial=0))))
    mat = np.empty((len(numbers), len(prefix) + width), dtype=np.uint8)
    mat[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    mask = np.ones(mat.shape, dtype=bool)
    rest = numbers.copy()
    for k in range(width - 1, -1, -1):
        mat[:, len(prefix) + k] = 48 + rest % 10
        rest //= 10
        if k:
            mask[:, len(prefix) + k - 1] = rest > 0  # leading zeros are not written
    return mat, mask


def misread(rng: np.random.Generator, mat: U8, lens: U8) -> tuple[U8, U8]:
    """One OCR error per plate: a confusable swapped (O/0, D/0, B/8, I/1, S/5, Z/2, G/6) or,
    for about one in five and for plates without confusables, a character dropped."""
    n = len(mat)
    out, out_lens = mat.copy(), lens.copy()
    inside = np.arange(WIDTH) < lens[:, None]
    cand = (_CONFUSE1[mat] > 0) & inside
    keys = np.where(cand, rng.random((n, WIDTH), dtype=np.float32), -1.0)
    pos = keys.argmax(axis=1)
    drop = (~cand.any(axis=1) | (rng.random(n) < 0.2)) & (lens > 2)
    sub = np.flatnonzero(~drop & cand.any(axis=1))
    orig = mat[sub, pos[sub]]
    alt = np.where((_CONFUSE2[orig] > 0) & (rng.random(len(sub)) < 0.3), _CONFUSE2[orig],
                   _CONFUSE1[orig])  # fmt: skip
    out[sub, pos[sub]] = alt
    rows = np.flatnonzero(drop)
    at = (rng.random(len(rows)) * lens[rows]).astype(np.int64)
    cols = np.arange(WIDTH)
    src = np.minimum(cols + (cols >= at[:, None]), WIDTH - 1)
    shifted = np.take_along_axis(mat[rows], src, axis=1)
    shifted[:, -1] = 0
    out[rows] = shifted
    out_lens[rows] -= 1
    return out, out_lens


def with_separator(mat: U8, lens: U8, fmt: npt.NDArray[np.int8]) -> tuple[U8, U8, Bools]:
    """Raw text as printed ("ABC 1234"): (matrix of width 9, lengths, rows that have one)."""
    pos = SEP_POS[fmt].astype(np.int64)
    has = (pos > 0) & (pos < lens)
    cols = np.arange(WIDTH + 1)
    src = np.clip(cols - (cols > pos[:, None]), 0, WIDTH - 1)
    out = np.take_along_axis(mat, src, axis=1)
    at_sep = cols == pos[:, None]
    out[at_sep] = np.broadcast_to(SEP_CHAR[fmt][:, None], out.shape)[at_sep]
    past = cols > lens[:, None].astype(np.int64)
    out[past] = 0
    return out, (lens + has).astype(np.uint8), has
