"""The machinery behind typed audit subjects: field kinds, checks, the registry, field docs.

An event type is a frozen dataclass deriving from :class:`AuditSubject`, with a ClassVar
``event_type`` and one dataclass field per subject member. The kind of member is read off the
field's default:

- no default: **required** — always in the subject (its value may be null if typed so);
- default ``None``: **optional** — in the subject only when not ``None``;
- default ``ABSENT``: **nullable** — in the subject unless ``ABSENT``; ``None`` is written as
  null (for members some writers send as null and others leave out).

The class docstring documents the type: its first paragraph says what happened, in plain words;
then, after any prose paragraphs, one ``name: meaning`` line per field (continuation lines
indented). Fields a base class documents need not be documented again.

A type may accept other layouts through ``layouts``: (unregistered) subject classes a subject
may fit instead — an earlier layout, valid for entries already stored (entries are immutable),
or the layout of a writer not yet moved to the typed class.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, TypeVar

from plateledger.errors import ValidationError


class AuditEventError(ValidationError):
    """An audit event (or a stored entry) does not fit the schema; ``field`` names the culprit."""

    code = "invalid_audit_event"

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"audit event {field_name}: {problem}", {"field": field_name})
        self.field = field_name


class Absent(enum.Enum):
    """The default of a nullable member that was not given (``ABSENT``): left out entirely."""

    ABSENT = "absent"


ABSENT: Final = Absent.ABSENT

FieldKind = Literal["required", "optional", "nullable"]
Problem = tuple[str, str]  # (field path, what is wrong): an AuditEventError's arguments
_FIELD_LINE = re.compile(r"([a-z_][a-z0-9_]*): (.*)")


class AuditSubject:
    """Base of every typed audit subject (see the module doc)."""

    __slots__ = ()
    event_type: ClassVar[str]
    layouts: ClassVar[tuple[type[AuditSubject], ...]] = ()

    def subject(self) -> dict[str, Any]:
        """The subject mapping this instance stands for (optional members left out if unset)."""
        out: dict[str, Any] = {}
        for name, kind in field_kinds(type(self)).items():
            value = getattr(self, name)
            if (kind == "optional" and value is None) or value is ABSENT:
                continue
            out[name] = value
        return out

    @classmethod
    def check(cls, subject: Mapping[str, Any]) -> None:
        """Raise :class:`AuditEventError` naming ``subject.<name>`` when a required member is
        missing or an unknown member is present (unless an earlier layout fits it)."""
        problem = cls.misfit(subject)
        if problem is None or any(other.misfit(subject) is None for other in cls.layouts):
            return
        raise AuditEventError(*problem)

    @classmethod
    def misfit(cls, subject: Mapping[str, Any]) -> Problem | None:
        """What keeps ``subject`` from fitting this class exactly, or ``None`` if it fits."""
        kinds = field_kinds(cls)
        for name, kind in kinds.items():
            if kind == "required" and name not in subject:
                return f"subject.{name}", "missing"
        unknown = sorted((str(k) for k in subject if k not in kinds), key=_utf16)
        if unknown:
            return f"subject.{unknown[0]}", f"not a member of a {cls.event_type} subject"
        return cls.misfit_values(subject)

    @classmethod
    def misfit_values(cls, subject: Mapping[str, Any]) -> Problem | None:
        """Checks of member values beyond presence; none by default."""
        return None

    @classmethod
    def from_subject(cls: type[_S], subject: Mapping[str, Any]) -> _S:
        """The typed instance of a subject that fits this class (checked first)."""
        problem = cls.misfit(subject)
        if problem is not None:
            raise AuditEventError(*problem)
        return cls(**dict(subject))


_S = TypeVar("_S", bound=AuditSubject)
_REGISTRY: dict[str, type[AuditSubject]] = {}
REGISTRY: Mapping[str, type[AuditSubject]] = MappingProxyType(_REGISTRY)
_KINDS: dict[type[AuditSubject], dict[str, FieldKind]] = {}


def register(cls: type[_S]) -> type[_S]:
    """Class decorator: ``cls`` is the subject class of its ``event_type`` (documented, unique)."""
    kind = cls.__dict__.get("event_type")
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{cls.__name__} needs a ClassVar event_type")
    if kind in _REGISTRY:
        raise TypeError(f"event type {kind!r} is registered twice")
    missing = undocumented(cls)
    if missing:
        raise TypeError(f"{cls.__name__} docstring lacks {', '.join(missing)}")
    _REGISTRY[kind] = cls
    return cls


def field_kinds(cls: type[AuditSubject]) -> dict[str, FieldKind]:
    """Each dataclass field of ``cls`` with its kind, in declaration order (cached)."""
    kinds = _KINDS.get(cls)
    if kinds is None:
        kinds = {f.name: _kind(f) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        _KINDS[cls] = kinds
    return kinds


def _kind(f: dataclasses.Field[Any]) -> FieldKind:
    if f.default is ABSENT:
        return "nullable"
    if f.default is None:
        return "optional"
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
        return "required"
    raise TypeError(f"field {f.name}: defaults other than None and ABSENT are not allowed")


def describe(cls: type[AuditSubject]) -> tuple[str, list[str], dict[str, str]]:
    """``(summary, prose paragraphs, {field: meaning})`` from the docstrings of ``cls`` and its
    bases (the summary and prose from ``cls`` itself)."""
    summary, prose, _ = _parse(_own_doc(cls))
    meanings: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        meanings.update(_parse(_own_doc(klass))[2])
    return summary, prose, meanings


def _own_doc(cls: type) -> str | None:
    """The class's own docstring; not one ``dataclass`` made up (``Name(field: type, ...)``)."""
    doc = cls.__dict__.get("__doc__")
    return None if not doc or doc.startswith(f"{cls.__name__}(") else str(doc)


def undocumented(cls: type[AuditSubject]) -> list[str]:
    """What the docstrings of ``cls`` fail to say: its summary, or a field's meaning."""
    summary, _, meanings = describe(cls)
    missing = [] if summary else ["a summary"]
    return missing + [name for name in field_kinds(cls) if not meanings.get(name)]


def _parse(doc: str | None) -> tuple[str, list[str], dict[str, str]]:
    paragraphs = [p for p in inspect.cleandoc(doc or "").split("\n\n") if p.strip()]
    if not paragraphs or _FIELD_LINE.match(paragraphs[0]):
        return "", [], {}
    summary, prose, meanings = _join(paragraphs[0]), [], {}
    current: str | None = None
    for para in paragraphs[1:]:
        if not _FIELD_LINE.match(para):
            prose.append(_join(para))
            continue
        for line in para.splitlines():
            match = _FIELD_LINE.fullmatch(line)
            if match and not line.startswith(" "):
                current = match[1]
                meanings[current] = match[2].strip()
            elif current is not None:
                meanings[current] += " " + line.strip()
    return summary, prose, meanings


def _join(paragraph: str) -> str:
    return " ".join(line.strip() for line in paragraph.splitlines())


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")
