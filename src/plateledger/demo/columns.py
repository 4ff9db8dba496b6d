"""Turn (time, vehicle, camera) triples into an INGEST_SCHEMA table with realistic OCR output.

What the recognition engine reports is drawn per read: confidence (mostly 0.85-0.99, a tail
lower), about 2.5 % misreads (one confusable swapped or one character dropped; lower confidence;
the true plate among the candidates), the issuing state with its confidence, raw text with the
plate's separator for some reads, vehicle colour / type / make with occasional confusions, a crop
reference for a third of reads, and a position for mobile cameras only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from plateledger.demo.plates import (
    SEP_POS,
    STATES,
    WIDTH,
    cells,
    decimal_strings,
    misread,
    sparse_strings,
    strings_from_matrix,
    with_separator,
)
from plateledger.demo.population import (
    COLOR_CONFUSION,
    COLORS,
    MAKES,
    TYPE_CONFUSION,
    TYPES,
    Population,
)
from plateledger.demo.routes import Geography
from plateledger.store.schema import CANDIDATE_TYPE, INGEST_SCHEMA

ENGINE = "demo-synth/1"
MISREAD_RATE = 0.025
_STATES = pa.array(STATES, pa.string())
_COLORS = pa.array(COLORS, pa.string())
_TYPES = pa.array(TYPES, pa.string())
_MAKES = pa.array(MAKES, pa.string())
_COLOR_ALT = np.array([COLORS.index(c) for c in COLOR_CONFUSION], dtype=np.int8)
_TYPE_ALT = np.array([TYPES.index(t) for t in TYPE_CONFUSION], dtype=np.int8)

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
Bools = npt.NDArray[np.bool_]


def _f32(values: npt.NDArray[np.floating], null: Bools | None = None) -> pa.Array:
    return pa.array(values.astype(np.float32, copy=False), pa.float32(), mask=null)


def _label(vocab: pa.Array, idx: npt.NDArray[np.integer], null: Bools | None = None) -> pa.Array:
    """``vocab[idx]`` as a plain string array (decoding a dictionary beats ``take``)."""
    indices = pa.array(idx.astype(np.int32, copy=False), mask=null)
    return pa.DictionaryArray.from_arrays(indices, vocab).cast(pa.string())


@dataclass(frozen=True, eq=False)
class _Plates:
    """The plates of one batch: what was read (``mat``, ``lens``) and what is true."""

    pop: Population
    veh: npt.NDArray[np.int32]
    mis: Bools
    mat: U8
    lens: U8

    def truth(self, rows: npt.NDArray[np.intp]) -> tuple[U8, U8]:
        v = self.veh[rows]
        return self.pop.keys[v].view(np.uint8).reshape(-1, WIDTH), self.pop.lens[v]

    def read(self, rows: npt.NDArray[np.intp]) -> tuple[U8, U8]:
        return self.mat[rows], self.lens[rows]


def _candidates(rng: np.random.Generator, p: _Plates, conf: F32, u: F32) -> pa.Array:
    """Null, [plate], or [plate, alternative]; misreads always list the true plate second."""
    second = p.mis | (u < 0.05)
    count = np.where(second, 2, (u < 0.25).astype(np.int32)).astype(np.int32)
    offsets = np.zeros(len(count) + 1, dtype=np.int32)
    np.cumsum(count, out=offsets[1:])
    first_rows, second_rows = np.flatnonzero(count > 0), np.flatnonzero(second)
    alt_mat, alt_lens = misread(rng, *p.read(second_rows))
    from_truth = np.flatnonzero(p.mis[second_rows])
    alt_mat[from_truth], alt_lens[from_truth] = p.truth(second_rows[from_truth])
    total = int(offsets[-1])
    v_mat = np.zeros((total, WIDTH), dtype=np.uint8)
    v_lens = np.zeros(total, dtype=np.uint8)
    v_conf = np.zeros(total, dtype=np.float32)
    at1, at2 = offsets[first_rows], offsets[second_rows] + 1
    v_mat[at1], v_lens[at1] = p.read(first_rows)
    v_conf[at1] = conf[first_rows]
    v_mat[at2], v_lens[at2] = alt_mat, alt_lens
    v_conf[at2] = conf[second_rows] * rng.uniform(0.55, 0.95, len(second_rows))
    values = pa.StructArray.from_arrays(
        [strings_from_matrix(v_mat, v_lens), pa.array(v_conf, pa.float32())],
        fields=list(CANDIDATE_TYPE),
    )
    return pa.ListArray.from_arrays(
        pa.array(offsets), values, type=pa.list_(CANDIDATE_TYPE), mask=pa.array(count == 0)
    )


def _confidence(u: F32, v: F32) -> F32:
    """Mostly 0.85-0.99 (mean about 0.95), with one read in twenty lower (0.4-0.85)."""
    conf = 0.992 - 0.14 * v * v * v
    low = u < 0.05
    conf[low] = 0.4 + 0.45 * v[low]
    return conf.astype(np.float32)


def _raw(p: _Plates, fmt: npt.NDArray[np.int8], u: F32) -> pa.Array:
    """Plate text as printed ("ABC 1234") for about one read in eight; null otherwise
    (always null for misreads, whose raw text is the misread plate)."""
    sel = np.flatnonzero((SEP_POS[fmt] > 0) & (u < 0.12) & ~p.mis)
    raw_mat, raw_lens, has = with_separator(*p.truth(sel), fmt[sel])
    return sparse_strings(len(fmt), sel[has], raw_mat[has], cells(raw_lens[has], WIDTH + 1))


def _plates(
    rng: np.random.Generator, pop: Population, veh: npt.NDArray[np.int32], u: F32
) -> list[pa.Array]:
    """plate, plate_raw, plate_state, state_confidence, confidence, candidates."""
    mis = u[0] < MISREAD_RATE
    rows = np.flatnonzero(mis)
    keys, lens = pop.keys[veh], pop.lens[veh]
    mat = keys.view(np.uint8).reshape(-1, WIDTH)
    mat[rows], lens[rows] = misread(rng, mat[rows], lens[rows])
    p = _Plates(pop, veh, mis, mat, lens)
    plate = strings_from_matrix(mat, lens)
    conf = _confidence(u[1], u[2])
    conf[rows] = 0.5 + 0.3 * u[2][rows]
    fmt = pop.fmt[veh]
    no_state = u[3] < 0.04
    return [
        plate,
        _raw(p, fmt, u[4]),
        _label(_STATES, fmt, no_state),
        _f32(0.6 + 0.39 * np.sqrt(u[5]), no_state),
        _f32(conf),
        _candidates(rng, p, conf, u[6]),
    ]


def _vehicle(pop: Population, veh: npt.NDArray[np.int32], u: F32) -> list[pa.Array]:
    """color, color_confidence, vehicle_type, type_confidence, make, make_confidence."""
    color, vtype = pop.color[veh], pop.vtype[veh]
    color = np.where(u[7] < 0.05, _COLOR_ALT[color], color)
    vtype = np.where(u[8] < 0.04, _TYPE_ALT[vtype], vtype)
    no_make = u[9] < 0.15
    return [
        _label(_COLORS, color),
        _f32(0.55 + 0.44 * np.sqrt(u[10])),
        _label(_TYPES, vtype),
        _f32(0.6 + 0.39 * np.sqrt(u[11])),
        _label(_MAKES, pop.make[veh], no_make),
        _f32(0.4 + 0.55 * (u[9] - 0.15) / 0.85, no_make),  # u[9] >= 0.15 is uniform again
    ]


def _crop_refs(row0: int, u: F32) -> pa.Array:
    """``demo://crop/<row number>`` for about a third of reads, else null."""
    rows = np.flatnonzero(u < 0.35)
    mat, mask = decimal_strings(b"demo://crop/", rows + row0)
    return sparse_strings(len(u), rows, mat, mask)


