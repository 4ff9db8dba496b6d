"""Following a request to the end (issue #18 item 3): "My requests" lists an officer's held
searches by state and resumes an approved one once; the supervisor's queue shows what was
searched, why it was held and the classifier's evidence, and never offers a supervisor their own
search; legal holds are asked for on reads picked from results and placed by the agency admin."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from conftest import USERS, auth, iso
from plateledger.accounts.tokens import new_token
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.domain.types import AgencyId, User, UserId
from web.ui_client import csrf, sign_in

IL_OFFICER = next(u for u in USERS if u.id == "il-officer")
OTHER = User(UserId("il-officer2"), AgencyId("il-test-pd"), "IL Officer Two", "officer")
SEARCH = {"query": {"plate": "ABC123"}, "purpose": "violent_crime", "reason": "inv"}


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    platform.store.upsert_users([OTHER])
    secret, token = new_token(OTHER.id, "test")
    platform.store.add_token(token)
    platform.test_tokens[OTHER.id] = secret  # type: ignore[attr-defined]
    with TestClient(create_app(platform, background=False)) as c:
        rows = [
            {"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123", "confidence": 0.9},
            {"camera_id": "il-c2", "ts": iso(6), "plate": "XYZ789", "confidence": 0.9},
        ]
        c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin")).raise_for_status()
        tx = [{"camera_id": "tx-c1", "ts": iso(4), "plate": "ABC123", "confidence": 0.9}]
        c.post("/api/v1/reads", json=tx, headers=auth(platform, "tx-admin")).raise_for_status()
        policy = {"require_specific_reason": True, "protected_activity": "hold"}
        c.put("/api/v1/agencies/il-test-pd/policy", json=policy,
              headers=auth(platform, "il-admin")).raise_for_status()  # fmt: skip
        yield c


def held(c: TestClient, p: Platform, case: str, user: str = "il-officer", **kw: Any) -> str:
    """A search the IL policy holds (a vague reason); its id."""
    r = c.post("/api/v1/searches", json={**SEARCH, "case_number": case, **kw},
               headers=auth(p, user))  # fmt: skip
    assert r.status_code == 202, r.text
    return str(r.json()["search_id"])


def decide(c: TestClient, p: Platform, sid: str, verb: str, note: str) -> None:
    r = c.post(f"/api/v1/searches/{sid}/{verb}", json={"note": note},
               headers=auth(p, "il-supervisor"))  # fmt: skip
    assert r.status_code == 200, r.text


def section(page: Response, state: str) -> str:
    """The HTML of one group of My requests."""
    return page.text.split(f'id="g-{state}"', 1)[1].split("</section>", 1)[0]


def holds_of(p: Platform) -> int:
    return int(p.store.execute("SELECT count(*) FROM search_holds")[0][0])


def test_my_requests_shows_each_state(client: TestClient, platform: Platform) -> None:
    pending = held(client, platform, "24-101")
    approved = held(client, platform, "24-102")
    denied = held(client, platform, "24-103")
    lapsed = held(client, platform, "24-104")
    decide(client, platform, approved, "approve", "ok by phone")
    decide(client, platform, denied, "reject", "say which vehicle and why")
    decide(client, platform, lapsed, "approve", "ok")
    platform.store.execute(  # the approval was given 25 hours ago: lapsed unused
        "UPDATE hold_parts SET decided_at = decided_at - INTERVAL 25 HOUR WHERE search_id = ?",
        [lapsed],
    )
    page = sign_in(client, platform, "il-officer")
    page = client.get("/ui/requests")
    assert page.status_code == 200
    assert pending in section(page, "pending") and "24-101" in section(page, "pending")
    ok = section(page, "approved")
    assert approved in ok and f'action="/ui/holds/{approved}/resume"' in ok
    assert "ok by phone" in ok and "usable until" in ok
    no = section(page, "denied")
    assert denied in no and "say which vehicle and why" in no and "/resume" not in no
    gone = section(page, "expired")
    assert lapsed in gone and "/resume" not in gone
    first = section(page, "pending")  # what was searched, and why
    for text in ("ABC123", "exact", "every camera", "violent_crime", "inv", "Held "):
        assert text in first, text
    mine = client.get("/api/v1/holds/mine", headers=auth(platform, "il-officer")).json()
    states = {h["search_id"]: h["state"] for h in mine["searches"]}
    assert states == {pending: "pending", approved: "approved", denied: "denied",
                      lapsed: "expired"}  # fmt: skip


def test_resume_runs_once_and_never_makes_a_new_hold(
    client: TestClient, platform: Platform
) -> None:
    sid = held(client, platform, "24-201")
    decide(client, platform, sid, "approve", "ok")
    before = holds_of(platform)
    sign_in(client, platform, "il-officer")
    page = client.get("/ui/requests")
    ran = client.post(f"/ui/holds/{sid}/resume", data={"csrf_token": csrf(page)})
    assert ran.status_code == 200 and "Test PD (IL)" in ran.text
    again = client.post(f"/ui/holds/{sid}/resume", data={"csrf_token": csrf(page)})
    assert again.status_code == 409 and "used once" in again.text
    assert holds_of(platform) == before
    page = client.get("/ui/requests")
    assert sid in section(page, "used") and f"/holds/{sid}/resume" not in page.text


def test_the_same_search_again_resumes_its_unused_approval(
    client: TestClient, platform: Platform
) -> None:
    sid = held(client, platform, "24-301")
    decide(client, platform, sid, "approve", "ok")
    before = holds_of(platform)
    body = {**SEARCH, "case_number": "24-301"}
    r = client.post("/api/v1/searches", json=body, headers=auth(platform, "il-officer"))
    assert r.status_code == 200, r.text  # run, not held anew
    assert [h["plate"] for h in r.json()["results"]] == ["ABC123"]
    assert holds_of(platform) == before and platform.holds.get(sid).used_at is not None
    logged = platform.store.execute(
        "SELECT query_json FROM search_log WHERE search_id = ?", [r.json()["search_id"]]
    )
    assert orjson.loads(logged[0][0])["approved_hold_of"] == sid
    again = client.post("/api/v1/searches", json=body, headers=auth(platform, "il-officer"))
    assert again.status_code == 202 and holds_of(platform) == before + 1  # spent: held anew


def test_another_officer_cannot_see_or_resume_it(client: TestClient, platform: Platform) -> None:
    sid = held(client, platform, "24-401")
    decide(client, platform, sid, "approve", "ok")
    page = sign_in(client, platform, OTHER.id)
    assert sid not in client.get("/ui/requests").text
    refused = client.post(f"/ui/holds/{sid}/resume", data={"csrf_token": csrf(page)})
    assert refused.status_code == 403
    mine = client.get("/api/v1/holds/mine", headers=auth(platform, OTHER.id)).json()
    assert mine == {"searches": [], "legal_hold_requests": []}
    assert platform.holds.get(sid).used_at is None
    sign_in(client, platform, "il-admin")  # an admin never searches: no My requests
    assert client.get("/ui/requests").status_code == 403


def test_queue_shows_query_decisions_and_evidence_but_not_own_search(
    client: TestClient, platform: Platform
) -> None:
    sid = held(client, platform, "24-501", reason="protest attendee")
    own = held(client, platform, "24-502", user="il-supervisor")
    page = sign_in(client, platform, "il-supervisor")
    queue = client.get("/ui/holds").text
    card = queue.split(f'id="h-{sid}"', 1)[1].split("</section>", 1)[0]
    for text in ("ABC123", "exact", "violent_crime", "24-501", "protest attendee",
                 "Why it was held", "il-net", "hold", "first_amendment_activity",
                 "“protest” matched"):  # fmt: skip
        assert text in card, text
    assert f'action="/ui/holds/{sid}/decide"' in card
    mine = queue.split(f'id="h-{own}"', 1)[1].split("</section>", 1)[0]
    assert "your own search: another supervisor decides" in mine.lower()
    assert "/decide" not in mine and "Approve" not in mine
    refused = client.post(f"/ui/holds/{own}/decide", data={
        "decision": "approve", "note": "self", "csrf_token": csrf(page)})  # fmt: skip
    assert refused.status_code == 403  # and the server still refuses it


def ask_hold(c: TestClient, page: Response, ids: list[int], **kw: str) -> Response:
    data: dict[str, Any] = {
        "csrf_token": csrf(page), "case_number": "24-601",
        "note": "evidence for the robbery case", "read_ids": ids, **kw,
    }  # fmt: skip
    return c.post("/ui/legal-hold-requests", data=data)


def read_ids(p: Platform, camera: str) -> list[int]:
    rows = p.store.execute(
        "SELECT r.read_id FROM reads_hot r JOIN cameras c ON c.key = r.camera_key "
        "WHERE c.id = ? ORDER BY 1", [camera],
    )  # fmt: skip
    return [int(r[0]) for r in rows]


def test_a_legal_hold_asked_from_results_is_placed_by_the_admin(
    client: TestClient, platform: Platform
) -> None:
    ids = read_ids(platform, "il-c1") + read_ids(platform, "il-c2")
    page = sign_in(client, platform, "il-officer")
    asked = ask_hold(client, page, ids)
    assert asked.status_code == 200 and "sent to your agency" in asked.text
    (request,) = platform.legal_hold_requests.mine(IL_OFFICER)
    assert request.status == "pending" and request.read_ids == tuple(sorted(ids))
    admin = sign_in(client, platform, "il-admin")
    retention = client.get("/ui/admin/retention").text
    card = retention.split(f'id="r-{request.id}"', 1)[1].split("</article>", 1)[0]
    assert ", ".join(str(i) for i in sorted(ids)) in card and "24-601" in card
    review = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    form = {"csrf_token": csrf(admin), "decision": "place", "expires_on": review, "note": ""}
    placed = client.post(f"/ui/admin/legal-hold-requests/{request.id}/decide", data=form)
    assert placed.status_code == 200, placed.text
    assert platform.store.legal_hold_ids("24-601") == sorted(ids)
    assert f'id="r-{request.id}"' not in placed.text  # no longer pending
    sign_in(client, platform, "il-officer")
    legal = section(client.get("/ui/requests"), "legal")
    assert request.id in legal and "placed" in legal and "il-admin" in legal
    events = [orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size)]
    subjects = [e["subject"] for e in events if e["event_type"] == "legal_hold"]
    assert [s["action"] for s in subjects] == ["request", "place"]
    assert {s["request_id"] for s in subjects} == {request.id}


def test_a_declined_request_shows_the_admins_note(client: TestClient, platform: Platform) -> None:
    page = sign_in(client, platform, "il-officer")
    ask_hold(client, page, read_ids(platform, "il-c1"))
    (request,) = platform.legal_hold_requests.mine(IL_OFFICER)
    sign_in(client, platform, "tx-admin")  # another agency's admin neither sees nor decides it
    tx = client.get("/ui/admin/retention")
    assert request.id not in tx.text
    refused = client.post(f"/ui/admin/legal-hold-requests/{request.id}/decide", data={
        "csrf_token": csrf(tx), "decision": "decline", "note": "no"})  # fmt: skip
    assert refused.status_code == 404
    admin = sign_in(client, platform, "il-admin")
    client.get("/ui/admin/retention")
    form = {"csrf_token": csrf(admin), "decision": "decline", "note": "already kept by the DA"}
    declined = client.post(f"/ui/admin/legal-hold-requests/{request.id}/decide", data=form)
    assert declined.status_code == 200
    sign_in(client, platform, "il-officer")
    legal = section(client.get("/ui/requests"), "legal")
    assert "declined" in legal and "already kept by the DA" in legal
    assert platform.store.legal_hold_ids("24-601") == []


def test_a_bad_or_foreign_read_id_is_named_and_refused(
    client: TestClient, platform: Platform
) -> None:
    texas = read_ids(platform, "tx-c1")[0]
    ours = read_ids(platform, "il-c1")[0]
    page = sign_in(client, platform, "il-officer")
    foreign = ask_hold(client, page, [ours, texas])
    assert foreign.status_code == 422
    assert f"read {texas} is tx-test-pd's" in html.unescape(foreign.text)
    missing = ask_hold(client, page, [ours, 999999])
    assert missing.status_code == 422 and "no read with id 999999" in missing.text
    typed = ask_hold(client, page, [ours], read_ids="12; DROP")  # type: ignore[arg-type]
    assert typed.status_code == 422 and "read_ids" in typed.text
    assert platform.legal_hold_requests.mine(IL_OFFICER) == []
    api = client.post("/api/v1/legal-hold-requests", headers=auth(platform, "il-officer"),
                      json={"case_number": "24-601", "note": "x", "read_ids": [texas]})  # fmt: skip
    assert api.status_code == 422 and str(texas) in api.text


def test_a_request_naming_its_search_takes_only_reads_that_search_read(
    client: TestClient, platform: Platform
) -> None:
    body = {**SEARCH, "case_number": "24-701", "reason": "armed robbery suspect vehicle"}
    run = client.post("/api/v1/searches", json=body, headers=auth(platform, "il-officer"))
    assert run.status_code == 200, run.text
    sid, hit = run.json()["search_id"], run.json()["results"][0]["read_id"]
    ok = {"case_number": "24-701", "note": "keep", "read_ids": [hit], "search_id": sid}
    made = client.post("/api/v1/legal-hold-requests", json=ok,
                       headers=auth(platform, "il-officer"))  # fmt: skip
    assert made.status_code == 201 and made.json()["search_id"] == sid
    other = client.post("/api/v1/legal-hold-requests", json=ok, headers=auth(platform, OTHER.id))
    assert other.status_code == 422 and f"{sid} is not a search of yours" in other.text
