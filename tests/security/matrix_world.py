"""The world of the authorization matrix: four agencies (own, another in the same state, another
state, federal) with a network, a camera and a user of every role each; and, per route, a
builder that makes a valid-shaped request about an object of a given agency (fresh objects for
requests that change them). Everything goes through the real services and the real app."""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from conftest import AGENCIES, CAMERAS, NETWORKS, USERS
from plateledger.accounts.tokens import new_token
from plateledger.app.platform import Platform
from plateledger.audit.checkpoint import open_note
from plateledger.audit.cosignature import WitnessSigner, cosign
from plateledger.domain.sharing import Declaration
from plateledger.domain.types import (
    OPERATOR,
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    User,
)
from plateledger.domain.types import UserId as U
from plateledger.search.types import HeldSearch, Purpose, SearchQuery, SearchRequest
from plateledger.sharing.agreements import AgreementIn
from plateledger.sharing.assists import AssistIn
from plateledger.store.crops import ref_of

ROLES = ("anonymous", "officer", "supervisor", "auditor", "admin")
RELATIONS = ("own", "same_state", "other_state", "federal")
TARGET = {"own": "il-test-pd", "same_state": "il-other-pd", "other_state": "tx-test-pd",
          "federal": "us-fed"}  # fmt: skip
PREFIX = {"il-test-pd": "il", "il-other-pd": "ilo", "tx-test-pd": "tx", "us-fed": "fed"}
NET = {
    "il-test-pd": "il-net",
    "il-other-pd": "ilo-net",
    "tx-test-pd": "tx-net",
    "us-fed": "fed-net",
}
CAM = {"il-test-pd": "il-c1", "il-other-pd": "ilo-c1", "tx-test-pd": "tx-c1", "us-fed": "fed-c1"}
PASSWORD = "matrix password 0123"
SEARCH = {"purpose": "stolen_vehicle", "case_number": "24-001",
          "reason": "stolen vehicle report 24-1187"}  # fmt: skip

EXTRA_AGENCIES = [Agency(AgencyId("il-other-pd"), "Other PD (IL)", "IL", "municipal", 180)]
EXTRA_NETWORKS = [
    Network(NetworkId("ilo-net"), AgencyId("il-other-pd"), "IL other"),
    Network(NetworkId("fed-net"), AgencyId("us-fed"), "Federal task force"),
]
EXTRA_CAMERAS = [
    Camera(CameraId("ilo-c1"), NetworkId("ilo-net"), "Elm St", 41.80, -87.70, 90.0),
    Camera(CameraId("fed-c1"), NetworkId("fed-net"), "Border", 38.9, -77.03, 0.0),
]


def _users() -> list[User]:
    have = {u.id for u in USERS}
    extra = [
        User(U(f"{PREFIX[a]}-{role}"), AgencyId(a), f"{a} {role}", role)  # type: ignore[arg-type]
        for a in TARGET.values()
        for role in ROLES[1:]
        if f"{PREFIX[a]}-{role}" not in have
    ]
    return [*USERS, *extra]


@dataclass
class Req:
    method: str
    url: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    stream: bool = False


