"""The authorization matrix: every route of the OpenAPI schema x every role (and anonymous) x
{own agency, another agency of the same state, another state, federal}, checked against ONE
table (TABLE below); a route without an entry fails ``test_every_route_has_an_entry``. The
actor is always a user of il-test-pd; the target is an object (network, list, entry, alert,
hold, audit entry, user, token) of the agency named by the relation. Then the leak checks:
reads, audit entries, hotlists, alerts, users and sharing settings never cross agencies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from plateledger.accounts.permissions import PUBLIC_ROUTES, ROUTE_PERMISSIONS
from plateledger.accounts.roles import role_table
from plateledger.api.app import create_app
from plateledger.api.limits import Limits
from plateledger.app.platform import Platform
from plateledger.search.types import Purpose, SearchQuery, SearchRequest
from security.matrix_world import BUILDERS, CAM, RELATIONS, ROLES, SEARCH, TARGET, Req, World
from security.matrix_world import build_world as _build_world

ALL = frozenset(RELATIONS)
OWN = frozenset({"own"})
STAFF = ("officer", "supervisor", "auditor", "admin")


@dataclass(frozen=True)
class Rule:
    """Where each role is allowed (2xx); everywhere else it is denied (401 anonymous, else a
    status in ``deny``). ``public``: anonymous callers are allowed too."""

    allow: Mapping[str, frozenset[str]]
    public: bool = False
    deny: tuple[int, ...] = (403, 404)


def rule(*grants: tuple[tuple[str, ...], frozenset[str]], deny: tuple[int, ...] = (403, 404),
         public: bool = False) -> Rule:  # fmt: skip
    allow: dict[str, frozenset[str]] = {}
    for roles, where in grants:
        for role in roles:
            allow[role] = allow.get(role, frozenset()) | where
    return Rule(allow, public, deny)


def everywhere(*roles: str) -> tuple[tuple[str, ...], frozenset[str]]:
    return roles, ALL


def own(*roles: str) -> tuple[tuple[str, ...], frozenset[str]]:
    return roles, OWN


PUBLIC = rule(everywhere(*STAFF), public=True)
ANY_STAFF = rule(everywhere(*STAFF))
OWN_STAFF = rule(own(*STAFF))
# entries: own = written by the caller (officer, supervisor) or for its agency (admin)
AUDIT_VIEW = rule(own("officer", "supervisor", "admin"), everywhere("auditor"))
# network and organisation views: the owner's admins and cross-agency auditors only
AUDIT_AGENCY_VIEW = rule(own("admin"), everywhere("auditor"))
ADMIN = rule(everywhere("admin"))
ADMIN_OWN = rule(own("admin"))
INVESTIGATORS = rule(everywhere("officer", "supervisor"))
INVESTIGATORS_OWN = rule(own("officer", "supervisor"))

# THE table. Key: "METHOD /path" exactly as in the OpenAPI schema.
TABLE: dict[str, Rule] = {
    "GET /api/v1/health": PUBLIC,
    "GET /api/v1/audit/public-key": PUBLIC,
    "GET /api/v1/audit/keys": PUBLIC,
    "GET /api/v1/audit/checkpoint": PUBLIC,
    # witnesses: the cosignature is the authentication; cosigned checkpoints are hashes only
    "POST /api/v1/audit/cosignatures": PUBLIC,
    "GET /api/v1/audit/checkpoint/cosigned": PUBLIC,
    "GET /api/v1/audit/checkpoints/{size}": PUBLIC,
    "GET /api/v1/agencies": ANY_STAFF,
    "GET /api/v1/cameras": ANY_STAFF,
    # counts and sizes of the whole store, no plates: admins and cross-agency auditors
    "GET /api/v1/stats": rule(everywhere("admin", "auditor")),
    # another agency's network: 422 naming network_id; another agency's camera: 404
    "POST /api/v1/cameras": rule(own("admin"), deny=(403, 422)),
    "PATCH /api/v1/cameras/{camera_id}": ADMIN_OWN,
    # another agency's camera: every row rejected (422), nothing stored
    "POST /api/v1/reads": rule(own("admin"), deny=(403, 422)),
    # only a token bound to the camera (plateledger camera-token): every role token is refused
    "POST /api/v1/cameras/{camera_id}/events": rule(deny=(403,)),
    "POST /api/v1/searches": INVESTIGATORS,  # what a search may read: test_reads_never_leak
    "GET /api/v1/crops/{sha}": INVESTIGATORS_OWN,  # a crop of the agency's own read only
    "GET /api/v1/plates/{plate}/timeline": INVESTIGATORS,
    # convoy, multi-place, frequent visitor: held for a supervisor (202) with a named purpose
    "POST /api/v1/searches/convoy": INVESTIGATORS,
    "POST /api/v1/searches/multi-place": INVESTIGATORS,
    "POST /api/v1/searches/frequent-visitor": INVESTIGATORS,
    "GET /api/v1/searches/{search_id}/hold": OWN_STAFF,
    "POST /api/v1/searches/{search_id}/approve": rule(own("supervisor")),
    "POST /api/v1/searches/{search_id}/reject": rule(own("supervisor")),
    "POST /api/v1/searches/{search_id}/resume": rule(own("officer")),  # the searcher only
    "GET /api/v1/holds/mine": INVESTIGATORS,  # one's own requests only
    # another agency's read: 422 naming the read (only its owner's admin may hold it)
    "POST /api/v1/legal-hold-requests": rule(own("officer", "supervisor"), deny=(403, 422)),
    "GET /api/v1/legal-hold-requests": ADMIN,  # the admin's own agency's requests
    "POST /api/v1/legal-hold-requests/{request_id}/place": ADMIN_OWN,
    "POST /api/v1/legal-hold-requests/{request_id}/decline": ADMIN_OWN,
    "POST /api/v1/networks/{network_id}/sharing": ADMIN_OWN,
    "GET /api/v1/networks/{network_id}/sharing": OWN_STAFF,
    "DELETE /api/v1/networks/{network_id}/sharing/{agreement_id}": ADMIN_OWN,
    "GET /api/v1/networks/{network_id}/access": OWN_STAFF,
    "POST /api/v1/agencies/{agency_id}/declarations": ADMIN_OWN,
    "GET /api/v1/agencies/{agency_id}/declarations/received": ADMIN_OWN,
    # a declaration filed for the target's state: any owner admin of that state decides its own
    # networks' part (IL here: own and same_state); another state's is 404
    "POST /api/v1/declarations/{declaration_id}/accept": rule(
        (("admin",), frozenset({"own", "same_state"}))
    ),
    "POST /api/v1/declarations/{declaration_id}/reject": rule(
        (("admin",), frozenset({"own", "same_state"}))
    ),
    "PUT /api/v1/agencies/{agency_id}/policy": ADMIN_OWN,
    "GET /api/v1/agencies/{agency_id}/read-ceiling": OWN_STAFF,
    "PUT /api/v1/agencies/{agency_id}/read-ceiling": ADMIN_OWN,  # audited config_change
    "GET /api/v1/agencies/{agency_id}/analysis-policy": OWN_STAFF,
    "PUT /api/v1/agencies/{agency_id}/analysis-policy": ADMIN_OWN,  # analysis_policy_change
    # an agency's own assist requests only: another agency's assist is 404 to revoke
    "POST /api/v1/assists": rule(everywhere("supervisor", "admin"), deny=(403, 422)),
    "GET /api/v1/assists": ANY_STAFF,  # lists the caller's own agency's only
    "POST /api/v1/assists/{assist_id}/revoke": rule(own("supervisor", "admin")),
    "GET /api/v1/audit/entries/{index}": AUDIT_VIEW,
    "GET /api/v1/audit/entries/{index}/proof": AUDIT_VIEW,
    "GET /api/v1/audit/consistency": PUBLIC,  # hashes only: verifiers and witnesses
    "GET /api/v1/audit/networks/{network_id}": AUDIT_AGENCY_VIEW,
    "GET /api/v1/audit/organizations/{agency_id}": AUDIT_AGENCY_VIEW,
    "GET /api/v1/audit/mine": ANY_STAFF,  # the caller's own entries only: test_audit_mine_...
    "GET /api/v1/hotlists": ANY_STAFF,  # lists only what the agency may see: test_hotlists_...
    "POST /api/v1/hotlists": ADMIN,
    "GET /api/v1/hotlists/stats": rule(everywhere("supervisor", "auditor", "admin")),
    "GET /api/v1/hotlists/events": ADMIN,
    "GET /api/v1/hotlists/{hotlist_id}": OWN_STAFF,
    "PATCH /api/v1/hotlists/{hotlist_id}": ADMIN_OWN,
    "DELETE /api/v1/hotlists/{hotlist_id}": ADMIN_OWN,
    "POST /api/v1/hotlists/{hotlist_id}/entries": ADMIN_OWN,
    "GET /api/v1/hotlists/{hotlist_id}/entries": OWN_STAFF,
    "PATCH /api/v1/hotlists/{hotlist_id}/entries/{entry_id}": ADMIN_OWN,
    "POST /api/v1/hotlists/{hotlist_id}/entries/{entry_id}/expire": ADMIN_OWN,
    "POST /api/v1/hotlists/{hotlist_id}/import": ADMIN_OWN,
    "POST /api/v1/hotlists/{hotlist_id}/subscriptions": ADMIN_OWN,  # lists not shared with us
    # removes the caller's own agency's subscription, whatever the list: harmless anywhere
    "DELETE /api/v1/hotlists/{hotlist_id}/subscriptions": ADMIN,
    "GET /api/v1/alerts": ANY_STAFF,
    "GET /api/v1/alerts/stream": ANY_STAFF,
    "GET /api/v1/alerts/{alert_id}": OWN_STAFF,
    "POST /api/v1/alerts/{alert_id}/verify": INVESTIGATORS_OWN,
    "POST /api/v1/alerts/{alert_id}/disposition": INVESTIGATORS_OWN,
    "POST /api/v1/webhooks": ADMIN,
    "GET /api/v1/webhooks": ADMIN,  # the caller's agency's only
    "DELETE /api/v1/webhooks/{webhook_id}": ADMIN_OWN,
    "GET /api/v1/webhooks/private-networks": ADMIN,  # the caller's agency's only
    "PUT /api/v1/webhooks/private-networks": ADMIN,
    "GET /api/v1/me": ANY_STAFF,
    "POST /api/v1/me/password": ANY_STAFF,
    "GET /api/v1/me/tokens": ANY_STAFF,
    "POST /api/v1/me/tokens": ANY_STAFF,
    "DELETE /api/v1/me/tokens/{token_id}": OWN_STAFF,  # own = the caller's own token
    "GET /api/v1/roles": ANY_STAFF,
    "GET /api/v1/users": ADMIN,
    "POST /api/v1/users": ADMIN,
    "POST /api/v1/users/{user_id}/password": ADMIN_OWN,
    "POST /api/v1/users/{user_id}/lock": ADMIN_OWN,
    "POST /api/v1/users/{user_id}/unlock": ADMIN_OWN,
    "GET /api/v1/users/{user_id}/tokens": ADMIN_OWN,
    "POST /api/v1/users/{user_id}/tokens": ADMIN_OWN,
    "DELETE /api/v1/users/{user_id}/tokens/{token_id}": ADMIN_OWN,
}


# Roles holding a route's permission that an object-level rule still keeps out everywhere.
NARROWER = {
    "POST /api/v1/searches/{search_id}/resume": {"supervisor"},  # the searcher only
    "POST /api/v1/cameras/{camera_id}/events": {"admin"},  # with a token bound to the camera
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    platform = Platform(Path(tmp_path_factory.mktemp("matrix")) / "data")
    try:
        yield _build_world(platform)
    finally:
        platform.close()


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    app = create_app(world.platform, background=False, limits=Limits(rate_per_s=0))
    with TestClient(app) as c:
        yield c


def schema_routes(client: TestClient) -> set[str]:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def send(client: TestClient, world: World, role: str, req: Req) -> int:
    headers = world.headers(role)
    if req.stream:  # server-sent events never end: the status line is the answer
        with client.stream(req.method, req.url, headers=headers) as response:
            return response.status_code
    response = client.request(req.method, req.url, headers=headers, json=req.json,
                              params=req.params)  # fmt: skip
    return response.status_code


def test_every_route_has_an_entry(client: TestClient) -> None:
    routes = schema_routes(client)
    missing = sorted(routes - set(TABLE))
    assert not missing, f"routes without an entry in TABLE (add them): {missing}"
    stale = sorted(set(TABLE) - routes)
    assert not stale, f"TABLE entries for routes the app no longer has: {stale}"
    no_builder = sorted(set(TABLE) - set(BUILDERS))
    assert not no_builder, f"routes without a request builder in matrix_world: {no_builder}"


def test_table_agrees_with_the_permission_data(client: TestClient) -> None:
    """The roles a route admits anywhere hold its permission in roles.yaml, and vice versa."""
    table = role_table()
    problems = []
    for route, expected in TABLE.items():
        permission = PUBLIC_ROUTES.get(route) or ROUTE_PERMISSIONS.get(route)
        if permission is None:
            problems.append(f"{route}: in no permission map (accounts/permissions.py)")
            continue
        holders = {r for r in STAFF if permission in table.of_role(r)}
        allowed = {r for r, where in expected.allow.items() if where}
        if not allowed <= holders or holders - allowed - NARROWER.get(route, set()):
            problems.append(f"{route}: table allows {sorted(allowed)}, "
                            f"{permission!r} is held by {sorted(holders)}")  # fmt: skip
        if expected.public != (route in PUBLIC_ROUTES):
            problems.append(f"{route}: public in one place only")
    assert not problems, "\n".join(problems)


def is_allowed(expected: Rule, role: str, relation: str, targetless: bool) -> bool:
    if role == "anonymous":
        return expected.public
    where = expected.allow.get(role, frozenset())
    return bool(where) if targetless else relation in where


@pytest.mark.parametrize("route", sorted(TABLE))
def test_route_matrix(route: str, client: TestClient, world: World) -> None:
    expected = TABLE[route]
    build = BUILDERS[route]
    relations = ("own",) if getattr(build, "targetless", False) else RELATIONS
    wrong = []
    for role in ROLES:
        for relation in relations:
            status = send(client, world, role, build(world, role, TARGET[relation]))
            allowed = is_allowed(expected, role, relation, len(relations) == 1)
            if allowed and not 200 <= status < 300:
                wrong.append(f"{role} on {relation}: expected allowed, got {status}")
            deny = (401,) if role == "anonymous" else expected.deny
            if not allowed and status not in deny:
                wrong.append(f"{role} on {relation}: expected {deny}, got {status}")
    assert not wrong, f"{route}:\n  " + "\n  ".join(wrong)


# --- leaks: nothing crosses agencies ----------------------------------------------------------
def _get(client: TestClient, world: World, role: str, url: str, **params: Any) -> Any:
    response = client.get(url, headers=world.headers(role), params=params or None)
    assert response.status_code == 200, (url, response.text)
    return response


def test_reads_never_leak(client: TestClient, world: World) -> None:
    rows = [{"camera_id": CAM[a], "ts": "2026-11-28T12:00:00+00:00", "plate": "LEAK123",
             "confidence": 0.9} for a in TARGET.values()]  # fmt: skip
    world.platform.intake.ingest_records(rows)
    for role in ("officer", "supervisor"):
        body = {**SEARCH, "query": {"plate": "LEAK123"}}
        found = client.post("/api/v1/searches", headers=world.headers(role), json=body).json()
        owners = {r["owner_agency"] for r in found["results"]}
        assert owners == {"il-test-pd"}, f"{role} read other agencies' reads: {owners}"
        timeline = _get(client, world, role, "/api/v1/plates/LEAK123/timeline", **SEARCH).json()
        seen = {c["owner_agency"] for c in [*timeline["per_camera"], *timeline["sightings"]]}
        assert seen == {"il-test-pd"}, f"{role}'s timeline shows other agencies' reads: {seen}"
        assert timeline["total_reads"] == 1


def _admin_may_open(entry: dict[str, Any]) -> bool:
    """Entries of the agency, and others about its networks except other agencies' searches
    (those carry every network's decision: network view only, narrowed)."""
    subject = entry.get("subject") or {}
    if entry.get("agency_id") == "il-test-pd" or subject.get("on_behalf_of") == "il-test-pd":
        return True
    return "decisions" not in subject and "il-net" in entry["networks"]


def test_audit_entries_never_leak(client: TestClient, world: World) -> None:
    world.platform.search.search(SearchRequest(world.user("tx-test-pd", "officer"),
                                 SearchQuery(plate="NAT123"), Purpose(**SEARCH)))  # fmt: skip
    for index in range(world.platform.audit.size):
        entry = orjson.loads(world.platform.audit.entry(index))
        for role in ("officer", "supervisor", "admin"):
            actor = world.user("il-test-pd", role)
            by_actor = entry["user_id"] == actor.id and entry["agency_id"] == actor.agency_id
            ours = _admin_may_open(entry) if role == "admin" else by_actor
            url = f"/api/v1/audit/entries/{index}"
            status = client.get(url, headers=world.headers(role)).status_code
            assert status == (200 if ours else 403), (index, role, entry["agency_id"])
    export = _get(client, world, "admin", "/api/v1/audit/organizations/il-test-pd").text
    agencies = {orjson.loads(line)["entry"]["agency_id"] for line in export.splitlines() if line}
    assert agencies <= {"il-test-pd"}, agencies


def test_audit_mine_holds_only_the_callers_entries(client: TestClient, world: World) -> None:
    for agency in TARGET.values():
        world.audit_entry(agency, "officer")
    for role in STAFF:
        text = _get(client, world, role, "/api/v1/audit/mine").text
        users = {orjson.loads(line)["entry"]["user_id"] for line in text.splitlines() if line}
        assert users == {world.user("il-test-pd", role).id}, (role, users)


def test_hotlists_and_alerts_never_leak(client: TestClient, world: World) -> None:
    for agency in TARGET.values():
        world.alert(agency)
    for role in STAFF:
        lists = _get(client, world, role, "/api/v1/hotlists").json()
        assert {h["owner_agency"] for h in lists} <= {"il-test-pd"}, role
        alerts = _get(client, world, role, "/api/v1/alerts").json()
        assert alerts and {a["agency_id"] for a in alerts} == {"il-test-pd"}, role


def test_users_and_sharing_settings_never_leak(client: TestClient, world: World) -> None:
    users = _get(client, world, "admin", "/api/v1/users").json()["users"]
    assert {u["agency_id"] for u in users} == {"il-test-pd"}
    world.agreement("tx-test-pd")
    for role in STAFF:
        for network in ("ilo-net", "tx-net", "fed-net"):
            for path in ("sharing", "access"):
                url = f"/api/v1/networks/{network}/{path}"
                assert client.get(url, headers=world.headers(role)).status_code == 403
        mine = _get(client, world, role, "/api/v1/networks/il-net/sharing").json()
        assert {a["network_id"] for a in mine["agreements"]} <= {"il-net"}
