"""The closed purpose vocabulary: every search carries exactly one selectable purpose code.

The codes live in ``policy/data/purposes.yaml`` (data, not code). Each code belongs to a class;
the prohibited classes (``immigration_enforcement``, ``reproductive_health``...) are never
selectable: their codes are what the reason classifier produces and what jurisdictions deny.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, get_args

from plateledger.errors import ValidationError
from plateledger.policy.data_file import Reader, load_document, read_packaged

PurposeClass = Literal[
    "hotlist",
    "criminal",
    "person_safety",
    "emergency",
    "legal_process",
    "administrative",
    "immigration_enforcement",
    "reproductive_health",
    "lawful_health_care",
    "gender_affirming_care",
    "first_amendment_activity",
    "protected_class_targeting",
    "personal_use",
    "commercial_sale",
    "warrantless_tracking",
]
PURPOSE_CLASSES: tuple[str, ...] = get_args(PurposeClass)
PROHIBITED_CLASSES: frozenset[str] = frozenset(PURPOSE_CLASSES[6:])
# Prohibited classes that name an activity people have a right to: a search whose subject is
# one of them is refused on every network whatever the state's law (policy/floor.py).
PROTECTED_ACTIVITY_CLASSES: frozenset[str] = frozenset(
    {"first_amendment_activity", "reproductive_health", "gender_affirming_care",
     "lawful_health_care"}
)  # fmt: skip

DATA_FILE = "purposes.yaml"


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    purpose_class: PurposeClass
    selectable: bool  # False for codes of a prohibited class
    label: str
    note: str | None = None
    ncic_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "class": self.purpose_class,
            "selectable": self.selectable,
            "label": self.label,
            "note": self.note,
            "ncic_file": self.ncic_file,
        }


@dataclass(frozen=True, slots=True)
class PurposeVocabulary:
    """The parsed purposes file: codes in file order, and class labels."""

    purposes: Mapping[str, Purpose]
    class_labels: Mapping[str, str]


def load_purposes() -> Mapping[str, Purpose]:
    """Every purpose code (selectable or not), in file order. Loaded once."""
    return _vocabulary().purposes


def selectable_purposes() -> tuple[Purpose, ...]:
    """The codes an officer may choose from, in file order."""
    return tuple(p for p in load_purposes().values() if p.selectable)


def purpose(code: str) -> Purpose:
    """The selectable purpose ``code``; ``ValidationError`` (field ``purpose``) otherwise."""
    found = load_purposes().get(code.strip())
    valid = [p.code for p in selectable_purposes()]
    if found is None:
        raise ValidationError(
            f"purpose: unknown purpose code {code!r} (expected one of {', '.join(valid)})",
            {"field": "purpose", "valid": valid},
        )
    if not found.selectable:
        raise ValidationError(
            f"purpose: {found.code!r} ({found.label}) is a prohibited purpose and can never be "
            f"selected (expected one of {', '.join(valid)})",
            {"field": "purpose", "valid": valid},
        )
    return found


def class_label(name: str) -> str:
    """Human label of a purpose class (``KeyError`` for an unknown class)."""
    return _vocabulary().class_labels[name]


def purpose_names() -> frozenset[str]:
    """Every name a deny or allow list may use: purpose codes and purpose classes."""
    return frozenset(load_purposes()) | frozenset(PURPOSE_CLASSES)


@functools.cache
def _vocabulary() -> PurposeVocabulary:
    return parse_purposes(read_packaged(DATA_FILE), DATA_FILE)


def parse_purposes(text: str, source: str) -> PurposeVocabulary:
    """Parse and validate purpose data; errors name ``source`` and the offending key."""
    r = Reader(source)
    doc = r.mapping(load_document(text, source), "", ("schema_version", "classes", "purposes"))
    if doc["schema_version"] != 1:
        raise r.fail("schema_version", f"unsupported version {doc['schema_version']!r}")
    classes = r.mapping(doc["classes"], "classes")
    labels: dict[str, str] = {}
    for name, entry in classes.items():
        where = f"classes.{name}"
        r.choice(name, where, PURPOSE_CLASSES, "purpose class")
        item = r.mapping(entry, where, ("prohibited", "label"))
        if r.boolean(item["prohibited"], f"{where}.prohibited") != (name in PROHIBITED_CLASSES):
            raise r.fail(f"{where}.prohibited", "disagrees with PROHIBITED_CLASSES in the code")
        labels[name] = r.string(item["label"], f"{where}.label")
    missing = [name for name in PURPOSE_CLASSES if name not in labels]
    if missing:
        raise r.fail("classes", f"missing purpose class {missing[0]!r}")
    purposes: dict[str, Purpose] = {}
    for code, entry in r.mapping(doc["purposes"], "purposes").items():
        where = f"purposes.{code}"
        item = r.mapping(entry, where, ("class", "label"), ("note", "ncic_file"))
        cls: Any = r.choice(item["class"], f"{where}.class", PURPOSE_CLASSES, "purpose class")
        if code in PURPOSE_CLASSES and code != cls:
            raise r.fail(f"{where}.class", "a code named like a class must belong to that class")
        purposes[code] = Purpose(
            code=code,
            purpose_class=cls,
            selectable=cls not in PROHIBITED_CLASSES,
            label=r.string(item["label"], f"{where}.label"),
            note=r.optional_string(item.get("note"), f"{where}.note"),
            ncic_file=r.optional_string(item.get("ncic_file"), f"{where}.ncic_file"),
        )
    empty = [
        name for name in PURPOSE_CLASSES if all(p.purpose_class != name for p in purposes.values())
    ]
    if empty:
        raise r.fail("purposes", f"no purpose code of class {empty[0]!r}")
    return PurposeVocabulary(MappingProxyType(purposes), MappingProxyType(labels))
