"""Accounts end to end: passwords and lockout (audited), scoped/expiring/revocable tokens,
locked accounts, agency admins' reach, the users/roles CLI and the roles data file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from conftest import SEARCH, auth
from plateledger.accounts import users as accounts
from plateledger.accounts.tokens import hash_token
from plateledger.api.app import create_app
from plateledger.api.limits import Limits
from plateledger.app.platform import Platform
from plateledger.domain.types import OPERATOR
from plateledger.store import accounts as account_db
from plateledger.store.accounts import TokenRecord

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ERROR = re.compile(r'<p class="error" role="alert">([^<]*)</p>')
PASSWORD = "correct horse battery staple"
V1 = "/api/v1"


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    for user in ("il-officer", "il-admin", "tx-officer"):
        platform.accounts.set_password(OPERATOR, user, PASSWORD)
    with TestClient(create_app(platform, background=False, limits=Limits(rate_per_s=0))) as c:
        yield c


def csrf(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found, "page has no CSRF token"
    return found.group(1)


def ui_sign_in(client: TestClient, **fields: str) -> Response:
    form = client.get("/ui/signin")
    return client.post("/ui/signin", data={"csrf_token": csrf(form), **fields})


def signed_in(client: TestClient) -> bool:
    """A page for every role: signed out, it redirects to the sign-in form."""
    return client.get("/ui/", follow_redirects=False).headers["location"] != "/ui/signin"


def events(platform: Platform, since: int = 0) -> list[dict[str, Any]]:
    return [orjson.loads(platform.audit.entry(i)) for i in range(since, platform.audit.size)]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- passwords and the UI --------------------------------------------------------------------
def test_password_sign_in_is_backed_by_a_revocable_session_token(
    client: TestClient, platform: Platform
) -> None:
    response = ui_sign_in(client, user_id="il-officer", password=PASSWORD)
    assert response.status_code in (200, 303) and signed_in(client)
    cookie = client.cookies.get("pl_session") or ""
    assert PASSWORD not in cookie
    sessions = [
        t
        for t in account_db.tokens_of(platform.store, ["il-officer"])
        if t.kind == "session" and t.live(datetime.now(UTC).replace(tzinfo=None))
    ]
    assert len(sessions) == 1
    expires = sessions[0].expires_at
    assert expires is not None
    assert expires <= datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=12, minutes=1)
    logins = [e for e in events(platform) if e["event_type"] == "login"]
    assert logins[-1]["user_id"] == "il-officer" and logins[-1]["outcome"] == "success"
    # Sign-out revokes the session token, not just the cookie.
    page = client.get("/ui/search")  # a signed-in page: its CSRF token is bound to the user
    assert client.post("/ui/signout", data={"csrf_token": csrf(page)}).status_code in (200, 303)
    assert not account_db.token_by_id(platform.store, sessions[0].token_id).live(  # type: ignore[union-attr]
        datetime.now(UTC).replace(tzinfo=None)
    )


def test_sign_in_failures_look_alike(client: TestClient, platform: Platform) -> None:
    """No user enumeration: unknown user, wrong password, no password, locked: one message."""
    platform.accounts.set_disabled(OPERATOR, "tx-officer", True)
    attempts = [
        {"user_id": "nobody-here", "password": PASSWORD},
        {"user_id": "il-officer", "password": "wrong password!!"},
        {"user_id": "il-supervisor", "password": PASSWORD},  # has no password
        {"user_id": "tx-officer", "password": PASSWORD},  # locked by the operator
    ]
    messages = set()
    for fields in attempts:
        response = ui_sign_in(client, **fields)
        assert response.status_code == 401
        found = ERROR.search(response.text)
        assert found is not None
        messages.add(found.group(1))
    assert len(messages) == 1 and not signed_in(client)
    unknown = [e for e in events(platform) if e["subject"].get("reason") == "unknown_user"]
    assert unknown and "nobody-here" not in orjson.dumps(unknown).decode()


def test_lockout_after_five_failures_is_audited_and_unlock_clears_it(
    client: TestClient, platform: Platform
) -> None:
    start = platform.audit.size
    for _ in range(accounts.MAX_FAILURES):
        assert (
            ui_sign_in(client, user_id="il-officer", password="not the password").status_code == 401
        )
    # Locked now: even the right password is refused, with the same message.
    assert ui_sign_in(client, user_id="il-officer", password=PASSWORD).status_code == 401
    log = events(platform, start)
    failures = [e for e in log if e["event_type"] == "login" and e["outcome"] == "failure"]
    assert [e["subject"]["reason"] for e in failures] == ["bad_password"] * 5 + ["locked"]
    assert all(e["user_id"] == "il-officer" for e in failures)
    lockouts = [e for e in log if e["subject"].get("action") == "lockout"]
    assert len(lockouts) == 1 and lockouts[0]["agency_id"] == "il-test-pd"
    # The admin of the agency unlocks (over the API); the password works again.
    assert (
        client.post(f"{V1}/users/il-officer/unlock", headers=auth(platform, "il-admin")).status_code
        == 200
    )
    assert ui_sign_in(client, user_id="il-officer", password=PASSWORD).status_code == 200
    assert signed_in(client)


def test_guessing_through_password_change_counts_toward_lockout(
    client: TestClient, platform: Platform
) -> None:
    """A stolen token must not allow unlimited guesses of the password."""
    officer = auth(platform, "il-officer")
    body = {"current_password": "a guess", "new_password": "whatever it may be"}
    for _ in range(accounts.MAX_FAILURES):
        assert client.post(f"{V1}/me/password", headers=officer, json=body).status_code == 403
    right = {"current_password": PASSWORD, "new_password": "whatever it may be"}
    assert client.post(f"{V1}/me/password", headers=officer, json=right).status_code == 403
    assert ui_sign_in(client, user_id="il-officer", password=PASSWORD).status_code == 401
    assert any(e["subject"].get("action") == "lockout" for e in events(platform))


def test_lockout_expires(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "LOCKOUT_MINUTES", 0)
    for _ in range(accounts.MAX_FAILURES):
        ui_sign_in(client, user_id="il-officer", password="not the password")
    assert ui_sign_in(client, user_id="il-officer", password=PASSWORD).status_code == 200


def test_lockout_does_not_stop_api_tokens(client: TestClient, platform: Platform) -> None:
    """Guessing passwords must not lock a user's API clients out (a denial of service)."""
    for _ in range(accounts.MAX_FAILURES):
        ui_sign_in(client, user_id="il-officer", password="not the password")
    assert client.get(f"{V1}/me", headers=auth(platform, "il-officer")).status_code == 200


