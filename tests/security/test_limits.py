"""Request-size and rate limits, CORS off by default, security headers on the UI — against the
real app over a real store."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import SEARCH, auth, iso
from plateledger.api.app import create_app
from plateledger.api.limits import Limits, RateLimiter
from plateledger.app.platform import Platform

SMALL = Limits(max_body_bytes=4096, max_upload_bytes=64 * 1024, rate_per_s=0)


def client_for(platform: Platform, limits: Limits) -> TestClient:
    return TestClient(create_app(platform, background=False, limits=limits))


@pytest.fixture
def small(platform: Platform) -> Iterator[TestClient]:
    with client_for(platform, SMALL) as c:
        yield c


def _search_body(padding: int) -> bytes:
    return orjson.dumps({"query": {"plate": "ABC123"}, **SEARCH, "reason": "x" * padding})


def test_declared_body_over_the_limit_gets_413_json(small: TestClient, platform: Platform) -> None:
    headers = {**auth(platform, "il-officer"), "content-type": "application/json"}
    r = small.post("/api/v1/searches", content=_search_body(5000), headers=headers)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"
    assert r.json()["error"]["details"] == {"max_bytes": 4096}
    # just under the limit the request reaches the route (and is searched)
    r = small.post("/api/v1/searches", content=_search_body(100), headers=headers)
    assert r.status_code == 200, r.text


def test_chunked_body_over_the_limit_gets_413(small: TestClient, platform: Platform) -> None:
    headers = {**auth(platform, "il-officer"), "content-type": "application/json"}

    def chunks() -> Iterator[bytes]:
        body = _search_body(6000)
        for i in range(0, len(body), 1000):
            yield body[i : i + 1000]

    r = small.post("/api/v1/searches", content=chunks(), headers=headers)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"

    def small_chunks() -> Iterator[bytes]:
        yield _search_body(10)

    r = small.post("/api/v1/searches", content=small_chunks(), headers=headers)
    assert r.status_code == 200, r.text


def test_ingest_takes_the_upload_limit_and_keeps_its_own_limits(
    small: TestClient, platform: Platform
) -> None:
    headers = {**auth(platform, "il-admin"), "content-type": "application/json"}
    rows = [{"camera_id": "il-c1", "ts": iso(1), "plate": f"UP{i:05d}"} for i in range(200)]
    body = orjson.dumps(rows)
    assert SMALL.max_body_bytes < len(body) < SMALL.max_upload_bytes
    r = small.post("/api/v1/reads", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 200
    too_big = orjson.dumps(rows * 20)
    assert len(too_big) > SMALL.max_upload_bytes
    assert small.post("/api/v1/reads", content=too_big, headers=headers).status_code == 413


def test_default_limits_are_coherent_with_the_ingest_route() -> None:
    from plateledger.api.routes_reads import MAX_BODY_BYTES

    limits = Limits()
    assert limits.body_limit("/api/v1/reads") == MAX_BODY_BYTES
    assert limits.body_limit("/api/v1/searches") < MAX_BODY_BYTES
    assert limits.body_limit("/api/v1/readsx") == limits.max_body_bytes


def test_rate_limit_429_with_retry_after_per_client(platform: Platform) -> None:
    limits = Limits(rate_per_s=0.01, burst=3)
    with client_for(platform, limits) as c:
        officer, admin = auth(platform, "il-officer"), auth(platform, "il-admin")
        codes = [c.get("/api/v1/cameras", headers=officer).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.get("/api/v1/cameras", headers=officer)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["error"]["code"] == "rate_limited"
        # another token has its own bucket; health is never limited
        assert c.get("/api/v1/cameras", headers=admin).status_code == 200
        assert all(c.get("/api/v1/health").status_code == 200 for _ in range(10))


def test_rate_limiter_refills_over_time() -> None:
    now = [100.0]
    limiter = RateLimiter(2.0, 2, clock=lambda: now[0])
    assert [limiter.take("k") for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("k") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("k") == 0.0
    assert limiter.take("other") == 0.0


def test_limits_from_env() -> None:
    env = {"PLATELEDGER_MAX_BODY_BYTES": "2048", "PLATELEDGER_RATE_PER_S": "5",
           "PLATELEDGER_RATE_BURST": "7", "PLATELEDGER_MAX_UPLOAD_BYTES": "9999"}  # fmt: skip
    assert Limits.from_env(env) == Limits(2048, 9999, 5.0, 7)
    assert Limits.from_env({}) == Limits()
    with pytest.raises(ValueError, match="must be numbers"):
        Limits.from_env({"PLATELEDGER_RATE_PER_S": "fast"})


def test_cors_is_off_by_default(small: TestClient, platform: Platform) -> None:
    evil = "https://evil.example"
    preflight = small.options(
        "/api/v1/searches",
        headers={"Origin": evil, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"},
    )  # fmt: skip
    assert preflight.status_code in (404, 405)
    assert not any(h.lower().startswith("access-control-") for h in preflight.headers)
    r = small.get("/api/v1/cameras", headers={**auth(platform, "il-officer"), "Origin": evil})
    assert r.status_code == 200
    assert not any(h.lower().startswith("access-control-") for h in r.headers)


def test_ui_pages_carry_security_headers(small: TestClient) -> None:
    for path in ("/ui/signin", "/ui/", "/"):
        r = small.get(path, follow_redirects=False)
        assert r.status_code in (200, 303, 307), path
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
