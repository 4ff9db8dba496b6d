"""A small JSON Schema (2020-12) validator for the subset ``read.schema.json`` uses.

``jsonschema`` is not a dependency of this project, so the tests check output lines with this:
``type``, ``properties``, ``required``, ``additionalProperties`` (boolean), ``items``,
``minItems``/``maxItems``, ``minimum``/``maximum``, ``enum``, ``pattern``, ``oneOf`` and local
``$ref`` (``#/$defs/...``). A schema using any other keyword is refused, so nothing in it goes
unchecked.
"""

from __future__ import annotations

import re
from typing import Any

ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$defs"})
KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "enum",
        "pattern",
        "oneOf",
        "$ref",
    }
)
_TYPES: dict[str, tuple[type, ...]] = {
    "null": (type(None),),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "array": (list,),
    "object": (dict,),
}


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in {"integer", "number"}:
        return False
    return isinstance(value, _TYPES[name])


class SubsetValidator:
    """``errors(instance)`` lists what is wrong with ``instance``, each with its JSON path."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.root = schema
        self._check_keywords(schema, "#")

    def _check_keywords(self, schema: Any, where: str) -> None:
        if not isinstance(schema, dict):
            raise ValueError(f"{where}: a schema must be an object")
        unknown = set(schema) - KEYWORDS - ANNOTATIONS
        if unknown:
            raise ValueError(f"{where}: keywords this validator does not check: {sorted(unknown)}")
        if not isinstance(schema.get("additionalProperties", False), bool):
            raise ValueError(f"{where}: only a boolean additionalProperties is supported")
        for name, sub in schema.get("$defs", {}).items():
            self._check_keywords(sub, f"{where}/$defs/{name}")
        for name, sub in schema.get("properties", {}).items():
            self._check_keywords(sub, f"{where}/properties/{name}")
        for i, sub in enumerate(schema.get("oneOf", [])):
            self._check_keywords(sub, f"{where}/oneOf/{i}")
        if "items" in schema:
            self._check_keywords(schema["items"], f"{where}/items")

    def _resolve(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        resolved: dict[str, Any] = node
        return resolved

    def errors(
        self, instance: Any, schema: dict[str, Any] | None = None, path: str = "$"
    ) -> list[str]:
        schema = self.root if schema is None else schema
        if "$ref" in schema:
            return self.errors(instance, self._resolve(schema["$ref"]), path)
        if "oneOf" in schema:
            matches = [not self.errors(instance, sub, path) for sub in schema["oneOf"]]
            if matches.count(True) != 1:
                return [f"{path}: matches {matches.count(True)} of the oneOf schemas, not 1"]
        found: list[str] = []
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(instance, t) for t in types):
                return [f"{path}: {type(instance).__name__} is not of type {types}"]
        if "enum" in schema and instance not in schema["enum"]:
            found.append(f"{path}: {instance!r} is not one of {schema['enum']}")
        if isinstance(instance, str) and "pattern" in schema:
            if not re.search(schema["pattern"], instance):
                found.append(f"{path}: {instance!r} does not match {schema['pattern']}")
        if _is_type(instance, "number"):
            if "minimum" in schema and instance < schema["minimum"]:
                found.append(f"{path}: {instance} < minimum {schema['minimum']}")
            if "maximum" in schema and instance > schema["maximum"]:
                found.append(f"{path}: {instance} > maximum {schema['maximum']}")
        if isinstance(instance, list):
            found += self._array_errors(instance, schema, path)
        if isinstance(instance, dict):
            found += self._object_errors(instance, schema, path)
        return found

    def _array_errors(self, instance: list[Any], schema: dict[str, Any], path: str) -> list[str]:
        found = []
        if "minItems" in schema and len(instance) < schema["minItems"]:
            found.append(f"{path}: {len(instance)} items, fewer than {schema['minItems']}")
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            found.append(f"{path}: {len(instance)} items, more than {schema['maxItems']}")
        if "items" in schema:
            for i, item in enumerate(instance):
                found += self.errors(item, schema["items"], f"{path}[{i}]")
        return found

    def _object_errors(
        self, instance: dict[str, Any], schema: dict[str, Any], path: str
    ) -> list[str]:
        properties: dict[str, Any] = schema.get("properties", {})
        found = [
            f"{path}: missing {key!r}" for key in schema.get("required", []) if key not in instance
        ]
        if schema.get("additionalProperties", True) is False:
            found += [f"{path}: unexpected {key!r}" for key in instance if key not in properties]
        for key, sub in properties.items():
            if key in instance:
                found += self.errors(instance[key], sub, f"{path}.{key}")
        return found
