"""Roles, permissions and token scopes, loaded from ``accounts/roles.yaml`` (data, not code).

The file is read strictly (duplicate or unknown keys, unknown permissions, cycles in
``includes`` and roles the domain does not know all fail with the file and key named) and
once per process: the API, the web UI and the CLI all ask :func:`role_table`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from plateledger.domain.types import ROLES
from plateledger.errors import ValidationError
from plateledger.policy.data_file import PolicyDataError, Reader, load_document

DATA_FILE = "roles.yaml"
PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class RoleInfo:
    name: str
    description: str
    permissions: frozenset[str]  # includes resolved


@dataclass(frozen=True, slots=True)
class ScopeInfo:
    name: str
    description: str
    permissions: frozenset[str]


@dataclass(frozen=True, slots=True)
class ManageRule:
    """What users of one role may do to other users of their own agency (``manage.by``)."""

    roles: frozenset[str]  # the target roles it manages
    token_scopes: frozenset[str]  # the only scopes of a token it issues in another's name


@dataclass(frozen=True, slots=True)
class RoleTable:
    permissions: Mapping[str, str]  # name -> what it allows
    roles: Mapping[str, RoleInfo]
    scopes: Mapping[str, ScopeInfo]
    every_token: frozenset[str] = frozenset()
    manage: Mapping[str, ManageRule] = field(default_factory=dict)  # actor role -> rule
    privilege: tuple[str, ...] = ()  # lowest first

    @property
    def public(self) -> frozenset[str]:
        return self.roles[PUBLIC].permissions

    def of_role(self, role: str) -> frozenset[str]:
        info = self.roles.get(role)
        return info.permissions if info is not None else self.public

    def effective(self, role: str, scopes: Iterable[str] | None) -> frozenset[str]:
        """A principal's permissions: the role's, narrowed by token scopes (public always)."""
        granted = self.of_role(role)
        if scopes is None:
            return granted
        allowed: set[str] = set(self.public | self.every_token)
        for scope in scopes:
            allowed |= self.scopes[scope].permissions
        return granted & frozenset(allowed)

    def check_scopes(self, role: str, scopes: Iterable[str]) -> tuple[str, ...]:
        """Validated, sorted scope names for a token of ``role``; names the scope at fault."""
        names = tuple(sorted(set(scopes)))
        if not names:
            raise ValidationError("scopes: give at least one scope", {"field": "scopes"})
        for name in names:
            if name not in self.scopes:
                known = ", ".join(self.scopes)
                raise ValidationError(
                    f"scopes: unknown scope {name!r} (known: {known})", {"field": "scopes"}
                )
            if not self.scopes[name].permissions & self.of_role(role):
                raise ValidationError(
                    f"scopes: scope {name!r} grants role {role!r} nothing", {"field": "scopes"}
                )
        return names


@cache
def role_table() -> RoleTable:
    text = resources.files("plateledger.accounts").joinpath(DATA_FILE).read_text("utf-8")
    return parse_roles(text, DATA_FILE)


def parse_roles(text: str, source: str) -> RoleTable:
    """Parse and validate a roles document (raises ``PolicyDataError`` naming the key)."""
    r = Reader(source)
    doc = r.mapping(
        load_document(text, source),
        "",
        ("permissions", "roles", "scopes", "every_token"),
        ("manage",),
    )
    perms = r.mapping(doc["permissions"], "permissions")
    if not perms:
        raise r.fail("permissions", "must list at least one permission")
    described = {r.string(k, "permissions"): r.string(v, f"permissions.{k}") for k, v in
                 perms.items()}  # fmt: skip
    roles = _roles(r, doc["roles"], described)
    scopes = _scopes(r, doc["scopes"], described)
    every = frozenset(r.choices(doc["every_token"], "every_token", described, "permission"))
    in_scopes = frozenset().union(*(s.permissions for s in scopes.values()))
    orphans = sorted(set(described) - in_scopes - every - roles[PUBLIC].permissions)
    if orphans:
        raise r.fail("scopes", f"permission {orphans[0]!r} is in no scope")
    manage, privilege = _manage(r, doc.get("manage"), roles, scopes)
    return RoleTable(described, roles, scopes, every, manage, privilege)


def _roles(r: Reader, value: Any, known: Mapping[str, str]) -> dict[str, RoleInfo]:
    raw = r.mapping(value, "roles", (PUBLIC, *ROLES))
    parsed: dict[str, tuple[str, list[str], list[str]]] = {}
    for name, body in raw.items():
        where = f"roles.{name}"
        m = r.mapping(body, where, ("description", "permissions"), ("includes",))
        includes = r.choices(m.get("includes", []), f"{where}.includes", raw, "role")
        permissions = r.choices(m["permissions"], f"{where}.permissions", known, "permission")
        parsed[name] = (r.string(m["description"], f"{where}.description"), includes, permissions)

    def resolve(name: str, seen: tuple[str, ...]) -> frozenset[str]:
        if name in seen:
            raise r.fail(f"roles.{seen[0]}.includes", f"cycle {' -> '.join((*seen, name))}")
        _, includes, permissions = parsed[name]
        out = set(permissions)
        for other in includes:
            out |= resolve(other, (*seen, name))
        return frozenset(out)

    return {name: RoleInfo(name, parsed[name][0], resolve(name, ())) for name in parsed}


def _scopes(r: Reader, value: Any, known: Mapping[str, str]) -> dict[str, ScopeInfo]:
    raw = r.mapping(value, "scopes")
    if not raw:
        raise r.fail("scopes", "must list at least one scope")
    out = {}
    for name, body in raw.items():
        where = f"scopes.{name}"
        m = r.mapping(body, where, ("description", "permissions"))
        permissions = r.choices(m["permissions"], f"{where}.permissions", known, "permission")
        out[name] = ScopeInfo(name, r.string(m["description"], f"{where}.description"),
                              frozenset(permissions))  # fmt: skip
    return out


def _manage(
    r: Reader, value: Any, roles: Mapping[str, RoleInfo], scopes: Mapping[str, ScopeInfo]
) -> tuple[dict[str, ManageRule], tuple[str, ...]]:
    """``manage``: validated so that no rule lets a role manage a higher-ranked role or an
    auditor, nor give away in another's name a permission the manager's role lacks."""
    if value is None:
        return {}, ()
    m = r.mapping(value, "manage", ("privilege", "by"))
    users = sorted(set(roles) - {PUBLIC})
    privilege = tuple(r.choices(m["privilege"], "manage.privilege", users, "role"))
    if sorted(privilege) != users:
        raise r.fail("manage.privilege", f"must rank every role: {', '.join(users)}")
    out: dict[str, ManageRule] = {}
    for actor, body in r.mapping(m["by"], "manage.by", (), users).items():
        where = f"manage.by.{actor}"
        b = r.mapping(body, where, ("roles", "token_scopes"))
        targets = frozenset(r.choices(b["roles"], f"{where}.roles", users, "role"))
        given = frozenset(r.choices(b["token_scopes"], f"{where}.token_scopes", scopes, "scope"))
        own = roles[actor].permissions
        if "users.manage" not in own:
            raise r.fail(where, f"role {actor!r} does not hold users.manage")
        for target in sorted(targets):
            if privilege.index(target) > privilege.index(actor) or (target == "auditor" != actor):
                raise r.fail(f"{where}.roles", f"{actor!r} may not manage {target!r}")
        for scope in sorted(given):
            if not scopes[scope].permissions <= own:
                raise r.fail(f"{where}.token_scopes", f"scope {scope!r} exceeds role {actor!r}")
        out[actor] = ManageRule(targets, given)
    return out, privilege


__all__ = [
    "ManageRule",
    "PUBLIC",
    "PolicyDataError",
    "RoleInfo",
    "RoleTable",
    "ScopeInfo",
    "role_table",
]