@dataclass
class World:
    platform: Platform
    tokens: dict[str, str] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- people --------------------------------------------------------------------------
    def user(self, agency: str, role: str) -> User:
        found = next(u for u in self.platform.store.users() if u.id == f"{PREFIX[agency]}-{role}")
        return found

    def actor(self, role: str) -> User | None:
        return None if role == "anonymous" else self.user("il-test-pd", role)

    def headers(self, role: str) -> dict[str, str]:
        actor = self.actor(role)
        return {"Authorization": f"Bearer {self.tokens[actor.id]}"} if actor else {}

    def n(self) -> int:
        return next(self.counter)

    # --- objects of an agency ----------------------------------------------------------------
    def hotlist(self, agency: str) -> str:
        admin = self.user(agency, "admin")
        fields = {"name": f"list {self.n()}", "purpose": "stolen_vehicle",
                  "legal_basis": "NCIC stolen vehicle file"}  # fmt: skip
        return self.platform.hotlists.lists.create(admin, fields).id

    def entry(self, agency: str) -> tuple[str, str]:
        hotlist = self.hotlist(agency)
        row = {"plate": f"EN{self.n():04d}", "reason": "stolen", "case_number": "c-1",
               "expires_at": future()}  # fmt: skip
        added = self.platform.hotlists.lists.add_entries(self.user(agency, "admin"), hotlist, [row])
        return hotlist, added[0].id

    def alert(self, agency: str, verified: bool = False) -> str:
        hotlist = self.hotlist(agency)
        plate = f"AL{self.n():04d}"
        row = {"plate": plate, "reason": "stolen", "case_number": "c-2", "expires_at": future()}
        self.platform.hotlists.lists.add_entries(self.user(agency, "admin"), hotlist, [row])
        read = {"camera_id": CAM[agency], "ts": datetime.now(UTC).isoformat(), "plate": plate,
                "confidence": 0.95}  # fmt: skip
        self.platform.intake.ingest_records([read])
        rows = self.platform.store.execute(
            "SELECT id FROM hotlist_hits WHERE agency_id = ? AND read_plate = ?", [agency, plate]
        )
        assert rows, f"no alert for {agency}"
        alert_id = str(rows[0][0])
        if verified:
            officer = self.user(agency, "officer")
            self.platform.hotlists.verification.verify(officer, alert_id, True, True, True, "ok")
        return alert_id

    def agreement(self, agency: str) -> str:
        grantee = "va-test-pd"
        a = self.platform.sharing.add_agreement(
            self.user(agency, "admin"), NET[agency],
            AgreementIn("agency", grantee, None, ("stolen_vehicle",), None, "matrix"),
        )  # fmt: skip
        return a.id

    def declaration(self, agency: str) -> str:
        """A pending declaration another state's agency filed for ``agency``'s state."""
        state = next(a.state for a in self.platform.store.agencies() if a.id == agency)
        now = datetime.now(UTC)
        found = Declaration(
            f"dec-mx-{self.n()}", AgencyId("va-test-pd"), state, "written_declaration",
            now - timedelta(days=1), None, "doc://mx",
        )  # fmt: skip
        self.platform.store.save_declaration(found)
        return found.id

    def hold(self, agency: str, approved: bool = False) -> str:
        officer = self.user(agency, "officer")
        # a case number of its own: the same search again would resume a live approval
        request = SearchRequest(officer, SearchQuery(plate="ABC123"),
                                Purpose("stolen_vehicle", f"24-{self.n()}", "inv"))  # fmt: skip
        held = self.platform.search.search(request)
        if not isinstance(held, HeldSearch):
            raise AssertionError(f"a vague search of {agency} was not held")
        search_id = held.search_id
        if approved:
            self.platform.holds.decide(search_id, self.user(agency, "supervisor"), True, "ok")
        return search_id

    def assist(self, agency: str) -> str:
        """A live assist request of agency ``agency`` (another agency asked it for help)."""
        given = AssistIn("va-test-pd", f"B-{self.n()}", "Sgt. Matrix, 555-0100")
        return self.platform.assists.create(self.user(agency, "supervisor"), given).id

    def audit_entry(self, agency: str, role: str = "admin") -> int:
        """An entry written for ``agency``'s user of ``role`` (its admin for anonymous)."""
        author = self.user(agency, "admin" if role == "anonymous" else role)
        return self.platform.log_event("config_change", author, {"action": "matrix_probe"})

    def fresh_user(self, agency: str, role: str = "officer") -> str:
        user_id = f"mx-{self.n()}"
        self.platform.accounts.create_user(OPERATOR, user_id, agency, "Matrix", role)
        return user_id

    def token_of(self, user_id: str) -> str:
        user = next(u for u in self.platform.store.users() if u.id == user_id)
        return self.platform.tokens.issue_token(OPERATOR, user, "matrix")[1].token_id


def future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def build_world(platform: Platform) -> World:
    store = platform.store
    store.upsert_agencies([*AGENCIES, *EXTRA_AGENCIES])
    store.upsert_networks([*NETWORKS, *EXTRA_NETWORKS])
    store.upsert_cameras([*CAMERAS, *EXTRA_CAMERAS])
    users = _users()
    store.upsert_users(users)
    world = World(platform)
    for user in users:
        secret, token = new_token(user.id, "matrix")
        store.add_token(token)
        world.tokens[user.id] = secret
    for agency in TARGET.values():  # vague reasons are held: every agency can have holds
        platform.sharing.set_policy(world.user(agency, "admin"), True, ())
    return world


