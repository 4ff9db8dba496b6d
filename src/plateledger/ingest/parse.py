"""Validate incoming reads and turn them into an Arrow table in the ingest schema.

One record is one JSON object (a ``dict``). The fields, all named as in
:data:`plateledger.store.schema.INGEST_SCHEMA` unless said otherwise:

* required: ``camera_id`` (a known camera), ``ts`` (ISO 8601 string *with* a UTC offset or ``Z``,
  not more than 10 minutes after ``now``, not before 2000-01-01), ``plate`` (canonicalised; the
  string as sent is kept in ``plate_raw``);
* optional (null or absent means unknown): ``plate_state`` (2-3 letters, upper-cased),
  ``confidence``, ``state_confidence``, ``color_confidence``, ``type_confidence``,
  ``make_confidence`` (numbers in [0, 1]; booleans are not numbers), ``candidates`` (at most 10
  ``{"plate": str, "confidence": number}`` objects, plates canonicalised), ``color`` and
  ``vehicle_type`` (at most 40 characters, stored lower-case), ``make`` (at most 40 characters,
  stored upper-case), ``crop_ref`` (at most 500), ``engine`` (at most 100), ``lat``/``lon``
  (degrees; give both or neither). Blank optional strings are stored as null.
* ``vehicle``: the nested form ``{"color", "color_confidence", "type", "type_confidence", "make",
  "make_confidence"}`` of the vehicle fields, accepted too (errors are named ``vehicle.color``...);
  a value given both flat and nested must agree.

* ``crop_b64`` (only when the caller stores crops: ``POST /api/v1/reads``; ignored in files):
  base64 of the evidence crop, a JPEG or PNG of at most 256 KiB. The read's ``crop_ref`` becomes
  ``sha256:<hex of the image>`` and the image is handed back in :attr:`ParseResult.crops` for
  the caller to store before acknowledging the read; a ``crop_ref`` sent alongside must agree.
  A ``sha256:`` ``crop_ref`` without its image is refused (in files too), in any spelling
  (case, spacing, look-alike or invisible characters, a bare 64-hex digest): a hash alone would
  let a camera owner attach another agency's stored crop to its own read and serve it.

Other keys are ignored silently. A record with any invalid field is rejected as a whole, with one
:class:`RowError` per bad field; the other records are kept, in input order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from plateledger.ingest import fields
from plateledger.ingest.fields import Checker, Invalid
from plateledger.store.crops import ref_of
from plateledger.store.schema import INGEST_SCHEMA

_COL = {name: i for i, name in enumerate(INGEST_SCHEMA.names)}
_CAMERA, _TS, _PLATE, _PLATE_RAW = (_COL[n] for n in ("camera_id", "ts", "plate", "plate_raw"))
_LAT, _LON, _CROP = _COL["lat"], _COL["lon"], _COL["crop_ref"]
_REQUIRED = (("camera_id", _CAMERA), ("ts", _TS), ("plate", _PLATE))

_STATIC_FIELDS: dict[str, Checker] = {
    "plate": fields.plate,
    "plate_state": fields.region,
    "state_confidence": fields.unit,
    "confidence": fields.unit,
    "candidates": fields.candidates,
    "color": fields.lower_label,
    "color_confidence": fields.unit,
    "vehicle_type": fields.lower_label,
    "type_confidence": fields.unit,
    "make": fields.upper_label,
    "make_confidence": fields.unit,
    "crop_ref": fields.crop_ref,
    "engine": fields.engine,
    "lat": fields.latitude,
    "lon": fields.longitude,
}

# Keys of the nested ``vehicle`` object -> flat field names.
_VEHICLE_KEYS = {
    "color": "color",
    "color_confidence": "color_confidence",
    "type": "vehicle_type",
    "type_confidence": "type_confidence",
    "make": "make",
    "make_confidence": "make_confidence",
}

#: The keys a record may carry; any other key is ignored.
RECORD_FIELDS = frozenset({"camera_id", "ts", *_STATIC_FIELDS, "vehicle", "crop_b64"})

_Specs = dict[str, tuple[int, Checker]]
_Problems = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one input row was rejected.

    ``row`` is 1-based within the request or file (for CSV: data rows, the header not counted);
    ``field`` is the JSON key at fault (``candidates[2].confidence``, ``vehicle.color``), or
    ``row`` when the record as a whole is unusable. ``message`` follows the field name, e.g.
    ``is required``; it never quotes the plate.
    """

    row: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"row": ..., "field": ..., "message": ...}``."""
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class BadLine:
    """Stands in for an input line that could not be decoded (e.g. malformed NDJSON).

    :func:`parse_records` reports it as a :class:`RowError` with field ``row`` and this message.
    """

    message: str


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The valid rows as an ``INGEST_SCHEMA`` table (input order kept) and the rejected ones;
    ``crops``: the images of the valid rows' ``crop_b64`` by reference, still to be stored."""

    table: pa.Table
    errors: tuple[RowError, ...]
    rows_seen: int
    crops: Mapping[str, bytes] = field(default_factory=dict)


