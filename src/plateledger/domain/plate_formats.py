"""Standard passenger plate formats per US state, and checking a read against them.

The formats live in ``plate_formats.yaml`` (data, not code) and are loaded once, validated
loudly: an unknown state code, a missing state or an unknown pattern letter raises
``PlateFormatDataError`` naming the file and the key. Patterns are written over canonical plates:
``L`` letter, ``D`` digit, ``A`` either, a digit stands for itself and ``\\X`` for the letter X.

A format check is advice for an investigator, never a verdict: vanity and specialty plates fit no
standard format. When a read fits no format, ``confusable_fixes`` lists the plates obtained by
swapping confusable characters (``Z``→``2``, ``0``→``O``...) that would fit one.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal, get_args

import yaml

from plateledger.domain.plates import CONFUSABLE_CLASSES, MAX_PLATE_LENGTH, canonicalize
from plateledger.domain.types import US_STATES
from plateledger.errors import PlateledgerError, ValidationError

Confidence = Literal["high", "medium", "low"]
_CONFIDENCES: tuple[str, ...] = get_args(Confidence)

DATA_FILE = "plate_formats.yaml"
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_SLOT_CLASSES = {"L": _LETTERS, "D": _DIGITS, "A": _LETTERS | _DIGITS}
_CLASS_OF = {char: cls for cls in CONFUSABLE_CLASSES for char in cls}
_MAX_FIXES = 12


class PlateFormatDataError(PlateledgerError):
    """The packaged format data is malformed: a bug in the release, not in the request."""

    code = "bad_reference_data"
    status = 500


@dataclass(frozen=True, slots=True)
class PlateFormat:
    """One serial format, e.g. ``DLLLDDD`` for California's ``1ABC234``."""

    pattern: str
    description: str
    confidence: Confidence
    note: str
    slots: tuple[frozenset[str], ...] = field(repr=False, compare=False)

    def matches(self, plate: str) -> bool:
        """Whether a canonical plate fits this format exactly."""
        return len(plate) == len(self.slots) and all(
            char in slot for char, slot in zip(plate, self.slots, strict=True)
        )


@dataclass(frozen=True, slots=True)
class StateFormats:
    code: str
    name: str
    formats: tuple[PlateFormat, ...]


@dataclass(frozen=True, slots=True)
class FormatCheck:
    """Outcome of checking a plate against a state's standard passenger formats."""

    plate: str
    state: str
    valid: bool
    matched_format: str | None
    confusable_fixes: tuple[str, ...]
    message: str


def formats_for(state: str) -> tuple[PlateFormat, ...]:
    """The standard passenger formats of a state (two-letter code, any case)."""
    return _state(state).formats


def state_name(state: str) -> str:
    return _state(state).name


def check_plate(plate: str, state: str) -> FormatCheck:
    """Check a plate (canonicalised first) against a state's formats; suggest confusable fixes.

    The message never contains the plate, so callers may log it.
    """
    entry = _state(state)
    canonical = canonicalize(plate)
    for fmt in entry.formats:
        if fmt.matches(canonical):
            message = f"fits {entry.code} format {fmt.pattern} ({fmt.description})"
            return FormatCheck(canonical, entry.code, True, fmt.pattern, (), message)
    fixes = confusable_fixes(canonical, entry.formats)
    message = f"fits no standard {entry.name} passenger format"
    if fixes:
        count = len(fixes)
        message += f"; {count} confusable reading{'s' if count > 1 else ''} would fit"
    else:
        message += " (vanity and specialty plates are common)"
    return FormatCheck(canonical, entry.code, False, None, fixes, message)