Builder = Callable[[World, str, str], Req]  # (world, actor role, target agency) -> request


def _v1(path: str) -> str:
    return f"/api/v1{path}"


def _timeline(w: World, role: str, a: str) -> Req:
    return Req("GET", _v1("/plates/ABC123/timeline"), params=SEARCH)


def _crop(w: World, role: str, a: str) -> Req:
    """The crop of a fresh read of agency ``a`` (unique bytes: no other agency's read names it)."""
    image = b"\xff\xd8matrix crop %d\xff\xd9" % w.n()
    row = {"camera_id": CAM[a], "ts": datetime.now(UTC).isoformat(), "plate": "CR1234",
           "crop_b64": base64.b64encode(image).decode("ascii")}  # fmt: skip
    parsed = w.platform.intake.parse([row], {CAM[a]}, accept_crops=True)  # as POST /reads does
    w.platform.crops.store_crops(parsed)
    w.platform.intake.store_parsed(parsed)
    return Req("GET", _v1(f"/crops/{ref_of(image).removeprefix('sha256:')}"))


def _new_camera(w: World, role: str, a: str) -> Req:
    body = {"id": f"mx-cam-{w.n()}", "network_id": NET[a], "name": "Matrix camera",
            "lat": 41.9, "lon": -87.6}  # fmt: skip
    return Req("POST", _v1("/cameras"), json=body)


def _retire_camera(w: World, role: str, a: str) -> Req:
    """Retire a fresh camera of agency ``a`` (never the fixture cameras other routes post to)."""
    camera = w.platform.registry.register_camera(
        w.user(a, "admin"), f"mx-cam-{w.n()}", NET[a], "Matrix camera", 41.9, -87.6
    )
    return Req("PATCH", _v1(f"/cameras/{camera.id}"), json={"active": False})


def _resume(w: World, role: str, a: str) -> Req:
    return Req("POST", _v1(f"/searches/{w.hold(a, approved=True)}/resume"))


def _hold_read(w: World, a: str) -> int:
    """A fresh read of agency ``a``: its id."""
    plate = f"LH{w.n():04d}"
    w.platform.intake.ingest_records([{"camera_id": CAM[a], "plate": plate, "confidence": 0.9,
                                       "ts": datetime.now(UTC).isoformat()}])  # fmt: skip
    return int(w.platform.store.execute("SELECT read_id FROM reads_hot WHERE plate = ?",
                                        [plate])[0][0])  # fmt: skip


def _ask_hold(w: World, role: str, a: str) -> Req:
    body = {"case_number": "24-777", "note": "matrix", "read_ids": [_hold_read(w, a)]}
    return Req("POST", _v1("/legal-hold-requests"), json=body)


def _hold_request(w: World, a: str) -> str:
    """A pending legal-hold request of agency ``a``'s officer."""
    officer = w.user(a, "officer")
    asked = w.platform.legal_hold_requests.request(officer, "24-777", [_hold_read(w, a)], "m")
    return asked.id


def _my_password(w: World, role: str, a: str) -> Req:
    actor = w.actor(role)
    if actor is not None:
        w.platform.accounts.set_password(OPERATOR, actor.id, PASSWORD, keep_tokens=True)
    # keep_tokens: the matrix goes on with the actor's token (by default a change revokes it)
    body = {"current_password": PASSWORD, "new_password": PASSWORD + "!", "keep_tokens": True}
    return Req("POST", _v1("/me/password"), json=body)


_my_password.targetless = True  # type: ignore[attr-defined]


def _new_user(w: World, role: str, a: str) -> Req:
    body = {"id": f"il-test-pd.new-{w.n()}", "name": "New", "role": "officer"}  # the namespace
    return Req("POST", _v1("/users"), json=body)


_new_user.targetless = True  # type: ignore[attr-defined]