def test_password_change_and_admin_reset_end_sessions(
    client: TestClient, platform: Platform
) -> None:
    ui_sign_in(client, user_id="il-officer", password=PASSWORD)
    assert signed_in(client)
    bad = client.post(
        f"{V1}/me/password",
        headers=auth(platform, "il-officer"),
        json={"current_password": "nope", "new_password": "a new long password"},
    )
    assert bad.status_code == 403
    short = client.post(
        f"{V1}/me/password",
        headers=auth(platform, "il-officer"),
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status_code == 422 and "password" in short.json()["error"]["message"]
    ok = client.post(
        f"{V1}/me/password",
        headers=auth(platform, "il-officer"),
        json={"current_password": PASSWORD, "new_password": "a new long password"},
    )
    assert ok.status_code == 200 and not signed_in(client)
    assert (
        ui_sign_in(client, user_id="il-officer", password="a new long password").status_code == 200
    )
    reset = client.post(
        f"{V1}/users/il-officer/password",
        headers=auth(platform, "il-admin"),
        json={"password": "reset by the admin 1"},
    )
    assert reset.status_code == 200 and not signed_in(client)
    actions = [
        e["subject"].get("action") for e in events(platform) if e["event_type"] == "user_change"
    ]
    assert "password_change" in actions and "password_reset" in actions


# --- tokens ----------------------------------------------------------------------------------
def test_scoped_token_only_narrows(client: TestClient, platform: Platform) -> None:
    officer = auth(platform, "il-officer")
    made = client.post(
        f"{V1}/me/tokens", headers=officer, json={"label": "search only", "scopes": ["search"]}
    )
    assert made.status_code == 200, made.text
    scoped = bearer(made.json()["token"])
    assert made.json()["scopes"] == ["search"]
    assert (
        client.post(
            f"{V1}/searches", headers=scoped, json={**SEARCH, "query": {"plate": "ABC123"}}
        ).status_code
        == 200
    )
    denied = client.get(f"{V1}/audit/mine", headers=scoped)
    assert denied.status_code == 403 and "scopes" in denied.json()["error"]["message"]
    assert client.get(f"{V1}/audit/mine", headers=officer).status_code == 200
    # A scope the role has nothing of is refused; a scoped token cannot mint a broader one.
    ingest = client.post(
        f"{V1}/me/tokens", headers=officer, json={"label": "x", "scopes": ["ingest"]}
    )
    assert ingest.status_code == 422 and "grants role 'officer' nothing" in ingest.text
    assert client.post(f"{V1}/me/tokens", headers=scoped, json={"label": "x"}).status_code == 403
    # An admin's token scoped to ingest can post reads but cannot manage hotlists.
    admin = client.post(
        f"{V1}/me/tokens",
        headers=auth(platform, "il-admin"),
        json={"label": "camera uplink", "scopes": ["ingest"]},
    ).json()["token"]
    rows = [{"camera_id": "il-c1", "ts": datetime.now(UTC).isoformat(), "plate": "ABC123"}]
    assert client.post(f"{V1}/reads", headers=bearer(admin), json=rows).status_code == 200
    assert client.get(f"{V1}/hotlists/events", headers=bearer(admin)).status_code == 403
    me = client.get(f"{V1}/me", headers=bearer(admin)).json()
    assert "users.manage" not in me["permissions"] and "reads.ingest" in me["permissions"]


def test_scoped_token_in_the_ui_opens_only_pages_its_scopes_cover(
    client: TestClient, platform: Platform
) -> None:
    made = client.post(
        f"{V1}/me/tokens",
        headers=auth(platform, "il-officer"),
        json={"label": "account only", "scopes": ["account"]},
    ).json()
    ui_sign_in(client, token=made["token"])
    assert signed_in(client)
    assert client.get("/ui/search").status_code == 403  # a role-only page: full sign-in needed
    client.cookies.clear()
    ui_sign_in(client, user_id="il-officer", password=PASSWORD)
    assert client.get("/ui/search").status_code == 200


def test_expired_token_is_refused(client: TestClient, platform: Platform) -> None:
    secret = "plt_expired-test-token-secret-value-0123456789"
    now = datetime.now(UTC).replace(tzinfo=None)
    record = TokenRecord(
        hash_token(secret)[:16],
        "il-officer",
        "old",
        "api",
        None,  # type: ignore[arg-type]
        now - timedelta(days=2),
        now - timedelta(minutes=1),
        False,
    )
    account_db.insert_token(platform.store, hash_token(secret), record)
    assert client.get(f"{V1}/me", headers=bearer(secret)).status_code == 401
    past = client.post(
        f"{V1}/me/tokens",
        headers=auth(platform, "il-officer"),
        json={"label": "x", "expires_at": (now - timedelta(days=1)).isoformat()},
    )
    assert past.status_code == 422 and "expires_at" in past.text
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    made = client.post(
        f"{V1}/me/tokens",
        headers=auth(platform, "il-officer"),
        json={"label": "month", "expires_at": later},
    )
    assert made.status_code == 200 and made.json()["expires_at"].startswith(later[:10])


def test_revocation_ends_api_access_and_ui_session(client: TestClient, platform: Platform) -> None:
    made = client.post(
        f"{V1}/me/tokens", headers=auth(platform, "il-officer"), json={"label": "laptop"}
    ).json()
    ui_sign_in(client, token=made["token"])
    assert signed_in(client)
    assert client.get(f"{V1}/me", headers=bearer(made["token"])).status_code == 200
    revoked = client.delete(f"{V1}/me/tokens/{made['id']}", headers=auth(platform, "il-officer"))
    assert revoked.status_code == 200 and revoked.json()["revoked"]
    assert client.get(f"{V1}/me", headers=bearer(made["token"])).status_code == 401
    assert not signed_in(client)
    changes = [e["subject"] for e in events(platform) if e["event_type"] == "token_change"]
    assert {"action": "revoke", "for_user": "il-officer", "token": made["id"]} in changes


def test_admin_revokes_a_users_token_and_locks_accounts(
    client: TestClient, platform: Platform
) -> None:
    admin = auth(platform, "il-admin")
    listed = client.get(f"{V1}/users/il-officer/tokens", headers=admin).json()["tokens"]
    token_id = listed[0]["id"]
    assert (
        client.delete(f"{V1}/users/il-officer/tokens/{token_id}", headers=admin).status_code == 200
    )
    assert client.get(f"{V1}/me", headers=auth(platform, "il-officer")).status_code == 401
    assert client.post(f"{V1}/users/il-supervisor/lock", headers=admin).status_code == 200
    assert client.get(f"{V1}/me", headers=auth(platform, "il-supervisor")).status_code == 401
    assert client.post(f"{V1}/users/il-supervisor/unlock", headers=admin).status_code == 200
    assert client.get(f"{V1}/me", headers=auth(platform, "il-supervisor")).status_code == 200
    assert client.post(f"{V1}/users/il-admin/lock", headers=admin).status_code == 403


def test_agency_admins_reach_only_their_agency(client: TestClient, platform: Platform) -> None:
    admin = auth(platform, "il-admin")
    users = client.get(f"{V1}/users", headers=admin).json()["users"]
    assert users and {u["agency_id"] for u in users} == {"il-test-pd"}
    for path in ("users/tx-officer/password", "users/tx-officer/lock", "users/fed-officer/unlock"):
        body = {"password": "a long enough password"} if path.endswith("password") else None
        assert client.post(f"{V1}/{path}", headers=admin, json=body).status_code == 404
    assert client.get(f"{V1}/users/tx-officer/tokens", headers=admin).status_code == 404
    tx_token = client.get(f"{V1}/me/tokens", headers=auth(platform, "tx-officer")).json()
    tx_id = tx_token["tokens"][0]["id"]
    assert client.delete(f"{V1}/users/il-officer/tokens/{tx_id}", headers=admin).status_code == 404
    assert client.delete(f"{V1}/me/tokens/{tx_id}", headers=admin).status_code == 404
    new = {
        "id": "il-test-pd.new-officer",
        "name": "New Officer",
        "role": "officer",
        "password": "a long enough password",
    }
    made = client.post(f"{V1}/users", headers=admin, json=new)
    assert made.status_code == 200 and made.json()["agency_id"] == "il-test-pd"
    assert client.post(f"{V1}/users", headers=admin, json=new).status_code == 409
    auditor = client.post(f"{V1}/users", headers=admin, json={**new, "id": "x1", "role": "auditor"})
    assert auditor.status_code == 422  # agency admins cannot create auditors
    assert client.get(f"{V1}/users", headers=auth(platform, "il-officer")).status_code == 403