def confusable_fixes(plate: str, formats: tuple[PlateFormat, ...]) -> tuple[str, ...]:
    """Plates differing from ``plate`` only by confusable swaps that fit one of ``formats``.

    Ordered by number of swaps, then alphabetically; at most 12.
    """
    found: set[str] = set()
    for fmt in formats:
        if len(fmt.slots) != len(plate):
            continue
        options = [
            [char] if char in slot else sorted(_CLASS_OF.get(char, frozenset()) & slot)
            for char, slot in zip(plate, fmt.slots, strict=True)
        ]
        found.update("".join(chars) for chars in itertools.islice(itertools.product(*options), 256))
    found.discard(plate)
    ranked = sorted(
        found, key=lambda fix: (sum(a != b for a, b in zip(fix, plate, strict=True)), fix)
    )
    return tuple(ranked[:_MAX_FIXES])


def _state(state: str) -> StateFormats:
    code = state.strip().upper()
    table = _table()
    if code not in table:
        raise ValidationError(
            f"state: unknown state code {state!r} (expected one of the 50 states or DC)",
            {"field": "state"},
        )
    return table[code]


@functools.cache
def _table() -> Mapping[str, StateFormats]:
    text = resources.files("plateledger.domain").joinpath(DATA_FILE).read_text("utf-8")
    return parse_formats(text, DATA_FILE)


def parse_formats(text: str, source: str) -> dict[str, StateFormats]:
    """Parse and validate format data; errors name ``source`` and the offending key."""
    document = yaml.safe_load(text)
    states = document.get("states") if isinstance(document, dict) else None
    if not isinstance(states, dict):
        raise PlateFormatDataError(f"{source}: top level must be a mapping with 'states'")
    unknown = sorted(str(code) for code in states if code not in US_STATES)
    if unknown:
        raise PlateFormatDataError(f"{source}: states.{unknown[0]}: unknown state code")
    missing = [code for code in US_STATES if code not in states]
    if missing:
        raise PlateFormatDataError(f"{source}: states: missing {', '.join(missing)}")
    return {
        code: _parse_state(states[code], f"{source}: states.{code}", code) for code in US_STATES
    }


def _parse_state(entry: Any, where: str, code: str) -> StateFormats:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise PlateFormatDataError(f"{where}: must be a mapping with a 'name' string")
    formats = entry.get("formats")
    if not isinstance(formats, list) or not formats:
        raise PlateFormatDataError(f"{where}.formats: must be a non-empty list")
    parsed = tuple(_parse_format(item, f"{where}.formats[{i}]") for i, item in enumerate(formats))
    return StateFormats(code, entry["name"], parsed)


def _parse_format(item: Any, where: str) -> PlateFormat:
    if not isinstance(item, dict):
        raise PlateFormatDataError(f"{where}: must be a mapping")
    for key in ("pattern", "description", "note", "confidence"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise PlateFormatDataError(f"{where}.{key}: missing or not a string")
    extra = sorted(set(item) - {"pattern", "description", "note", "confidence"})
    if extra:
        raise PlateFormatDataError(f"{where}.{extra[0]}: unknown key")
    if item["confidence"] not in _CONFIDENCES:
        raise PlateFormatDataError(f"{where}.confidence: must be one of {', '.join(_CONFIDENCES)}")
    slots = _compile(item["pattern"], f"{where}.pattern")
    return PlateFormat(
        item["pattern"], item["description"], item["confidence"], item["note"], slots
    )


def _compile(pattern: str, where: str) -> tuple[frozenset[str], ...]:
    """Turn ``DLLLDDD`` into one allowed-character set per position."""
    slots: list[frozenset[str]] = []
    chars = iter(pattern)
    for char in chars:
        if char in _SLOT_CLASSES:
            slots.append(_SLOT_CLASSES[char])
        elif char in _DIGITS:
            slots.append(frozenset(char))
        elif char == "\\":
            literal = next(chars, "")
            if literal not in _LETTERS:
                raise PlateFormatDataError(f"{where}: '\\' must be followed by a letter A-Z")
            slots.append(frozenset(literal))
        else:
            raise PlateFormatDataError(f"{where}: unknown pattern letter {char!r}")
    if not 1 <= len(slots) <= MAX_PLATE_LENGTH:
        raise PlateFormatDataError(f"{where}: must describe 1..{MAX_PLATE_LENGTH} characters")
    return tuple(slots)