def _my_token(w: World, role: str, a: str) -> Req:
    actor = w.actor(role)
    owner = actor.id if actor is not None and a == "il-test-pd" else w.user(a, "officer").id
    return Req("DELETE", _v1(f"/me/tokens/{w.token_of(owner)}"))


def _user_token(w: World, role: str, a: str) -> Req:
    user_id = w.fresh_user(a)
    return Req("DELETE", _v1(f"/users/{user_id}/tokens/{w.token_of(user_id)}"))


def _entry_route(method: str, suffix: str, body: Any = None) -> Builder:
    def build(w: World, role: str, a: str) -> Req:
        hotlist, entry = w.entry(a)
        return Req(method, _v1(f"/hotlists/{hotlist}/entries/{entry}{suffix}"), json=body)

    return build


def _hotlist_route(method: str, suffix: str = "", body: Any = None) -> Builder:
    def build(w: World, role: str, a: str) -> Req:
        return Req(method, _v1(f"/hotlists/{w.hotlist(a)}{suffix}"), json=body)

    return build


def _alert_route(method: str, suffix: str, body: Any = None, verified: bool = False) -> Builder:
    def build(w: World, role: str, a: str) -> Req:
        return Req(method, _v1(f"/alerts/{w.alert(a, verified)}{suffix}"), json=body)

    return build


def _webhook(w: World, role: str, a: str) -> Req:
    """A live webhook of agency ``a``, to revoke."""
    hook = w.platform.hotlists.webhooks.add(w.user(a, "admin"), "https://hooks.invalid/m", "s" * 20)
    return Req("DELETE", _v1(f"/webhooks/{hook}"))


def _fixed(method: str, path: str, body: Any = None, **params: Any) -> Builder:
    """A request that names no agency's object (the same for every target)."""

    def build(w: World, role: str, a: str) -> Req:
        return Req(method, _v1(path), json=body, params=params or None)

    build.targetless = True  # type: ignore[attr-defined]
    return build


def _audit_size(w: World) -> int:
    size: int = w.platform.audit.size
    return size


WITNESS = WitnessSigner.generate("matrix.example/w1")


def _cosignature(w: World) -> dict[str, Any]:
    """A valid submission: the matrix's witness (configured) cosigns the current checkpoint."""
    store = w.platform.cosignatures
    if WITNESS.verifier() not in store.witnesses():
        store.add_witness(WITNESS.vkey())
    note = w.platform.audit.checkpoint()
    size = open_note(note, w.platform.audit.signer.verifier()).size
    line = cosign(note, WITNESS, int(time.time()))
    return {"size": size, "witness": WITNESS.verifier().label, "cosignature": line}


def _witness_route(kind: str) -> Builder:
    def build(w: World, role: str, a: str) -> Req:
        body = _cosignature(w)
        if kind == "submit":
            return Req("POST", _v1("/audit/cosignatures"), json=body)
        w.platform.cosignatures.add(body["size"], body["witness"], body["cosignature"])
        size = body["size"]
        return Req("GET", _v1("/audit/checkpoint/cosigned" if kind == "latest" else
                              f"/audit/checkpoints/{size}"))  # fmt: skip

    build.targetless = True  # type: ignore[attr-defined]
    return build


NEW_ENTRY = {"plate": "NE1234", "reason": "stolen", "case_number": "c-3", "expires_at": future()}
AGREEMENT = {"grantee_kind": "agency", "grantee": "va-test-pd", "purposes": ["stolen_vehicle"]}
DECLARATION = {"state": "IL", "signed_at": "2026-01-01T00:00:00Z", "document_ref": "doc-1"}
HOTLIST = {"name": "matrix list", "purpose": "stolen_vehicle", "legal_basis": "NCIC file"}
IMPORT = {
    "format": "csv",
    "text": f"plate,reason,case_number,expires_at\nIM1234,stolen,c-4,{future()}\n",
}
ASSIST = {"on_behalf_of": "va-test-pd", "case_number": "B-24-7",
          "requested_by": "Det. Matrix, 555-0100"}  # fmt: skip
VERIFY = {"characters_match": True, "state_match": True, "entry_active": True}
# convoy, multi-place and frequent-visitor searches: a purpose their tier names (held: 202)
ANALYSIS = {"purpose": "homicide", "case_number": "24-002",
            "reason": "homicide on Main St, suspect vehicle 24-1190"}  # fmt: skip


