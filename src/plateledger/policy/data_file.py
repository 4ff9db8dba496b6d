"""Strict reading of the packaged policy data (``policy/data/*.yaml``).

Policy data decides who may see whose reads, so a typo must never be silently ignored: YAML
duplicate keys, unknown keys, missing keys and wrong types all raise ``PolicyDataError`` with a
message naming the file and the key path, e.g.
``jurisdictions.yaml: IL.sharing: unknown requester type 'federl'``.
"""

from __future__ import annotations

import string
from collections.abc import Collection
from importlib import resources
from typing import Any

import yaml

from plateledger.errors import PlateledgerError


class PolicyDataError(PlateledgerError):
    """The policy data is malformed: a bug in the release (or a bad override), never a request."""

    code = "bad_policy_data"
    status = 500


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml if present


class _StrictLoader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader that rejects duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    construct: Any = loader.construct_object  # untyped in types-PyYAML
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = construct(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"unsupported mapping key {key!r}", key_node.start_mark
            )
        if key in result:
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {line})", key_node.start_mark
            )
        result[key] = construct(value_node, deep=True)
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_packaged(name: str) -> str:
    return resources.files("plateledger.policy").joinpath("data", name).read_text("utf-8")


def load_document(text: str, source: str) -> dict[str, Any]:
    """Parse YAML strictly; the top level must be a mapping."""
    try:
        document = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        problem = str(exc).replace("\n", " ")
        raise PolicyDataError(f"{source}: invalid YAML: {problem}") from None
    if not isinstance(document, dict):
        raise PolicyDataError(f"{source}: top level must be a mapping")
    return document


class Reader:
    """Typed accessors that report ``source: path: problem``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> PolicyDataError:
        prefix = f"{self.source}: {where}: " if where else f"{self.source}: "
        return PolicyDataError(prefix + problem, {"file": self.source, "key": where})

    def mapping(
        self,
        value: Any,
        where: str,
        required: Collection[str] = (),
        optional: Collection[str] = (),
    ) -> dict[str, Any]:
        """A mapping with exactly the ``required`` keys plus any of the ``optional`` ones."""
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        for key in value:
            if not isinstance(key, str):
                raise self.fail(where, f"key {key!r} must be a string")
        missing = [key for key in required if key not in value]
        if missing:
            raise self.fail(where, f"missing required key {missing[0]!r}")
        known = set(required) | set(optional)
        extra = sorted(key for key in value if key not in known)
        if known and extra:
            raise self.fail(join(where, extra[0]), "unknown key")
        return value

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty string")
        return value.strip()

    def template(self, value: Any, where: str, **values: str) -> str:
        """A non-empty string whose only ``{placeholders}`` are ``values``, rendered."""
        text = self.string(value, where)
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            raise self.fail(where, f"bad template ({exc})") from None
        unknown = [f for f in fields if f not in values]
        if unknown:
            known = ", ".join(f"{{{k}}}" for k in values) or "none"
            raise self.fail(where, f"unknown placeholder {{{unknown[0]}}} (allowed: {known})")
        return text.format(**values)

    def optional_string(self, value: Any, where: str) -> str | None:
        return None if value is None else self.string(value, where)

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "must be true or false")
        return value

    def days(self, value: Any, where: str, *, allow_null: bool = True) -> int | None:
        if value is None and allow_null:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(
                where, "must be a non-negative whole number" + (" or null" * allow_null)
            )
        return value

    def strings(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        return [self.string(item, f"{where}[{i}]") for i, item in enumerate(value)]

    def choice(self, value: Any, where: str, allowed: Collection[str], what: str) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(where, f"unknown {what} {value!r} (expected one of {_list(allowed)})")
        return value

    def choices(self, value: Any, where: str, allowed: Collection[str], what: str) -> list[str]:
        items = self.strings(value, where)
        for i, item in enumerate(items):
            self.choice(item, f"{where}[{i}]", allowed, what)
        if len(set(items)) != len(items):
            raise self.fail(where, f"duplicate {what}")
        return items


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _list(allowed: Collection[str]) -> str:
    items = sorted(allowed) if not isinstance(allowed, (list, tuple)) else list(allowed)
    return ", ".join(items)