def _camera_checker(known_cameras: Container[str]) -> Checker:
    def check(value: object) -> str:
        if isinstance(value, str) and value in known_cameras:
            return value
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if not value:
            raise Invalid("must not be empty")
        raise Invalid("unknown camera_id")

    return check


def _specs(known_cameras: Container[str], now: datetime) -> _Specs:
    checkers = dict(_STATIC_FIELDS)
    checkers["camera_id"] = _camera_checker(known_cameras)
    checkers["ts"] = fields.timestamp_checker(now)
    return {key: (_COL[key], check) for key, check in checkers.items()}


def _merge_vehicle(vehicle: object, values: list[Any], problems: _Problems) -> None:
    """Fold the nested ``vehicle`` object into the flat columns of ``values``."""
    if not isinstance(vehicle, dict):
        problems.append(("vehicle", "must be an object"))
        return
    for key, flat in _VEHICLE_KEYS.items():
        raw = vehicle.get(key)
        if raw is None:
            continue
        try:
            checked = _STATIC_FIELDS[flat](raw)
        except Invalid as exc:
            problems.append((f"vehicle.{key}", str(exc)))
            continue
        index = _COL[flat]
        if values[index] is not None and values[index] != checked:
            problems.append((f"vehicle.{key}", f"conflicts with {flat}"))
        elif checked is not None:
            values[index] = checked


def _check_record(record: dict[str, Any], specs: _Specs) -> tuple[list[Any], _Problems]:
    """The column values of one record, and its problems as ``(field, message)`` pairs."""
    values: list[Any] = [None] * len(_COL)
    problems: _Problems = []
    for key, raw in record.items():
        spec = specs.get(key)
        if spec is None or raw is None:
            continue
        try:
            values[spec[0]] = spec[1](raw)
        except Invalid as exc:
            problems.extend((key + suffix, message) for suffix, message in exc.problems)
    for key, index in _REQUIRED:
        if values[index] is None and record.get(key) is None:
            problems.append((key, "is required"))
    if values[_PLATE] is not None:
        values[_PLATE_RAW] = record["plate"]
    if (values[_LAT] is None) != (values[_LON] is None):
        missing = "lat" if values[_LAT] is None else "lon"
        if record.get(missing) is None:
            problems.append((missing, "is required when lat or lon is given"))
    if record.get("vehicle") is not None:
        _merge_vehicle(record["vehicle"], values, problems)
    return values, problems


def _inline_crop(record: dict[str, Any], values: list[Any], problems: _Problems) -> bytes | None:
    """Check ``crop_b64``: its image, with ``crop_ref`` set to the image's reference."""
    try:
        data = fields.crop_b64(record["crop_b64"])
    except Invalid as exc:
        problems.append(("crop_b64", str(exc)))
        return None
    ref = ref_of(data)
    if values[_CROP] is not None and values[_CROP] != ref:
        problems.append(("crop_ref", "conflicts with crop_b64 (send one of them)"))
    values[_CROP] = ref
    return data


