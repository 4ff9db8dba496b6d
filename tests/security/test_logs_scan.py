"""No plate text and no secret in application logs, and secrets at rest are private.

A real workload runs against the real app with every logger at DEBUG: ingest over HTTP (with
bad rows) and from a file, exact/wildcard/fuzzy searches, refused and failing searches, a
timeline, a hotlist hit and its alert, failed sign-ins (bad password, unknown user, bad token,
bad bearer), compaction and a backup. Every captured record — message,
arguments and any traceback — is scanned for every plate used and every secret (API tokens,
passwords, the UI secret, the private signing key). Only the test's own HTTP client loggers
(httpx/httpcore, which are not the application) are left out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import NOW, SEARCH, auth, iso
from plateledger.accounts.tokens import hash_token
from plateledger.api.app import create_app
from plateledger.api.limits import Limits
from plateledger.app.platform import Platform

PLATES = ["QZX4821", "QZX4822", "WVK7310", "HTL5599", "JRM0042"]
PASSWORD = "correct horse battery staple 42"
WRONG_PASSWORD = "Tr0ub4dor&3-wrong"
CLIENT_LOGGERS = ("httpx", "httpcore")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    app = create_app(platform, background=False, limits=Limits(rate_per_s=0))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _ingest(client: TestClient, platform: Platform, tmp: Path) -> None:
    admin = auth(platform, "il-admin")
    rows = [{"camera_id": "il-c1", "ts": iso(m + 2), "plate": p} for m, p in enumerate(PLATES)]
    rows += [{"camera_id": "il-c1", "ts": "yesterday", "plate": "QZX 4823"},  # bad ts
             {"camera_id": "no-such-cam", "ts": iso(1), "plate": "WVK-7311"},
             {"camera_id": "il-c1", "ts": iso(1), "plate": "Q" * 40}]  # fmt: skip
    assert client.post("/api/v1/reads", json=rows, headers=admin).status_code == 200
    csv = tmp / "reads.csv"
    csv.write_text("camera_id,ts,plate\n" + f"il-c2,{iso(3)},JRM0043\nil-c2,bad,JRM0044\n")
    platform.intake.ingest_file(csv)
    platform.store.compact()


def _hotlist_alert(client: TestClient, platform: Platform) -> None:
    admin = auth(platform, "il-admin")
    made = client.post("/api/v1/hotlists", headers=admin, json={
        "name": "stolen", "purpose": "stolen_vehicle", "legal_basis": "log scan test"})  # fmt: skip
    assert made.status_code == 200, made.text
    hotlist = made.json()["id"]
    entry = {"plate": "HTL5599", "reason": "stolen", "case_number": "24-7",
             "expires_at": (NOW + timedelta(days=2)).isoformat()}  # fmt: skip
    r = client.post(f"/api/v1/hotlists/{hotlist}/entries", json=entry, headers=admin)
    assert r.status_code == 200, r.text
    client.post(f"/api/v1/hotlists/{hotlist}/subscriptions", headers=admin)
    hit = [{"camera_id": "il-c2", "ts": iso(0), "plate": "HTL 5599"}]
    assert client.post("/api/v1/reads", json=hit, headers=admin).status_code == 200
    alerts = client.get("/api/v1/alerts", headers=auth(platform, "il-officer")).json()
    assert alerts, "the hotlist read raised no alert"


def _searches(client: TestClient, platform: Platform) -> None:
    officer = auth(platform, "il-officer")
    for query in ({"plate": "QZX4821"}, {"plate": "QZX48*", "mode": "wildcard"},
                  {"plate": "QZX4829", "mode": "fuzzy"}, {"plate": "ZZZ0000"}):  # fmt: skip
        r = client.post("/api/v1/searches", json={"query": query, **SEARCH}, headers=officer)
        assert r.status_code == 200, r.text
    refused = [
        {"query": {"plate": "WVK7310"}, **SEARCH, "purpose": "not_a_purpose"},
        {"query": {"plate": "WVK7310"}, **SEARCH, "reason": "ICE ERO immigration WVK7310"},
        {"query": {"plate": "WVK7310", "mode": "warp"}, **SEARCH},
    ]
    for body in refused:
        assert client.post("/api/v1/searches", json=body, headers=officer).status_code >= 400
    fed = client.post("/api/v1/searches", json={"query": {"plate": "JRM0042"}, **SEARCH},
                      headers=auth(platform, "fed-officer"))  # fmt: skip
    assert fed.status_code in (200, 202, 403)
    assert client.get("/api/v1/plates/QZX4822/timeline", headers=officer,
                      params=SEARCH).status_code in (200, 202)  # fmt: skip


def _sign_in_failures(client: TestClient, platform: Platform) -> None:
    r = client.post("/api/v1/users/il-officer/password", json={"password": PASSWORD},
                    headers=auth(platform, "il-admin"))  # fmt: skip
    assert r.status_code == 200, r.text
    for form in ({"user_id": "il-officer", "password": WRONG_PASSWORD},
                 {"user_id": "no-such-user", "password": PASSWORD},
                 {"token": "plt_" + "x" * 43}):  # fmt: skip
        page = client.get("/ui/signin")
        csrf = CSRF.search(page.text)
        assert csrf is not None
        bad = client.post("/ui/signin", data={"csrf_token": csrf.group(1), **form})
        assert bad.status_code == 401
    bearer = {"Authorization": "Bearer plt_forged-token-value-0123456789"}
    assert client.get("/api/v1/cameras", headers=bearer).status_code == 401


def _secrets(platform: Platform) -> list[str]:
    tokens: dict[str, str] = platform.test_tokens  # type: ignore[attr-defined]
    key_line = (platform.data_dir / "audit" / "signing.key").read_text().strip()
    ui_secret = (platform.data_dir / "ui-secret").read_text().strip()
    return [
        *tokens.values(),
        *(hash_token(t) for t in tokens.values()),
        PASSWORD,
        WRONG_PASSWORD,
        "plt_forged-token-value-0123456789",
        key_line,
        key_line.rsplit("+", 1)[-1],  # the base64 seed alone
        ui_secret,
    ]


def _scan(records: list[logging.LogRecord], needles: list[str]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    leaks = []
    for record in records:
        if record.name.startswith(CLIENT_LOGGERS):
            continue
        text = formatter.format(record)
        for needle in needles:
            variants = {needle, needle.upper(), needle.lower()}
            if any(v in text for v in variants):
                leaks.append(f"{record.name}: {needle[:6]}… in {text[:200]!r}")
    return leaks


def test_workload_logs_carry_no_plate_and_no_secret(
    client: TestClient, platform: Platform, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every library and ours
    _ingest(client, platform, tmp_path)
    _hotlist_alert(client, platform)
    _searches(client, platform)
    _sign_in_failures(client, platform)
    platform.backups.create(tmp_path / "b.tar")
    records = list(caplog.records)
    app_records = [r for r in records if r.name.startswith("plateledger")]
    assert app_records, "the workload logged nothing: the scan would prove nothing"
    plates = [*PLATES, "QZX 4823", "WVK-7311", "JRM0043", "JRM0044", "HTL 5599", "QZX48",
              "QZX4829", "ZZZ0000"]  # fmt: skip
    leaks = _scan(records, plates + _secrets(platform))
    assert not leaks, "\n".join(leaks)


def test_the_scan_catches_a_leak(caplog: pytest.LogCaptureFixture) -> None:
    """The scanner itself: a plate in a message, an argument or a traceback is found."""
    log = logging.getLogger("plateledger.test")
    caplog.set_level(logging.DEBUG)
    log.info("read %s stored", "QZX4821")
    try:
        raise ValueError("bad plate qzx4822")
    except ValueError:
        log.debug("failed", exc_info=True)
    leaks = _scan(list(caplog.records), ["QZX4821", "QZX4822"])
    assert len(leaks) == 2


def test_secrets_and_the_database_are_private_at_rest(
    client: TestClient, platform: Platform
) -> None:
    client.get("/ui/signin")  # the UI secret exists from here on
    data = platform.data_dir
    assert data.stat().st_mode & 0o777 == 0o700  # nothing inside is reachable by others
    for path in (data / "plateledger.duckdb", data / "audit" / "signing.key", data / "ui-secret"):
        assert path.stat().st_mode & 0o777 == 0o600, path
    # token secrets are stored only as hashes: no token appears in the database file
    platform.store.checkpoint()
    blob = (data / "plateledger.duckdb").read_bytes()
    for token in platform.test_tokens.values():  # type: ignore[attr-defined]
        assert token.encode() not in blob
