"""The vehicles that drive around the demo network, and the planted convoys.

Every vehicle has one plate (unique text), a home city, and a colour, body type and make drawn
from realistic US marginal distributions (makes conditional on the body type). Vehicles are
ordered: commuters first, then occasional drivers, then the planted convoy members.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plateledger.demo.network import DemoNetwork, require_seed
from plateledger.demo.plates import (
    STATES,
    as_text,
    duplicate_rows,
    plate_keys,
    random_plates,
    state_mix,
)
from plateledger.demo.routes import Geography, build_geography

I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]

COLORS = ("white", "black", "gray", "silver", "blue", "red", "green", "brown", "beige",
          "orange", "yellow", "gold", "purple")  # fmt: skip
_COLOR_P = (25, 19, 18, 12, 9, 9, 1.5, 1.5, 1, 0.8, 0.7, 0.5, 0.3)
COLOR_CONFUSION = ("silver", "gray", "black", "gray", "black", "orange", "gray", "beige",
                   "brown", "red", "gold", "yellow", "blue")  # fmt: skip
TYPES = ("suv", "sedan", "pickup", "van", "hatchback", "coupe", "wagon", "truck", "motorcycle")
_TYPE_P = (40, 30, 15, 5, 4, 2, 1, 2, 1)
TYPE_CONFUSION = ("van", "hatchback", "suv", "suv", "sedan", "sedan", "suv", "van", "motorcycle")
_MAKE_GROUPS: dict[str, tuple[tuple[str, float], ...]] = {
    "car": (
        ("Toyota", 15), ("Ford", 11), ("Chevrolet", 10), ("Honda", 10), ("Nissan", 7),
        ("Hyundai", 5.5), ("Kia", 5), ("Jeep", 5), ("Subaru", 4.5), ("Tesla", 3), ("BMW", 2.5),
        ("Mercedes-Benz", 2.5), ("Volkswagen", 2.5), ("Mazda", 2.5), ("Lexus", 2), ("GMC", 1.5),
        ("Dodge", 2), ("Audi", 1.2), ("Buick", 1.2), ("Cadillac", 1), ("Chrysler", 0.8),
        ("Acura", 0.8), ("Infiniti", 0.5),
    ),
    "pickup": (("Ford", 33), ("Chevrolet", 25), ("Ram", 18), ("Toyota", 10), ("GMC", 9),
               ("Nissan", 3), ("Honda", 2)),
    "truck": (("Freightliner", 30), ("International", 20), ("Ford", 20), ("Isuzu", 15),
              ("Hino", 15)),
    "motorcycle": (("Harley-Davidson", 40), ("Honda", 20), ("Yamaha", 15), ("Kawasaki", 15),
                   ("BMW", 10)),
}  # fmt: skip
MAKES: tuple[str, ...] = tuple(dict.fromkeys(m for g in _MAKE_GROUPS.values() for m, _ in g))
CONVOY_SIZES = (2, 3, 2, 3)


@dataclass(frozen=True, eq=False)
class Population:
    """Per-vehicle arrays; vehicle i is row i everywhere."""

    plates: U8  # [n, 8] ASCII, zero padded
    lens: U8
    keys: npt.NDArray[np.uint64]  # the same 8 bytes per plate, as one integer (fast gathers)
    fmt: I8  # index into plates.FORMATS / STATES (the issuing state)
    city: I32  # home city (index into network.cities)
    color: I8
    vtype: I8
    make: I8
    n_commuters: int
    convoys: tuple[I32, ...]  # vehicle indices of each planted group (leader first)

    def __len__(self) -> int:
        return len(self.lens)


def _probs(weights: tuple[float, ...]) -> npt.NDArray[np.float64]:
    p = np.asarray(weights, dtype=np.float64)
    out: npt.NDArray[np.float64] = p / p.sum()
    return out


def _sample_formats(rng: np.random.Generator, geo: Geography, city: I32) -> I8:
    fmt = np.zeros(len(city), dtype=np.int8)
    for c, state in enumerate(geo.city_states):
        rows = np.flatnonzero(city == c)
        fmt[rows] = rng.choice(len(STATES), len(rows), p=state_mix(state))
    return fmt


def _convoy_plates(geo: Geography, seed: int) -> tuple[I32, I8, U8, U8]:
    """(city, format, plates, lengths) of the convoy members, group after group."""
    rng = np.random.default_rng([seed, 0xC0])
    cities = rng.choice(len(geo.city_weight), len(CONVOY_SIZES), replace=False, p=geo.city_weight)
    city = np.repeat(cities, CONVOY_SIZES).astype(np.int32)
    fmt = np.array([STATES.index(geo.city_states[c]) for c in city], dtype=np.int8)
    mat, lens = random_plates(rng, fmt)
    while len(dup := duplicate_rows(plate_keys(mat), plate_keys(mat[:0]))):
        mat[dup], lens[dup] = random_plates(rng, fmt[dup])
    return city, fmt, mat, lens


def planted_convoys(network: DemoNetwork, seed: int = 7) -> list[tuple[str, ...]]:
    """Plates of the groups planted to travel together (leader first); they follow their
    leader by 15-45 s at every camera of their shared trips."""
    require_seed(seed)
    _, _, mat, lens = _convoy_plates(build_geography(network), seed)
    text = as_text(mat, lens)
    bounds = np.cumsum((0, *CONVOY_SIZES))
    return [tuple(text[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _attributes(rng: np.random.Generator, n: int) -> tuple[I8, I8, I8]:
    color = rng.choice(len(COLORS), n, p=_probs(_COLOR_P)).astype(np.int8)
    vtype = rng.choice(len(TYPES), n, p=_probs(_TYPE_P)).astype(np.int8)
    make = np.zeros(n, dtype=np.int8)
    group_of = np.array([t if t in _MAKE_GROUPS else "car" for t in TYPES])[vtype]
    for group, table in _MAKE_GROUPS.items():
        rows = np.flatnonzero(group_of == group)
        codes = np.array([MAKES.index(m) for m, _ in table], dtype=np.int8)
        make[rows] = codes[rng.choice(len(table), len(rows), p=_probs(tuple(w for _, w in table)))]
    return color, vtype, make


def build_population(geo: Geography, n_vehicles: int, seed: int) -> Population:
    """``n_vehicles`` drivers (40 % commuters) plus the planted convoy members."""
    rng = np.random.default_rng([seed, 0x9E4])
    c_city, c_fmt, c_mat, c_lens = _convoy_plates(geo, seed)
    city = rng.choice(len(geo.city_weight), n_vehicles, p=geo.city_weight).astype(np.int32)
    fmt = _sample_formats(rng, geo, city)
    mat, lens = random_plates(rng, fmt)
    reserved = plate_keys(c_mat)
    while len(dup := duplicate_rows(plate_keys(mat), reserved)):
        mat[dup], lens[dup] = random_plates(rng, fmt[dup])
    color, vtype, make = _attributes(rng, n_vehicles + len(c_city))
    bounds = n_vehicles + np.cumsum((0, *CONVOY_SIZES))
    mat, lens = np.concatenate([mat, c_mat]), np.concatenate([lens, c_lens])
    return Population(
        plates=mat,
        lens=lens,
        keys=plate_keys(mat),
        fmt=np.concatenate([fmt, c_fmt]),
        city=np.concatenate([city, c_city]),
        color=color,
        vtype=vtype,
        make=make,
        n_commuters=round(0.4 * n_vehicles),
        convoys=tuple(
            np.arange(a, b, dtype=np.int32) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ),
    )
