"""The admin's webhooks page: the same checks and audit as the API, revoke, the private
allow-list; the secret is never shown (issue #23, item 6)."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from web.ui_client import csrf, sign_in

SECRET = "ui-s3cret-ui-s3cret"


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def post(client: TestClient, path: str, **fields: str) -> Response:
    page = client.get("/ui/admin/webhooks")
    return client.post(f"/ui/admin/webhooks{path}", data={**fields, "csrf_token": csrf(page)})


def test_an_admin_adds_lists_and_revokes_webhooks_in_the_ui(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-admin")
    metadata = post(client, "", url="https://169.254.169.254/latest", secret=SECRET)
    assert metadata.status_code == 422 and "url: " in metadata.text
    private = post(client, "", url="https://10.20.1.5/hook", secret=SECRET)
    assert private.status_code == 422
    assert post(client, "/private-networks", networks="10.20.0.0/16").status_code == 200
    added = post(client, "", url="https://10.20.1.5/hook?token=t0k", secret=SECRET)
    assert added.status_code == 200
    assert "https://10.20.1.5/hook?token=REDACTED" in added.text and SECRET not in added.text
    assert 'value="10.20.0.0/16"' in added.text
    (hook,) = platform.hotlists.webhooks.of_agency(
        next(u for u in platform.store.users() if u.id == "il-admin")
    )
    revoked = post(client, f"/{hook['id']}/revoke")
    assert revoked.status_code == 200 and "revoked" in revoked.text
    entries = [orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size)]
    actions = [e["subject"]["action"] for e in entries if e["event_type"] == "config_change"]
    assert actions == ["webhook_private_networks", "webhook_add", "webhook_revoke"]


def test_a_supervisor_cannot_reach_the_webhooks_page(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-supervisor")
    assert client.get("/ui/admin/webhooks").status_code == 403
