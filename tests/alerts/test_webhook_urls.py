"""Webhooks only to https on public hosts: the internal addresses an admin could aim the server
at (loopback, cloud metadata, private ranges, in every spelling HTTP clients accept) are
refused with a 422 naming `url`, and nothing is registered or audited for them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth
from plateledger.alerts.webhook_urls import check_webhook_url
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.errors import ValidationError

REFUSED = [
    "file:///etc/passwd", "ftp://hooks.example.org/x", "gopher://example.org", "not a url",
    "hooks.example.org/x", "http://hooks.example.org/x", "https://", "https://user:pw@example.org/",
    "https://127.0.0.1/x", "https://localhost/x", "https://LOCALHOST./x", "https://db.local/x",
    "https://metadata.internal/x", "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.7/x", "https://192.168.1.1/x", "https://172.16.0.1/x", "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x", "https://[fe80::1]/x", "https://0.0.0.0/x",
    "https://2130706433/x", "https://0x7f000001/x", "https://0177.0.0.1/x", "https://127.1/x",
    "https://100.64.0.1/x", " https://example.org/x", "https://exa mple.org/x",
    "https://example.org:99999/x", "https://example.org/\x00",
    # IPv6 spellings of loopback found in review: NAT64, 6to4, IPv4-compatible, SIIT
    "https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::]/", "https://[::127.0.0.1]/",
    "https://[::ffff:0:7f00:1]/", "https://[64:ff9b::a9fe:a9fe]/latest",
    # ideographic and full-width dots, which HTTP clients read as dots
    "https://127\u30020\u30020\u30021/x", "https://169\uff0e254\uff0e169\uff0e254/latest",
    "https://localhost\u3002/x", "https://db\uff61local/x",
]  # fmt: skip
ALLOWED = ["https://hooks.example.org/plateledger", "https://93.184.216.34:8443/hook"]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_and_non_https_urls_are_refused(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_webhook_url(url)
    assert refused.value.details == {"field": "url"}


@pytest.mark.parametrize("url", ALLOWED)
def test_public_https_urls_are_accepted(url: str) -> None:
    assert check_webhook_url(url) == url


def test_loopback_http_only_with_the_development_flag() -> None:
    assert check_webhook_url("http://127.0.0.1:9000/h", allow_loopback_http=True)
    with pytest.raises(ValidationError):
        check_webhook_url("http://10.0.0.7:9000/h", allow_loopback_http=True)
    with pytest.raises(ValidationError):
        check_webhook_url("http://127.0.0.1:9000/h")


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def _webhook_entries(platform: Platform) -> list[dict[str, Any]]:
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size))
    return [e for e in entries if e["subject"].get("action") == "webhook_add"]


def test_the_api_refuses_the_metadata_address_and_audits_the_url_it_accepts(
    client: TestClient, platform: Platform
) -> None:
    secret = "s" * 20
    bad = client.post("/api/v1/webhooks", headers=auth(platform, "il-admin"),
                      json={"url": "https://169.254.169.254/latest", "secret": secret})  # fmt: skip
    assert bad.status_code == 422 and "url" in bad.text
    assert _webhook_entries(platform) == []
    url = "https://hooks.example.org/services/T0/B0/r3ceiverS3cret9x0q?id=7&token=t0k"
    good = client.post("/api/v1/webhooks", headers=auth(platform, "il-admin"),
                       json={"url": url, "secret": secret})  # fmt: skip
    assert good.status_code == 200
    (entry,) = _webhook_entries(platform)
    # the whole URL, its secret-looking path segment and credential query values redacted
    assert entry["subject"]["url"] == (
        "https://hooks.example.org/services/T0/B0/REDACTED?id=7&token=REDACTED"
    )
    assert b"r3ceiverS3cret9x0q" not in platform.audit.entry(platform.audit.size - 1)
