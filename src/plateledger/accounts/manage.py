"""Who may manage whom: ONE function over the ``manage`` table of ``accounts/roles.yaml``.

:func:`decide` answers every account action on another user — creating them, resetting their
password, locking or unlocking them, listing, revoking or issuing their tokens — for the API,
the web UI and the CLI (whose operator manages everyone). It returns a :class:`Decision` with
its reason; :func:`require` turns a refusal into the error the routes render: a user of another
agency is *not found* (the same answer as an id that does not exist, so ids cannot be probed),
a user of the own agency the actor may not manage is *forbidden*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast

from plateledger.accounts.roles import role_table
from plateledger.domain.types import OPERATOR, ROLES, Role, User, UserId
from plateledger.errors import ForbiddenError, NotFoundError

Action = Literal["create", "password", "lock", "tokens", "issue_token"]
Why = Literal["operator", "self", "managed", "other_agency", "not_a_manager", "role", "scopes"]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    why: Why
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def decide(
    actor: User, target: User, action: Action, scopes: Iterable[str] | None = None
) -> Decision:
    """May ``actor`` do ``action`` to ``target``? ``scopes``: of the token to issue (None: all)."""
    if actor is OPERATOR:
        return Decision(True, "operator", "the operator manages every account")
    table = role_table()
    own = table.of_role(actor.role)
    if actor.id == target.id and action != "create":
        ok = "account.self" in own
        return Decision(ok, "self", "one's own account" if ok else "no account.self")
    if actor.agency_id != target.agency_id:
        return Decision(False, "other_agency", "users of other agencies are never managed")
    rule = table.manage.get(actor.role)
    if rule is None or "users.manage" not in own:
        return Decision(False, "not_a_manager", f"role {actor.role!r} manages no other user")
    if target.role not in rule.roles:
        return Decision(False, "role", f"role {actor.role!r} may not manage a {target.role}")
    if action == "issue_token":
        given = set(scopes) if scopes is not None else None
        if given is None or not given or not given <= rule.token_scopes:
            allowed = ", ".join(sorted(rule.token_scopes)) or "none"
            return Decision(False, "scopes", "a token in another user's name may only have "
                            f"the scopes: {allowed}")  # fmt: skip
    return Decision(True, "managed", f"role {actor.role!r} manages a {target.role}")


def require(actor: User, target: User, action: Action, scopes: Iterable[str] | None = None) -> User:
    """``target`` if :func:`decide` allows; else NotFound (other agency) or Forbidden."""
    decision = decide(actor, target, action, scopes)
    if decision.allowed:
        return target
    if decision.why == "other_agency":
        raise not_found(target.id)
    raise ForbiddenError(decision.reason, {"rule": decision.why})


def manageable_roles(actor: User) -> tuple[str, ...]:
    """The roles of the users ``actor`` may create in its own agency (for forms)."""
    return tuple(
        r
        for r in ROLES
        if decide(
            actor, User(UserId(""), actor.agency_id, "", cast(Role, r)), "create"
        )  # fmt: skip
    )


def not_found(user_id: str) -> NotFoundError:
    """The one answer for an id that does not exist and for a user of another agency."""
    return NotFoundError(f"no user {user_id!r} in your agency", {"field": "user_id"})


__all__ = ["Action", "Decision", "decide", "manageable_roles", "not_found", "require"]
