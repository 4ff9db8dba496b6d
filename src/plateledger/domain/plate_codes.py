"""Plate keys: every canonical plate (1..10 chars of ``[0-9A-Z]``) packed into one ``uint64``.

Character ``j`` takes 6 bits at ``58 - 6j`` (codes 1..36 in ASCII order, 0 = past the end) and
the low 4 bits hold the length, so sorting keys sorts plates. Also the folded keys (confusable
characters mapped to their class digit) and the folded edit-distance variants used by fuzzy
search. Used by ``search.plate_dictionary`` and the store's plate-day postings
(``store.plate_days``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from plateledger.domain.plates import FOLD_MAP, MAX_PLATE_LENGTH
from plateledger.errors import ValidationError

U64 = npt.NDArray[np.uint64]
PlatesInput: TypeAlias = Iterable[str] | pa.Array | pa.ChunkedArray

_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CODE = np.zeros(256, dtype=np.uint8)  # ASCII byte -> code (0 = not allowed)
CODE[np.frombuffer(_ALPHABET, dtype=np.uint8)] = np.arange(1, 37, dtype=np.uint8)
_CHAR = np.zeros(64, dtype=np.uint8)  # code -> ASCII byte (0 -> NUL padding)
_CHAR[1:37] = np.frombuffer(_ALPHABET, dtype=np.uint8)
_FOLD = np.arange(64, dtype=np.uint64)  # code -> code of its folded character
for _char, _rep in FOLD_MAP.items():
    _FOLD[CODE[ord(_char)]] = CODE[ord(_rep)]
_SYMBOLS = np.unique(_FOLD[1:37]).astype(np.uint8)  # the 27-symbol folded alphabet
_SHIFTS = [np.uint64(58 - 6 * j) for j in range(MAX_PLATE_LENGTH)]
_SHIFT_ROW = np.array(_SHIFTS, dtype=np.uint64)
_SIX, _LEN = np.uint64(63), np.uint64(15)


def encode(plate: str) -> int:
    """The ``uint64`` key of one canonical plate (caller guarantees it is canonical)."""
    key = len(plate)
    for j, char in enumerate(plate.encode("ascii")):
        key |= int(CODE[char]) << (58 - 6 * j)
    return key


def as_array(plates: PlatesInput) -> pa.Array:
    if isinstance(plates, str):
        raise ValidationError("plates: expected an iterable of plates, got one string")
    if isinstance(plates, pa.ChunkedArray):
        plates = plates.combine_chunks()
    if not isinstance(plates, pa.Array):
        try:
            plates = pa.array(plates if isinstance(plates, list) else list(plates), pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ValidationError("plates: every plate must be a string") from exc
    if pa.types.is_large_string(plates.type):
        plates = plates.cast(pa.string())
    if not pa.types.is_string(plates.type):
        raise ValidationError(f"plates: expected strings, got Arrow type {plates.type}")
    if plates.null_count:
        row = int(np.argmax(~np.asarray(plates.is_valid())))
        raise ValidationError(f"plates[{row}]: null plate", {"field": "plates", "row": row})
    return plates


def encode_array(plates: pa.Array) -> U64:
    """Keys of an Arrow string array of canonical plates; ``ValidationError`` names a bad row."""
    offsets = np.frombuffer(plates.buffers()[1], dtype=np.int32)
    offsets = offsets[plates.offset : plates.offset + len(plates) + 1]
    data_buffer = plates.buffers()[2]
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer else np.zeros(0, np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    bad = (lengths < 1) | (lengths > MAX_PLATE_LENGTH)
    if bad.any():
        _reject(int(np.argmax(bad)), f"must be 1..{MAX_PLATE_LENGTH} characters")
    keys = lengths.astype(np.uint64)
    for j, shift in enumerate(_SHIFTS):
        rows = np.flatnonzero(lengths > j)
        if not len(rows):
            break
        codes = CODE[data[starts[rows] + j]]
        if not codes.all():
            _reject(int(rows[np.argmin(codes)]), "not canonical (A-Z, 0-9 only)")
        keys[rows] |= codes.astype(np.uint64) << shift
    return keys


def _reject(row: int, problem: str) -> None:
    raise ValidationError(f"plates[{row}]: {problem}", {"field": "plates", "row": row})


def decode_array(keys: U64) -> pa.StringArray:
    """Arrow strings of packed keys (vectorised: one byte matrix, NUL padding dropped)."""
    matrix = np.empty((len(keys), MAX_PLATE_LENGTH), dtype=np.uint8)
    for j, shift in enumerate(_SHIFTS):
        matrix[:, j] = _CHAR[(keys >> shift) & _SIX]
    flat = matrix.ravel()
    offsets = np.zeros(len(keys) + 1, dtype=np.int32)
    np.cumsum((keys & _LEN).astype(np.int32), out=offsets[1:])
    data = pa.py_buffer(flat[flat != 0].tobytes())
    return pa.StringArray.from_buffers(len(keys), pa.py_buffer(offsets), data)


def fold_keys(keys: U64) -> U64:
    """Keys of the folded plates (each 6-bit character mapped through the confusable fold)."""
    folded = keys & _LEN
    for shift in _SHIFTS:
        folded |= _FOLD[(keys >> shift) & _SIX] << shift
    return folded


def _expand(
    codes: npt.NDArray[np.uint8], lengths: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """All strings within one edit (folded alphabet) of each row, the rows themselves included."""
    width, count = MAX_PLATE_LENGTH, len(_SYMBOLS)
    parts, sizes = [codes], [lengths]
    for p in range(width):
        rows = codes[lengths > p]
        if len(rows):
            sub = np.repeat(rows, count, axis=0)
            sub[:, p] = np.tile(_SYMBOLS, len(rows))
            parts.append(sub)
            sizes.append(np.repeat(lengths[lengths > p], count))
            keep = lengths[lengths > p] > 1
            deleted = np.zeros_like(rows[keep])
            deleted[:, :p] = rows[keep, :p]
            deleted[:, p : width - 1] = rows[keep, p + 1 :]
            parts.append(deleted)
            sizes.append(lengths[lengths > p][keep] - 1)
        room = (lengths >= p) & (lengths < width)
        rows = np.repeat(codes[room], count, axis=0)
        if len(rows):
            inserted = np.zeros_like(rows)
            inserted[:, :p] = rows[:, :p]
            inserted[:, p] = np.tile(_SYMBOLS, len(rows) // count)
            inserted[:, p + 1 :] = rows[:, p : width - 1]
            parts.append(inserted)
            sizes.append(np.repeat(lengths[room] + 1, count))
    return np.concatenate(parts), np.concatenate(sizes)


def _pack(codes: npt.NDArray[np.uint8], lengths: npt.NDArray[np.int64]) -> U64:
    """Keys of code rows (one row per string, 0-padded) and their lengths."""
    packed: U64 = np.bitwise_or.reduce(codes.astype(np.uint64) << _SHIFT_ROW, axis=1)
    return packed | lengths.astype(np.uint64)


def fold_variants(plate: str, distance: int) -> U64:
    """Sorted unique folded keys within Levenshtein ``distance`` of the folded ``plate``."""
    codes = np.zeros((1, MAX_PLATE_LENGTH), dtype=np.uint8)
    codes[0, : len(plate)] = _FOLD[CODE[np.frombuffer(plate.encode("ascii"), np.uint8)]]
    lengths = np.array([len(plate)], dtype=np.int64)
    keys = _pack(codes, lengths)
    for _ in range(distance):
        codes, lengths = _expand(codes, lengths)
        keys, first = _unique(_pack(codes, lengths))
        codes, lengths = codes[first], lengths[first]
    return keys


def _unique(keys: U64) -> tuple[U64, npt.NDArray[np.intp]]:
    """Sorted distinct keys and the index of one occurrence of each.

    Sort-based: ``np.unique`` is several times slower on large ``uint64`` arrays in numpy 2.4.
    """
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.ones(len(ordered), dtype=np.bool_)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first], order[first]


def unique_keys(keys: U64) -> U64:
    """Sorted distinct keys (sort and drop repeats)."""
    ordered = np.sort(keys)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
