"""Nouns of the domain: agencies, networks, cameras, users, reads.

Values are frozen dataclasses; ids are typed with ``NewType``; closed vocabularies are ``Literal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NewType, get_args

AgencyId = NewType("AgencyId", str)
NetworkId = NewType("NetworkId", str)
CameraId = NewType("CameraId", str)
UserId = NewType("UserId", str)
ReadId = NewType("ReadId", int)

AgencyKind = Literal[
    "municipal", "sheriff", "state_police", "federal", "federal_immigration", "private"
]
AGENCY_KINDS: tuple[str, ...] = get_args(AgencyKind)

Role = Literal["officer", "supervisor", "auditor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)

# Two-letter codes of the 50 states and DC.
US_STATES: tuple[str, ...] = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Agency:
    id: AgencyId
    name: str
    state: str
    kind: AgencyKind
    retention_days: int | None = None  # agency setting; policy caps it by statute


@dataclass(frozen=True, slots=True)
class Network:
    """A camera network, owned by one agency. Policy decisions are made per network."""

    id: NetworkId
    agency_id: AgencyId
    name: str


@dataclass(frozen=True, slots=True)
class Camera:
    id: CameraId
    network_id: NetworkId
    name: str
    lat: float
    lon: float
    heading: float | None = None  # degrees clockwise from north
    mobile: bool = False
    active: bool = True


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    agency_id: AgencyId
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Candidate:
    """An alternative reading of the plate, from the OCR engine."""

    plate: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Vehicle:
    color: str | None = None
    color_confidence: float | None = None
    type: str | None = None
    type_confidence: float | None = None
    make: str | None = None
    make_confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Read:
    """One camera's reading of one plate at one instant.

    ``plate`` is canonical (upper case, no separators); ``plate_raw`` is what the engine read.
    Confusable characters are never rewritten: matching folds them, storage keeps what was read.
    """

    id: ReadId
    camera_id: CameraId
    network_id: NetworkId
    owner_agency: AgencyId
    ts: datetime
    plate: str
    plate_raw: str
    plate_state: str | None = None
    state_confidence: float | None = None
    confidence: float | None = None
    candidates: tuple[Candidate, ...] = ()
    vehicle: Vehicle = field(default_factory=Vehicle)
    crop_ref: str | None = None
    engine: str | None = None
    lat: float | None = None
    lon: float | None = None


# --- system actors: who an action is attributed to when no person did it -----------------------
SYSTEM_USER = User(UserId("system"), AgencyId("plateledger"), "plateledger retention", "admin")
"""Retention and other scheduled work of the platform itself."""
OPERATOR = User(UserId("operator"), AgencyId("plateledger"), "operator (CLI)", "admin")
"""The installation's operator at the CLI (``plateledger users ...``), outside any agency."""