def _last_hour() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"time_from": (now - timedelta(hours=1)).isoformat(), "time_to": now.isoformat()}


BUILDERS: dict[str, Builder] = {
    "GET /api/v1/health": _fixed("GET", "/health"),
    "GET /api/v1/audit/public-key": _fixed("GET", "/audit/public-key"),
    "GET /api/v1/audit/keys": _fixed("GET", "/audit/keys"),
    "GET /api/v1/audit/checkpoint": _fixed("GET", "/audit/checkpoint"),
    "POST /api/v1/audit/cosignatures": _witness_route("submit"),
    "GET /api/v1/audit/checkpoint/cosigned": _witness_route("latest"),
    "GET /api/v1/audit/checkpoints/{size}": _witness_route("size"),
    "GET /api/v1/agencies": _fixed("GET", "/agencies"),
    "GET /api/v1/cameras": _fixed("GET", "/cameras"),
    "GET /api/v1/stats": _fixed("GET", "/stats"),
    "POST /api/v1/cameras": _new_camera,
    "PATCH /api/v1/cameras/{camera_id}": _retire_camera,
    "POST /api/v1/reads": lambda w, r, a: Req("POST", _v1("/reads"), json=[
        {"camera_id": CAM[a], "ts": datetime.now(UTC).isoformat(), "plate": "RD1234"}]),
    "POST /api/v1/cameras/{camera_id}/events": lambda w, r, a: Req(
        "POST", _v1(f"/cameras/{CAM[a]}/events"), json={
            "carID": 7, "plateUTF8": "RD1234", "carState": "new",
            "capture_timestamp": int(datetime.now(UTC).timestamp() * 1000)}),
    "POST /api/v1/searches": _fixed("POST", "/searches", {**SEARCH, "query": {"plate": "ABC123"}}),
    "GET /api/v1/plates/{plate}/timeline": _timeline,
    "POST /api/v1/searches/convoy": lambda w, r, a: Req("POST", _v1("/searches/convoy"), json={
        **ANALYSIS, "plate": "ABC123", **_last_hour()}),
    "POST /api/v1/searches/multi-place": lambda w, r, a: Req(
        "POST", _v1("/searches/multi-place"), json={**ANALYSIS, "windows": [
            {"cameras": ["il-c1"], **_last_hour()}, {"cameras": ["tx-c1"], **_last_hour()}]}),
    "POST /api/v1/searches/frequent-visitor": lambda w, r, a: Req(
        "POST", _v1("/searches/frequent-visitor"), json={
            **ANALYSIS, "place": {"cameras": ["il-c1"], **_last_hour()}, "min_days": 2}),
    "GET /api/v1/crops/{sha}": _crop,
    "GET /api/v1/searches/{search_id}/hold": lambda w, r, a: Req(
        "GET", _v1(f"/searches/{w.hold(a)}/hold")),
    "POST /api/v1/searches/{search_id}/approve": lambda w, r, a: Req(
        "POST", _v1(f"/searches/{w.hold(a)}/approve"), json={"note": "ok"}),
    "POST /api/v1/searches/{search_id}/reject": lambda w, r, a: Req(
        "POST", _v1(f"/searches/{w.hold(a)}/reject"), json={"note": "no"}),
    "POST /api/v1/searches/{search_id}/resume": _resume,
    "GET /api/v1/holds/mine": _fixed("GET", "/holds/mine"),
    "POST /api/v1/legal-hold-requests": _ask_hold,
    "GET /api/v1/legal-hold-requests": _fixed("GET", "/legal-hold-requests"),
    "POST /api/v1/legal-hold-requests/{request_id}/place": lambda w, r, a: Req(
        "POST", _v1(f"/legal-hold-requests/{_hold_request(w, a)}/place"),
        json={"expires_at": future(90)}),
    "POST /api/v1/legal-hold-requests/{request_id}/decline": lambda w, r, a: Req(
        "POST", _v1(f"/legal-hold-requests/{_hold_request(w, a)}/decline"), json={"note": "no"}),
    "POST /api/v1/networks/{network_id}/sharing": lambda w, r, a: Req(
        "POST", _v1(f"/networks/{NET[a]}/sharing"), json=AGREEMENT),
    "GET /api/v1/networks/{network_id}/sharing": lambda w, r, a: Req(
        "GET", _v1(f"/networks/{NET[a]}/sharing")),
    "DELETE /api/v1/networks/{network_id}/sharing/{agreement_id}": lambda w, r, a: Req(
        "DELETE", _v1(f"/networks/{NET[a]}/sharing/{w.agreement(a)}")),
    "GET /api/v1/networks/{network_id}/access": lambda w, r, a: Req(
        "GET", _v1(f"/networks/{NET[a]}/access")),
    "POST /api/v1/agencies/{agency_id}/declarations": lambda w, r, a: Req(
        "POST", _v1(f"/agencies/{a}/declarations"), json=DECLARATION),
    "GET /api/v1/agencies/{agency_id}/declarations/received": lambda w, r, a: Req(
        "GET", _v1(f"/agencies/{a}/declarations/received")),
    "POST /api/v1/declarations/{declaration_id}/accept": lambda w, r, a: Req(
        "POST", _v1(f"/declarations/{w.declaration(a)}/accept"), json={"note": "ok"}),
    "POST /api/v1/declarations/{declaration_id}/reject": lambda w, r, a: Req(
        "POST", _v1(f"/declarations/{w.declaration(a)}/reject"), json={"note": "no"}),
    "PUT /api/v1/agencies/{agency_id}/policy": lambda w, r, a: Req(
        "PUT", _v1(f"/agencies/{a}/policy"), json={"require_specific_reason": True}),
    "GET /api/v1/agencies/{agency_id}/read-ceiling": lambda w, r, a: Req(
        "GET", _v1(f"/agencies/{a}/read-ceiling")),
    "PUT /api/v1/agencies/{agency_id}/read-ceiling": lambda w, r, a: Req(
        "PUT", _v1(f"/agencies/{a}/read-ceiling"), json={"daily_read_ceiling": 4000}),
    "GET /api/v1/agencies/{agency_id}/analysis-policy": lambda w, r, a: Req(
        "GET", _v1(f"/agencies/{a}/analysis-policy")),
    "PUT /api/v1/agencies/{agency_id}/analysis-policy": lambda w, r, a: Req(
        "PUT", _v1(f"/agencies/{a}/analysis-policy"),
        json={"kinds": {"convoy": {"purposes": None, "waive_supervisor_hold": False}}}),
    "POST /api/v1/assists": _fixed("POST", "/assists", ASSIST),
    "GET /api/v1/assists": _fixed("GET", "/assists"),
    "POST /api/v1/assists/{assist_id}/revoke": lambda w, r, a: Req(
        "POST", _v1(f"/assists/{w.assist(a)}/revoke")),
    "GET /api/v1/audit/entries/{index}": lambda w, r, a: Req(
        "GET", _v1(f"/audit/entries/{w.audit_entry(a, r)}")),
    "GET /api/v1/audit/entries/{index}/proof": lambda w, r, a: Req(
        "GET", _v1(f"/audit/entries/{w.audit_entry(a, r)}/proof"),
        params={"tree_size": _audit_size(w)}),
    "GET /api/v1/audit/consistency": lambda w, r, a: Req(
        "GET", _v1("/audit/consistency"), params={"first": 1, "second": _audit_size(w)}),
    "GET /api/v1/audit/networks/{network_id}": lambda w, r, a: Req(
        "GET", _v1(f"/audit/networks/{NET[a]}")),
    "GET /api/v1/audit/organizations/{agency_id}": lambda w, r, a: Req(
        "GET", _v1(f"/audit/organizations/{a}")),
    "GET /api/v1/audit/mine": _fixed("GET", "/audit/mine"),
    "GET /api/v1/hotlists": _fixed("GET", "/hotlists"),
    "POST /api/v1/hotlists": _fixed("POST", "/hotlists", HOTLIST),
    "GET /api/v1/hotlists/stats": _fixed("GET", "/hotlists/stats"),
    "GET /api/v1/hotlists/events": _fixed("GET", "/hotlists/events"),
    "GET /api/v1/hotlists/{hotlist_id}": _hotlist_route("GET"),
    "PATCH /api/v1/hotlists/{hotlist_id}": _hotlist_route("PATCH", body={"name": "renamed"}),
    "DELETE /api/v1/hotlists/{hotlist_id}": _hotlist_route("DELETE"),
    "POST /api/v1/hotlists/{hotlist_id}/entries": _hotlist_route("POST", "/entries", NEW_ENTRY),
    "GET /api/v1/hotlists/{hotlist_id}/entries": _hotlist_route("GET", "/entries"),
    "PATCH /api/v1/hotlists/{hotlist_id}/entries/{entry_id}": _entry_route(
        "PATCH", "", {"reason": "stolen vehicle report 24-1190"}),
    "POST /api/v1/hotlists/{hotlist_id}/entries/{entry_id}/expire": _entry_route(
        "POST", "/expire"),
    "POST /api/v1/hotlists/{hotlist_id}/import": _hotlist_route("POST", "/import", IMPORT),
    "POST /api/v1/hotlists/{hotlist_id}/subscriptions": _hotlist_route("POST", "/subscriptions"),
    "DELETE /api/v1/hotlists/{hotlist_id}/subscriptions": _hotlist_route(
        "DELETE", "/subscriptions"),
    "GET /api/v1/alerts": _fixed("GET", "/alerts"),
    "GET /api/v1/alerts/stream": lambda w, r, a: Req("GET", _v1("/alerts/stream"), stream=True),
    "GET /api/v1/alerts/{alert_id}": _alert_route("GET", ""),
    "POST /api/v1/alerts/{alert_id}/verify": _alert_route("POST", "/verify", VERIFY),
    "POST /api/v1/alerts/{alert_id}/disposition": _alert_route(
        "POST", "/disposition", {"disposition": "confirmed"}, verified=True),
    "POST /api/v1/webhooks": _fixed(
        "POST", "/webhooks", {"url": "https://hooks.invalid/x", "secret": "s" * 20}),
    "GET /api/v1/webhooks": _fixed("GET", "/webhooks"),
    "DELETE /api/v1/webhooks/{webhook_id}": _webhook,
    "GET /api/v1/webhooks/private-networks": _fixed("GET", "/webhooks/private-networks"),
    "PUT /api/v1/webhooks/private-networks": _fixed(
        "PUT", "/webhooks/private-networks", {"networks": ["10.20.0.0/16"]}),
    "GET /api/v1/me": _fixed("GET", "/me"),
    "POST /api/v1/me/password": _my_password,
    "GET /api/v1/me/tokens": _fixed("GET", "/me/tokens"),
    "POST /api/v1/me/tokens": _fixed("POST", "/me/tokens", {"label": "matrix"}),
    "DELETE /api/v1/me/tokens/{token_id}": _my_token,
    "GET /api/v1/roles": _fixed("GET", "/roles"),
    "GET /api/v1/users": _fixed("GET", "/users"),
    "POST /api/v1/users": _new_user,
    "POST /api/v1/users/{user_id}/password": lambda w, r, a: Req(
        "POST", _v1(f"/users/{w.fresh_user(a)}/password"), json={"password": PASSWORD}),
    "POST /api/v1/users/{user_id}/lock": lambda w, r, a: Req(
        "POST", _v1(f"/users/{w.fresh_user(a)}/lock")),
    "POST /api/v1/users/{user_id}/unlock": lambda w, r, a: Req(
        "POST", _v1(f"/users/{w.fresh_user(a)}/unlock")),
    "GET /api/v1/users/{user_id}/tokens": lambda w, r, a: Req(
        "GET", _v1(f"/users/{w.fresh_user(a)}/tokens")),
    "POST /api/v1/users/{user_id}/tokens": lambda w, r, a: Req(
        "POST", _v1(f"/users/{w.fresh_user(a, 'admin')}/tokens"),  # manage table: ingest only
        json={"label": "matrix", "scopes": ["ingest"]}),
    "DELETE /api/v1/users/{user_id}/tokens/{token_id}": _user_token,
}  # fmt: skip