BORROWED_REF = (
    "a stored-crop reference (sha256:...) is set by the server from the image itself: send "
    "crop_b64, not a hash (a hash alone could name another agency's crop)"
)


TOO_OLD = "is older than the camera owner's retention window: not stored"


def _too_old(values: list[Any], oldest: Mapping[str, datetime]) -> bool:
    floor = oldest.get(values[_CAMERA])
    return floor is not None and values[_TS] < floor


_HEX64 = re.compile(r"[0-9a-f]{64}")


def _borrowed_ref(values: list[Any]) -> bool:
    """A ``sha256`` crop reference without its image, in any spelling: any case, spacing or
    separator (``SHA-256:``), look-alike (NFKC-folded) or invisible characters, a bare 64-hex
    digest, or a digest inside any non-ASCII text. Other references (``s3://…/<hex>.jpg``, a
    vendor's id) are kept: they name no stored crop."""
    ref = values[_CROP] if values else None
    if not isinstance(ref, str):
        return False
    folded = unicodedata.normalize("NFKC", ref).casefold()
    bare = re.sub(r"[^0-9a-z]", "", folded)  # drops spacing, separators, invisible characters
    if bare.startswith("sha256") or _HEX64.fullmatch(bare):
        return True
    return not ref.isascii() and _HEX64.search(bare) is not None  # e.g. a Cyrillic "ѕha256:"


def _to_table(rows: list[list[Any]]) -> pa.Table:
    """Build the table column-wise from row value lists."""
    if not rows:
        return INGEST_SCHEMA.empty_table()
    columns = zip(*rows, strict=True)
    arrays = [pa.array(col, type=f.type) for col, f in zip(columns, INGEST_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=INGEST_SCHEMA)


def parse_records(
    records: Iterable[object],
    known_cameras: Container[str],
    *,
    first_row: int = 1,
    now: datetime | None = None,
    accept_crops: bool = False,
    oldest: Mapping[str, datetime] | None = None,
) -> ParseResult:
    """Validate ``records`` and return the valid ones as an ``INGEST_SCHEMA`` table.

    ``first_row`` is the row number of the first record (to continue numbering across batches);
    ``now`` (timezone-aware, default the current time) bounds ``ts`` from above. Each record must
    be a ``dict``; a :class:`BadLine` or any other value is reported with field ``row``.
    ``accept_crops``: decode ``crop_b64`` into :attr:`ParseResult.crops` (else it is ignored).
    ``oldest``: per camera, the earliest ``ts`` its owner's retention keeps; an older read is a
    row error on ``ts`` (it would be purged at once, and must raise no alert meanwhile).
    """
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    specs = _specs(known_cameras, now)
    rows: list[list[Any]] = []
    errors: list[RowError] = []
    crops: dict[str, bytes] = {}
    seen = 0
    for seen, record in enumerate(records, start=1):
        crop = None
        if isinstance(record, dict):
            values, problems = _check_record(record, specs)
            if accept_crops and record.get("crop_b64") is not None:
                crop = _inline_crop(record, values, problems)
            elif _borrowed_ref(values):
                problems.append(("crop_ref", BORROWED_REF))
            if oldest and not problems and _too_old(values, oldest):
                problems.append(("ts", TOO_OLD))
        else:
            message = record.message if isinstance(record, BadLine) else "must be a JSON object"
            values, problems = [], [("row", message)]
        if problems:
            row = first_row + seen - 1
            errors.extend(RowError(row, name, message) for name, message in problems)
        else:
            rows.append(values)
            if crop is not None:
                crops[values[_CROP]] = crop
    return ParseResult(_to_table(rows), tuple(errors), seen, crops)