def _positions(
    geo: Geography, code: npt.NDArray[np.int32], rng: np.random.Generator
) -> tuple[npt.NDArray[np.int32], pa.Array, pa.Array]:
    """Camera index of each read, and lat / lon (mobile cameras only: near the fixed camera
    whose index is encoded in ``code``, within a few hundred metres)."""
    n_cams = geo.n_cameras
    mobile = np.flatnonzero(code >= n_cams)
    cam = code.copy()
    cam[mobile] = geo.mobile[code[mobile] // n_cams - 1]
    near = code[mobile] % n_cams
    lat, lon = np.zeros(len(code)), np.zeros(len(code))
    lat[mobile] = geo.cam_lat[near] + rng.normal(0.0, 0.002, len(mobile))
    lon[mobile] = geo.cam_lon[near] + rng.normal(0.0, 0.002, len(mobile))
    fixed = code < n_cams
    return cam, pa.array(lat, pa.float64(), mask=fixed), pa.array(lon, pa.float64(), mask=fixed)


def build_table(
    geo: Geography,
    pop: Population,
    ts: npt.NDArray[np.int64],
    veh: npt.NDArray[np.int32],
    code: npt.NDArray[np.int32],
    row0: int,
    rng: np.random.Generator,
) -> pa.Table:
    """Reads at (``ts`` µs, vehicle ``veh``, camera ``code``) as an INGEST_SCHEMA table.

    ``code`` is a camera index, or for a mobile camera ``n_cameras * (1 + unit) + camera`` where
    ``camera`` is the fixed camera it was next to. ``row0`` numbers the rows for crop refs.
    """
    u = rng.random((13, len(ts)), dtype=np.float32)
    cam, lat, lon = _positions(geo, code, rng)
    cols = [
        _label(geo.camera_ids, cam),
        pa.array(ts, pa.timestamp("us", tz="UTC")),
        *_plates(rng, pop, veh, u),
        *_vehicle(pop, veh, u),
        _crop_refs(row0, u[12]),
        pa.repeat(pa.scalar(ENGINE, pa.string()), len(ts)),
        lat,
        lon,
    ]
    return pa.Table.from_arrays(cols, schema=INGEST_SCHEMA)
