"""Accounts that escalate (issue #23, item 4), tried over HTTP as a misuser would: an admin
managing the agency's auditor or minting a search token in an officer's name, a token minting
a broader or longer-lived one, a session cookie replayed after sign-out, API tokens surviving a
password reset, other agencies' user ids told apart from unknown ones, and one client spraying
sign-ins across user ids. Each failed on the code before the ``manage`` table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from conftest import auth
from plateledger.accounts.throttle import MAX_CLIENT_FAILURES
from plateledger.api.app import create_app
from plateledger.api.limits import Limits
from plateledger.app.platform import Platform
from plateledger.domain.types import OPERATOR, User
from plateledger.errors import ValidationError
from plateledger.store import accounts as account_db

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery staple"
V1 = "/api/v1"


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    for user in ("il-officer", "il-admin", "tx-auditor"):
        platform.accounts.set_password(OPERATOR, user, PASSWORD)
    with TestClient(create_app(platform, background=False, limits=Limits(rate_per_s=0))) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(client: TestClient, **fields: str) -> Response:
    form = client.get("/ui/signin")
    found = CSRF.search(form.text)
    assert found
    answer: Response = client.post("/ui/signin", data={"csrf_token": found.group(1), **fields})
    return answer


def sign_out(client: TestClient) -> None:
    page = client.get("/ui/")  # the role's home page: a CSRF token bound to the user
    found = CSRF.search(page.text)
    assert found
    out = client.post("/ui/signout", data={"csrf_token": found.group(1)}, follow_redirects=False)
    assert out.status_code == 303


def signed_in(client: TestClient) -> bool:
    location: str = client.get("/ui/", follow_redirects=False).headers["location"]
    return location != "/ui/signin"


def events(platform: Platform, since: int = 0) -> list[dict[str, Any]]:
    return [orjson.loads(platform.audit.entry(i)) for i in range(since, platform.audit.size)]


def in_hours(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


# --- who manages whom ------------------------------------------------------------------------
def test_admin_cannot_reset_lock_or_mint_for_the_agencys_auditor(
    client: TestClient, platform: Platform
) -> None:
    admin = auth(platform, "tx-admin")
    tries = [
        ("POST", "users/tx-auditor/password", {"password": "taken over by the admin"}),
        ("POST", "users/tx-auditor/tokens", {"label": "x", "scopes": ["audit"]}),
        ("POST", "users/tx-auditor/tokens", {"label": "x"}),
        ("POST", "users/tx-auditor/lock", None),
        ("GET", "users/tx-auditor/tokens", None),
    ]
    for method, path, body in tries:
        answer = client.request(method, f"{V1}/{path}", headers=admin, json=body)
        assert answer.status_code == 403, (path, answer.text)
    assert client.get(f"{V1}/me", headers=auth(platform, "tx-auditor")).status_code == 200
    assert sign_in(client, user_id="tx-auditor", password=PASSWORD).status_code == 200
    assert signed_in(client)


def test_admin_never_gets_a_search_token_in_an_officers_name(
    client: TestClient, platform: Platform
) -> None:
    admin = auth(platform, "il-admin")
    before = len(account_db.tokens_of(platform.store, ["il-officer"]))
    for body in ({"label": "x", "scopes": ["search"]}, {"label": "x"}):
        made = client.post(f"{V1}/users/il-officer/tokens", headers=admin, json=body)
        assert made.status_code == 403 and "scopes" in made.text, made.text
    assert len(account_db.tokens_of(platform.store, ["il-officer"])) == before
    # what the table allows: an ingest-only token for another admin (an edge device's account)
    platform.accounts.create_user(OPERATOR, "il-uplink", "il-test-pd", "Uplink", "admin")
    ingest = {"label": "camera 7", "scopes": ["ingest"]}
    made = client.post(f"{V1}/users/il-uplink/tokens", headers=admin, json=ingest)
    assert made.status_code == 200 and made.json()["scopes"] == ["ingest"]
    wider = client.post(f"{V1}/users/il-uplink/tokens", headers=admin, json={"label": "all"})
    assert wider.status_code == 403


def test_a_token_mints_only_narrower_tokens_that_expire_no_later(
    client: TestClient, platform: Platform
) -> None:
    officer = auth(platform, "il-officer")
    hour = client.post(
        f"{V1}/me/tokens", headers=officer, json={"label": "1 h", "expires_at": in_hours(1)}
    )
    assert hour.status_code == 200
    short = bearer(hour.json()["token"])
    for body in ({"label": "forever"}, {"label": "2 h", "expires_at": in_hours(2)}):
        refused = client.post(f"{V1}/me/tokens", headers=short, json=body)
        assert refused.status_code == 403 and "expire" in refused.text
    ok = client.post(
        f"{V1}/me/tokens", headers=short, json={"label": "30 min", "expires_at": in_hours(0.5)}
    )
    assert ok.status_code == 200
    assert any(e["subject"].get("via_token") == hour.json()["id"] for e in events(platform))


def test_a_ui_session_signed_in_with_a_token_issues_no_longer_token(
    client: TestClient, platform: Platform
) -> None:
    hour = client.post(
        f"{V1}/me/tokens",
        headers=auth(platform, "il-admin"),
        json={"label": "1 h", "expires_at": in_hours(1)},
    ).json()
    assert sign_in(client, token=hour["token"]).status_code == 200 and signed_in(client)
    page = client.get("/ui/admin/users")
    found = CSRF.search(page.text)
    assert page.status_code == 200 and found
    for days in ("", "1"):  # never, or a day: both outlive the 1-hour token
        form = {"csrf_token": found.group(1), "user_id": "il-admin", "label": "x",
                "expires_days": days}  # fmt: skip
        issued = client.post("/ui/admin/tokens", data=form)
        assert issued.status_code == 403 and "expire no later" in issued.text


# --- sessions and passwords ------------------------------------------------------------------
@pytest.mark.parametrize("how", ["password", "token"])
def test_sign_out_ends_the_session_server_side(
    client: TestClient, platform: Platform, how: str
) -> None:
    fields = (
        {"user_id": "il-officer", "password": PASSWORD}
        if how == "password"
        else {"token": platform.test_tokens["il-officer"]}  # type: ignore[attr-defined]
    )
    assert sign_in(client, **fields).status_code == 200 and signed_in(client)
    copied = client.cookies.get("pl_session")
    assert copied
    sign_out(client)
    client.cookies.set("pl_session", copied, path="/ui")  # the stolen or kept cookie
    assert not signed_in(client)
    assert client.get("/ui/search", follow_redirects=False).status_code != 200
    # signing out of the UI does not revoke the API token signed in with
    assert client.get(f"{V1}/me", headers=auth(platform, "il-officer")).status_code == 200


def test_password_reset_revokes_api_tokens_unless_kept_on_purpose(
    client: TestClient, platform: Platform
) -> None:
    admin = auth(platform, "il-admin")
    officer = auth(platform, "il-officer")
    reset = client.post(
        f"{V1}/users/il-officer/password", headers=admin, json={"password": "reset by admin 1"}
    )
    assert reset.status_code == 200
    assert client.get(f"{V1}/me", headers=officer).status_code == 401
    user = next(u for u in platform.store.users() if u.id == "il-officer")
    secret, _ = platform.tokens.issue_token(OPERATOR, user, "car 12")
    kept = client.post(
        f"{V1}/users/il-officer/password",
        headers=admin,
        json={"password": "reset by admin 2", "keep_tokens": True},
    )
    assert kept.status_code == 200
    assert client.get(f"{V1}/me", headers=bearer(secret)).status_code == 200
    resets = [e["subject"] for e in events(platform) if e["subject"].get("user") == "il-officer"]
    assert [s["api_tokens"] for s in resets if s["action"] == "password_reset"][-2:] == [
        "revoked",
        "kept",
    ]
    # one's own change too: the token used to change the password stops working
    change = {"current_password": "reset by admin 2", "new_password": "my own new one 3"}
    assert client.post(f"{V1}/me/password", headers=bearer(secret), json=change).status_code == 200
    assert client.get(f"{V1}/me", headers=bearer(secret)).status_code == 401


# --- no existence oracle ---------------------------------------------------------------------
USER_ROUTES = [
    ("POST", "users/{u}/password", {"password": "a long enough password"}),
    ("POST", "users/{u}/lock", None),
    ("POST", "users/{u}/unlock", None),
    ("GET", "users/{u}/tokens", None),
    ("POST", "users/{u}/tokens", {"label": "x", "scopes": ["ingest"]}),
    ("DELETE", "users/{u}/tokens/0123456789abcdef", None),
]


@pytest.mark.parametrize(("method", "path", "body"), USER_ROUTES)
def test_other_agency_and_unknown_user_ids_answer_alike(
    client: TestClient, platform: Platform, method: str, path: str, body: Any
) -> None:
    admin = auth(platform, "il-admin")
    answers = []
    for user_id in ("tx-auditor", "tx-admin", "no-such-user"):
        r = client.request(method, f"{V1}/{path.format(u=user_id)}", headers=admin, json=body)
        answers.append((r.status_code, r.text.replace(user_id, "<id>")))
    assert answers[0][0] == 404 and len(set(answers)) == 1, answers


def test_creating_a_user_does_not_confirm_other_agencies_ids(
    client: TestClient, platform: Platform
) -> None:
    """An admin's new ids live in ``<agency>.``: an id outside it is refused alike whether
    another agency holds it or nobody does, and no other agency can hold one inside it."""
    admin = auth(platform, "il-admin")
    answers = []
    for candidate in ("tx-officer", "tx-auditor", "no-such-user", "tx-test-pd.someone"):
        body = {"id": candidate, "name": "X", "role": "officer"}
        r = client.post(f"{V1}/users", headers=admin, json=body)
        answers.append((r.status_code, r.text.replace(candidate, "<id>")))
    assert answers[0][0] == 422 and len(set(answers)) == 1, answers
    new = {"id": "il-test-pd.clerk", "name": "Clerk", "role": "officer"}
    assert client.post(f"{V1}/users", headers=admin, json=new).status_code == 200
    assert client.post(f"{V1}/users", headers=admin, json=new).status_code == 409  # own: listed
    with pytest.raises(ValidationError):  # the operator cannot squat another agency's prefix
        platform.accounts.create_user(OPERATOR, "il-test-pd.x", "tx-test-pd", "X", "officer")


# --- sign-in throttling ----------------------------------------------------------------------
def test_one_client_spraying_user_ids_is_throttled_with_retry_after(
    client: TestClient, platform: Platform
) -> None:
    start = platform.audit.size
    for n in range(MAX_CLIENT_FAILURES):
        assert sign_in(client, user_id=f"nobody-{n}", password="guess 1234567").status_code == 401
    refused = sign_in(client, user_id="il-officer", password=PASSWORD)  # even the right one
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in refused.text and not signed_in(client)
    throttled = [e for e in events(platform, start) if e["subject"].get("reason") ==
                 "client_throttled"]  # fmt: skip
    assert len(throttled) == 1 and throttled[0]["outcome"] == "failure"
    assert "testclient" not in orjson.dumps(throttled).decode()  # the address is fingerprinted
    # the accounts tried were not locked: the block is the client's, not theirs
    assert platform.accounts.throttle.retry_after("another-client") == 0
    officer: User = next(u for u in platform.store.users() if u.id == "il-officer")
    assert account_db.credentials(platform.store, officer.id).failed_count == 0  # type: ignore[union-attr]
