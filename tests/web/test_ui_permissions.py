"""One table decides who may open which UI page (``accounts.permissions``), as for the API.

Every UI route is in the table (or deliberately public / session-only), every permission it
names exists in roles.yaml, and each role gets exactly the pages its permissions allow — checked
through the real app, signed in as each role, not by reading the table back.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import orjson
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from plateledger import web
from plateledger.accounts.permissions import (
    UI_PUBLIC_ROUTES,
    UI_ROUTE_PERMISSIONS,
    UI_SESSION_ROUTES,
    ui_route_key,
)
from plateledger.accounts.roles import role_table
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from web.ui_client import csrf, sign_in

# The pages (GET, no path parameters) each role of the test network may open, written out by
# hand from what each role is for: officers search and work alerts, supervisors also clear held
# searches, auditors browse the log, admins run the agency (and browse its log).
INVESTIGATOR_PAGES = {"/ui/search", "/ui/alerts", "/ui/requests", "/ui/analyses"}
ADMIN_PAGES = {
    "/ui/admin", "/ui/admin/cameras", "/ui/admin/retention", "/ui/admin/hotlists",
    "/ui/admin/sharing",
    "/ui/admin/access", "/ui/admin/users", "/ui/admin/webhooks",
}  # fmt: skip
AUDIT_PAGES = {"/ui/audit", "/ui/audit/oversight"}
EXPECTED = {
    "il-officer": INVESTIGATOR_PAGES,
    "il-supervisor": INVESTIGATOR_PAGES | {"/ui/holds"},
    "tx-auditor": AUDIT_PAGES,
    "il-admin": ADMIN_PAGES | AUDIT_PAGES,
}


def _ui_route_keys() -> set[str]:
    """Every route of every UI router (``web/routes_*.py``), found by walking the package."""
    keys = set()
    for info in pkgutil.iter_modules(web.__path__):
        router = getattr(importlib.import_module(f"plateledger.web.{info.name}"), "router", None)
        for route in getattr(router, "routes", ()):
            if isinstance(route, APIRoute):
                keys |= {ui_route_key(m, route.path) for m in route.methods}
    return keys


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def test_every_ui_route_is_in_the_table_and_nothing_else_is() -> None:
    routes = _ui_route_keys()
    assert len(routes) > 30  # the whole UI, not an empty router
    listed = set(UI_ROUTE_PERMISSIONS) | UI_PUBLIC_ROUTES | UI_SESSION_ROUTES
    assert routes - listed == set(), "UI routes in no permission table"
    assert listed - routes == set(), "table entries for UI routes that do not exist"


def test_every_permission_in_the_table_exists_in_roles_yaml() -> None:
    known = {p for role in ("officer", "supervisor", "auditor", "admin")
             for p in role_table().of_role(role)}  # fmt: skip
    assert {p for p in UI_ROUTE_PERMISSIONS.values() if p not in known} == set()


@pytest.mark.parametrize("user", sorted(EXPECTED))
def test_each_role_opens_exactly_its_pages(
    client: TestClient, platform: Platform, user: str
) -> None:
    sign_in(client, platform, user)
    pages = sorted(
        k.split(" ", 1)[1]
        for k in UI_ROUTE_PERMISSIONS
        if k.startswith("GET ") and "{" not in k and not k.endswith("/stream")
    )
    opened = {p for p in pages if client.get(p).status_code == 200}
    refused = {p for p in pages if p not in opened}
    assert opened == EXPECTED[user]
    for page in refused:
        assert client.get(page).status_code == 403, page


def test_a_scoped_token_session_gets_only_its_scopes_pages(
    client: TestClient, platform: Platform
) -> None:
    """An admin signed in with a token scoped to `audit` browses the log, but cannot open the
    admin pages (the same narrowing the API applies to that token)."""
    user = next(u for u in platform.store.users() if u.id == "il-admin")
    secret, _ = platform.tokens.issue_token(user, user, "audit only", scopes=["audit"])
    platform.test_tokens["il-admin-audit"] = secret  # type: ignore[attr-defined]
    sign_in(client, platform, "il-admin-audit")
    page = client.get("/ui/audit")
    assert page.status_code == 200
    assert client.get("/ui/admin/users").status_code == 403
    assert client.get("/ui/admin/sharing").status_code == 403
    # changes too, not only pages: a narrowed session cannot create a user or set retention
    token = csrf(page)
    size = platform.audit.size
    new_user = {"csrf_token": token, "new_user_id": "il-x9", "name": "X", "role": "officer",
                "password": "a-long-password-9"}  # fmt: skip
    made = client.post("/ui/admin/users", data=new_user)
    assert made.status_code == 403
    kept = client.post("/ui/admin/retention", data={"csrf_token": token, "retention_days": "1"})
    assert kept.status_code == 403
    assert all(u.id != "il-x9" for u in platform.store.users())
    assert platform.store.agency("il-test-pd").retention_days != 1  # type: ignore[union-attr]
    changes = (orjson.loads(platform.audit.entry(i)) for i in range(size, platform.audit.size))
    assert [e for e in changes if e["event_type"] in {"user_change", "config_change"}] == []
