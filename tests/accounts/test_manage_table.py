"""The management rule as properties over roles x agencies: ``manage.decide`` allows exactly
what the ``manage`` table of roles.yaml says (read here from the raw YAML, not through the
parsed table), for every (actor role, actor agency, target role, target agency, action) —
and, whatever the table says, the loader refuses a table that lets a role manage an auditor or
a higher-ranked role, or give away a permission it lacks."""

from __future__ import annotations

import itertools
from importlib import resources
from typing import Any, cast, get_args

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from plateledger.accounts import manage
from plateledger.accounts.manage import Action
from plateledger.accounts.roles import PolicyDataError, parse_roles, role_table
from plateledger.app.platform import Platform
from plateledger.domain.types import OPERATOR, ROLES, AgencyId, Role, User, UserId
from plateledger.errors import ForbiddenError, NotFoundError

TEXT = resources.files("plateledger.accounts").joinpath("roles.yaml").read_text("utf-8")
RAW: dict[str, Any] = yaml.safe_load(TEXT)
BY: dict[str, dict[str, list[str]]] = RAW["manage"]["by"]
AGENCIES = ("il-a", "tx-b")
ACTIONS: tuple[Action, ...] = get_args(Action)
SCOPES = sorted(RAW["scopes"])


def user(uid: str, agency: str, role: str) -> User:
    return User(UserId(uid), AgencyId(agency), uid, cast(Role, role))


def expected(actor: User, target: User, action: str, scopes: set[str] | None) -> bool:
    """The table, read directly: same agency, a listed target role, listed token scopes."""
    rule = BY.get(actor.role)
    if rule is None or actor.agency_id != target.agency_id or target.role not in rule["roles"]:
        return False
    if action == "issue_token":
        return bool(scopes) and scopes is not None and scopes <= set(rule["token_scopes"])
    return True


COMBOS = list(itertools.product(ROLES, AGENCIES, ROLES, AGENCIES, ACTIONS))


@pytest.mark.parametrize(("a_role", "a_agency", "t_role", "t_agency", "action"), COMBOS)
def test_decide_is_the_table_for_every_combination(
    a_role: str, a_agency: str, t_role: str, t_agency: str, action: Action
) -> None:
    actor, target = user("actor", a_agency, a_role), user("target", t_agency, t_role)
    for scopes in (None, {"ingest"}, {"search"}):
        got = manage.decide(actor, target, action, scopes)
        assert bool(got) == expected(actor, target, action, scopes), got
        if not got and a_agency != t_agency:
            assert got.why == "other_agency"  # answered as not found by the routes


@given(
    a_role=st.sampled_from(ROLES), t_role=st.sampled_from(ROLES),
    same=st.booleans(), scopes=st.none() | st.sets(st.sampled_from(SCOPES)),
)  # fmt: skip
@example(a_role="admin", t_role="officer", same=True, scopes={"search"})
@example(a_role="admin", t_role="auditor", same=True, scopes={"ingest"})
@example(a_role="admin", t_role="admin", same=True, scopes=None)
def test_tokens_in_another_users_name_never_exceed_the_manager(
    a_role: str, t_role: str, same: bool, scopes: set[str] | None
) -> None:
    actor = user("actor", AGENCIES[0], a_role)
    target = user("target", AGENCIES[0 if same else 1], t_role)
    got = manage.decide(actor, target, "issue_token", scopes)
    assert bool(got) == expected(actor, target, "issue_token", scopes)
    if got:
        table = role_table()
        given_away = frozenset().union(*(table.scopes[s].permissions for s in scopes or ()))
        assert given_away <= table.of_role(a_role) and "search.run" not in given_away
        assert t_role != "auditor" and same


@pytest.mark.parametrize("role", ROLES)
def test_self_and_operator(role: str) -> None:
    me = user("me", AGENCIES[0], role)
    assert all(manage.decide(me, me, a) for a in ACTIONS if a != "create")
    assert all(manage.decide(OPERATOR, me, a) for a in ACTIONS)


def test_the_real_services_follow_the_table(platform: Platform) -> None:
    """Every pair of the test world's users (two agencies, every role), through the accounts
    service: allowed, not found (other agency) or forbidden, as ``decide`` says."""
    users = platform.store.users()
    for actor, target in itertools.product(users, users):
        if actor.id == target.id:
            continue
        want = manage.decide(actor, target, "tokens")
        try:
            platform.tokens.target_user(actor, target.id)
            outcome = "allowed"
        except NotFoundError:
            outcome = "other_agency"
        except ForbiddenError:
            outcome = "forbidden"
        assert outcome == ("allowed" if want else "other_agency" if want.why == "other_agency"
                           else "forbidden"), (actor.id, target.id)  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("roles: [officer, auditor]\n      token_scopes: []", "may not manage 'auditor'"),
        ("roles: [officer]\n      token_scopes: [search]", "exceeds role 'admin'"),
    ],
)
def test_the_loader_refuses_a_table_that_escalates(bad: str, problem: str) -> None:
    good = "roles: [officer, supervisor, admin]\n      token_scopes: [ingest]"
    assert good in TEXT
    with pytest.raises(PolicyDataError, match=problem):
        parse_roles(TEXT.replace(good, bad), "roles.yaml")


def test_privilege_ranks_every_role() -> None:
    assert sorted(role_table().privilege) == sorted(ROLES)
    with pytest.raises(PolicyDataError, match="must rank every role"):
        parse_roles(TEXT.replace("[officer, supervisor, admin, auditor]", "[officer, admin]"),
                    "roles.yaml")  # fmt: skip
