"""The "Event types" reference in docs/audit.md, generated from the registered event classes.

Regenerate it with ``python -m plateledger.audit.event_reference --write docs/audit.md`` (or
print it without ``--write``); ``tests/test_docs.py`` fails when the file is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from plateledger.audit.event_base import AuditSubject, describe, field_kinds
from plateledger.audit.event_types import EVENT_CLASSES

__all__ = ["END", "START", "event_reference", "write_reference"]

START, END = "<!-- event-types:start -->", "<!-- event-types:end -->"

_TYPE_NAMES = {
    "str": "string", "int": "integer", "float": "number", "bool": "boolean", "None": "null",
    "Sequence[str]": "list of strings", "Sequence[int]": "list of integers",
    "Mapping[str, Any]": "object", "Sequence[Mapping[str, Any]]": "list of objects",
}  # fmt: skip
_PRESENCE = {"required": "always", "optional": "when set", "nullable": "when set (may be null)"}


def event_reference() -> str:
    """The "Event types" section of docs/audit.md (between its markers), in Markdown."""
    lines = [
        "Generated from the event classes (`plateledger.audit.event_types`, `event_changes`)",
        "by `python -m plateledger.audit.event_reference --write docs/audit.md`; the tests fail",
        "when it is stale. An entry whose `event_type` is not listed here is refused, and so is",
        "a `subject` that lacks a member marked *always* or has a member not listed for its",
        "type.",
    ]
    for kind in sorted(EVENT_CLASSES):
        cls = EVENT_CLASSES[kind]
        lines += ["", f"### `{kind}`", "", *_describe(cls)]
        for layout in cls.layouts:
            lines += ["", f"Also accepted for `{kind}` (`{layout.__name__}`):", "",
                      *_describe(layout)]  # fmt: skip
    return "\n".join(lines) + "\n"


def _describe(cls: type[AuditSubject]) -> list[str]:
    summary, prose, meanings = describe(cls)
    lines = [summary, *(f"\n{p}" for p in prose), ""]
    lines += ["| member | type | present | meaning |", "|---|---|---|---|"]
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        hints.update(klass.__dict__.get("__annotations__", {}))
    for name, kind in field_kinds(cls).items():
        kind_of = _type_name(str(hints[name]), nullable=kind != "optional")
        cells = (f"`{name}`", kind_of, _PRESENCE[kind], meanings[name])
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


def _type_name(annotation: str, *, nullable: bool) -> str:
    """JSON type names; an optional member is left out rather than null, so no "or null"."""
    dropped = {"Absent"} if nullable else {"Absent", "None"}
    parts = [p.strip() for p in annotation.split(" | ") if p.strip() not in dropped]
    return " or ".join(_TYPE_NAMES[p] for p in parts)


def write_reference(path: Path) -> bool:
    """Replace the section between the markers in ``path``; whether the file changed."""
    text = path.read_text()
    head, sep, rest = text.partition(START)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"{path}: no {START} ... {END} markers")
    new = f"{head}{START}\n{event_reference()}{END}{tail}"
    if new != text:
        path.write_text(new)
    return new != text


def main(argv: Sequence[str]) -> int:
    if len(argv) == 2 and argv[0] == "--write":
        changed = write_reference(Path(argv[1]))
        print(f"{argv[1]}: {'updated' if changed else 'already current'}")
        return 0
    if argv:
        print("usage: python -m plateledger.audit.event_reference [--write docs/audit.md]")
        return 2
    sys.stdout.write(event_reference())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
