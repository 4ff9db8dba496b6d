"""Demo network and synthetic read stream, shared by ``plateledger demo`` and the benchmarks.

Pure generation, no database: :func:`build_network` gives real agencies with cameras on real
roads, :func:`generate_reads` streams realistic reads of it (commuters, occasional drivers,
planted convoys, OCR misreads) in the store's ingest schema, in time order.
"""

from __future__ import annotations

from plateledger.demo.network import Corridor, DemoNetwork, build_network
from plateledger.demo.places import City
from plateledger.demo.profile import HourProfile, builtin_profile, profile_from_seattle
from plateledger.demo.traffic import generate_reads, n_vehicles, planted_convoys

__all__ = [
    "City",
    "Corridor",
    "DemoNetwork",
    "HourProfile",
    "build_network",
    "builtin_profile",
    "generate_reads",
    "n_vehicles",
    "planted_convoys",
    "profile_from_seattle",
]
