"""Network and organisation audits, redaction profiles, Flock CSV layouts and redacted bundles,
over searches run through the real app (an IL, a TX and a federal officer)."""

from __future__ import annotations

import csv
import io
import re
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import SEARCH, auth, iso, make_reads, read, setup_registry
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.bundle import export_bundle, verify_directory
from plateledger.audit.flock_export import export_lines
from plateledger.audit.merkle import VerificationError
from plateledger.audit.redaction import redact, scrub
from plateledger.audit.views import network_audit, organization_audit
from plateledger.cli.main import app as cli
from plateledger.errors import ValidationError

PLATE = "ABC123"
REASON = "robbery suspect John Smith, DOB 1/2/1990, call 555-123-4567, seen in ABC123"
# The layouts of Flock releases, from the research report §2.1 (13 columns) and §2.2 (11).
ORG_LAYOUT = (
    "ID, Name, Org Name, Total Networks Searched, Time Frame, License Plate, Reason, "
    "Case #, Filters, Search Time, Search Type, Text Prompt, Moderation"
).split(", ")
NETWORK_LAYOUT = (
    "Name, Org Name, Total Networks Searched, Total Devices Searched, Time Frame, "
    "License Plate, Reason, Case #, Filters, Search Time, Search Type"
).split(", ")
FLOCK_TIME = re.compile(r"\d{1,2}/\d{1,2}/\d{4}, \d{1,2}:\d\d:\d\d [AP]M UTC")


def run_searches(c: TestClient, platform: Platform) -> None:
    """IL officer twice (one with personal details in the reason), TX officer, federal officer
    (denied everywhere: 403, but logged)."""
    # stored directly: an ingest batch would add its own `ingest` entry to il-net's views
    platform.store.append(make_reads([read("il-c1", 5, PLATE)]))
    window = {"time_from": iso(600), "time_to": iso(0), "color": "red"}
    for user, reason, extra in (
        ("il-officer", REASON, window),
        ("il-officer", "stolen car report", {}),
        ("tx-officer", "stolen car report", {}),
        ("fed-officer", "stolen car report", {}),
    ):
        body = {"query": {"plate": PLATE, **extra}, **SEARCH, "reason": reason}
        r = c.post("/api/v1/searches", json=body, headers=auth(platform, user))
        assert r.status_code == (403 if user == "fed-officer" else 200)


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        run_searches(c, platform)
        yield c


def users_of(rows: list[tuple[int, dict[str, object]]]) -> set[object]:
    return {entry["user_id"] for _, entry in rows}


@pytest.mark.usefixtures("client")
def test_network_audit_includes_other_agencies_denied_attempts(platform: Platform) -> None:
    rows = list(network_audit(platform.audit, ["il-net"]))
    assert users_of(rows) == {"il-officer", "tx-officer", "fed-officer"}
    tx = next(e for _, e in rows if e["user_id"] == "tx-officer")
    decision = {d["network"]: d["decision"] for d in tx["subject"]["decisions"]}
    assert decision["il-net"] == "deny"
    fed = next(e for _, e in rows if e["user_id"] == "fed-officer")
    assert fed["outcome"] == "denied"
    assert [i for i, _ in rows] == sorted(i for i, _ in rows)


@pytest.mark.usefixtures("client")
def test_organization_audit_holds_only_the_agencys_users(platform: Platform) -> None:
    tx = list(organization_audit(platform.audit, "tx-test-pd"))
    assert users_of(tx) == {"tx-officer"} and len(tx) == 1
    il = list(organization_audit(platform.audit, "il-test-pd"))
    assert all(e["agency_id"] == "il-test-pd" for _, e in il)
    assert users_of(il) == {"il-officer"} and len(il) == 2


@pytest.mark.usefixtures("client")
def test_time_window(platform: Platform) -> None:
    rows = list(network_audit(platform.audit, ["il-net"]))
    second = datetime.fromisoformat(rows[1][1]["at"])
    after = list(network_audit(platform.audit, ["il-net"], since=second))
    before = list(network_audit(platform.audit, ["il-net"], until=second))
    assert [i for i, _ in before + after] == [i for i, _ in rows]
    assert after[0][0] == rows[1][0]


def export(platform: Platform, fmt: str, profile: str) -> bytes:
    rows = network_audit(platform.audit, ["il-net"])
    return b"".join(export_lines(rows, fmt, profile=profile))


@pytest.mark.usefixtures("client")
@pytest.mark.parametrize("fmt", ["jsonl", "flock-network", "flock-org"])
def test_public_export_has_no_plate_or_personal_details(platform: Platform, fmt: str) -> None:
    out = export(platform, fmt, "public").lower()
    for secret in (PLATE, "john smith", "1/2/1990", "555-123-4567", "24-001", "il-officer"):
        assert secret.lower().encode() not in out, secret
    assert b"robbery suspect [redacted]" in out and b"stolen car report" in out


@pytest.mark.usefixtures("client")
def test_pseudonyms_stable_within_an_export_and_fresh_across(platform: Platform) -> None:
    def pseudonyms() -> dict[str, set[str]]:
        lines = export(platform, "jsonl", "public").splitlines()
        found: dict[str, set[str]] = {}
        for line, (_, entry) in zip(lines, network_audit(platform.audit, ["il-net"]), strict=True):
            found.setdefault(entry["user_id"], set()).add(orjson.loads(line)["entry"]["user_id"])
        return found

    first, second = pseudonyms(), pseudonyms()
    assert all(len(names) == 1 for names in first.values())  # stable within one export
    assert len({next(iter(n)) for n in first.values()}) == 3  # distinct users stay distinct
    assert first["il-officer"] != second["il-officer"]  # unlinkable across exports


@pytest.mark.usefixtures("client")
def test_records_request_keeps_identity_and_filters_but_not_the_plate(platform: Platform) -> None:
    _, entry = next(iter(organization_audit(platform.audit, "il-test-pd")))
    got = redact(entry, "records-request", b"salt")
    assert got["user_id"] == "il-officer" and got["subject"]["case_number"] == "24-001"
    assert got["subject"]["query"]["plate"] == "[redacted]"
    assert got["subject"]["query"]["mode"] == "exact" and got["subject"]["query"]["color"] == "red"
    assert got["subject"]["decisions"] == entry["subject"]["decisions"]
    assert entry["subject"]["query"]["plate"] == PLATE  # the original is untouched
    first_search = next(
        i for i in range(platform.audit.size)
        if orjson.loads(platform.audit.entry(i))["event_type"] == "search"
    )  # fmt: skip
    assert orjson.loads(platform.audit.entry(first_search))["subject"]["query"]["plate"] == PLATE
    assert redact(entry, "internal", b"") == entry


def test_public_redaction_of_merged_queries_notes_and_system_users() -> None:
    entry = {
        "agency_id": "il-test-pd", "event_type": "hold_approved", "user_id": "il-supervisor",
        "subject": {"plate": "XYZ987", "case_number": "24-9", "note": "ok, owner Ann Lee xyz 987"},
    }  # fmt: skip
    got = redact(entry, "public", b"k")
    assert got["subject"] == {"plate": "[redacted]", "case_number": "[redacted]",
                              "note": "ok, owner [redacted] [redacted]"}  # fmt: skip
    assert got["user_id"].startswith("user-") and got["user_id"] != "il-supervisor"
    assert redact({**entry, "user_id": "system:retention"}, "public", b"k")["user_id"] == (
        "system:retention"
    )
    with pytest.raises(ValidationError):
        redact(entry, "everything", b"k")


@pytest.mark.parametrize(
    ("kind", "subject"),
    [("token_change", {"action": "issue", "for_user": "il-officer", "token": "t-1"}),
     ("user_change", {"action": "password_reset", "user": "il-officer"}),
     ("sharing_change", {"action": "add", "id": "sa-1", "created_by": "il-admin"})],
)  # fmt: skip
def test_public_never_pairs_a_pseudonym_with_a_user_id(kind: str, subject: dict[str, str]) -> None:
    """A token issued *for* il-officer next to the pseudonym of the admin who issued it: in a
    public export the named user would re-identify the pseudonyms of every search by them."""
    entry = {"agency_id": "il-test-pd", "event_type": kind, "user_id": "il-admin",
             "subject": subject}  # fmt: skip
    got = redact(entry, "public", b"k")
    text = orjson.dumps(got).decode()
    assert "il-officer" not in text and "il-admin" not in text, text
    assert redact(entry, "records-request", b"k")["subject"] == subject  # kept for clerks


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        (REASON, ["robbery suspect"], ["John", "1990", "4567", "ABC123"]),
        ("burglary victim Ana Ruiz at 4500 N Sheridan Road", ["burglary victim"], ["Ana", "4500"]),
        ("DUI hit and run, driver named john doe", ["DUI hit and run"], ["john"]),
        ("ex-wife Jane Doe harassment 211pc, mail jd@example.org", ["harassment 211pc"],
         ["Jane", "example"]),
        ("Suspect Vehicle fled, stolen 2nd time, plate XYZ-9876", ["Suspect Vehicle fled", "2nd"],
         ["9876"]),
    ],
)  # fmt: skip
def test_scrub(text: str, kept: list[str], gone: list[str]) -> None:
    out = scrub(text)
    assert all(k in out for k in kept), out
    assert not any(g in out for g in gone), out


@pytest.mark.usefixtures("client")
def test_flock_layouts_are_exact(platform: Platform) -> None:
    for fmt, layout in (("flock-network", NETWORK_LAYOUT), ("flock-org", ORG_LAYOUT)):
        rows = list(csv.reader(io.StringIO(export(platform, fmt, "internal").decode())))
        assert rows[0] == layout and len(layout) == (11 if fmt == "flock-network" else 13)
        cells = [dict(zip(layout, r, strict=True)) for r in rows[1:]]
        assert len(cells) == 4 and all(FLOCK_TIME.fullmatch(c["Search Time"]) for c in cells)
        assert {c["Org Name"] for c in cells} >= {"il-test-pd", "tx-test-pd", "us-fed"}
        first = cells[0]
        assert first["License Plate"] == PLATE and first["Case #"] == "24-001"
        assert first["Reason"] == f"stolen_vehicle: {REASON}" and first["Filters"] == "color: red"
        assert len(first["Time Frame"].splitlines()) == 2 and first["Search Type"] == "search"


def test_redacted_bundles_verify_every_entry_and_an_edited_one_fails(
    client: TestClient, platform: Platform, tmp_path: Path
) -> None:
    for profile in ("public", "records-request"):
        out = tmp_path / profile
        size = export_bundle(platform.audit, out, profile)
        report = verify_directory(out)  # every published entry is tied to the signed tree
        assert report.entries == size == report.inclusion_proofs and report.hash_only == 0
        assert report.profile == profile and not (out / "leaf_hashes.txt").exists()
        for path in out.iterdir():
            assert PLATE.encode() not in path.read_bytes(), (profile, path.name)
        lines = (out / "entries.jsonl").read_bytes().splitlines()
        at = next(i for i, line in enumerate(lines) if b'"search"' in line)
        edited = lines[at].replace(b'"search"', b'"login"')
        (out / "entries.jsonl").write_bytes(
            b"\n".join([*lines[:at], edited, *lines[at + 1 :]]) + b"\n"
        )
        with pytest.raises(VerificationError) as err:
            verify_directory(out)
        assert f"entry {at}" in err.value.message


def get(c: TestClient, platform: Platform, path: str, user: str, **params: str) -> httpx.Response:
    return c.get(f"/api/v1/audit/{path}", params=params, headers=auth(platform, user))


def test_api_access_control_and_formats(client: TestClient, platform: Platform) -> None:
    assert get(client, platform, "networks/il-net", "tx-officer").status_code == 403
    assert get(client, platform, "organizations/il-test-pd", "tx-officer").status_code == 403
    assert get(client, platform, "networks/nope", "tx-auditor").status_code == 404
    assert client.get("/api/v1/audit/networks/il-net").status_code == 401
    r = get(client, platform, "networks/il-net", "tx-auditor")
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
    lines = r.text.splitlines()
    assert sum('"event_type":"search"' in line for line in lines) == 4
    assert '"what":"network_audit"' in lines[-1]  # the export itself is audited first
    assert get(client, platform, "networks/il-net", "il-officer").status_code == 403
    r = get(client, platform, "networks/il-net", "il-admin", format="flock-network",
            profile="public")  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert PLATE not in r.text and next(csv.reader(io.StringIO(r.text))) == NETWORK_LAYOUT
    assert get(client, platform, "organizations/tx-test-pd", "tx-officer").status_code == 403
    r = get(client, platform, "organizations/tx-test-pd", "tx-admin", format="flock-org")
    assert r.status_code == 200 and next(csv.reader(io.StringIO(r.text))) == ORG_LAYOUT
    assert get(client, platform, "organizations/il-test-pd", "tx-auditor").status_code == 200
    assert get(client, platform, "networks/il-net", "il-admin", profile="x").status_code == 422


def test_cli_view_and_redacted_export(data_dir: Path, tmp_path: Path) -> None:
    platform = Platform(data_dir)
    platform.test_tokens = setup_registry(platform)  # type: ignore[attr-defined]
    with TestClient(create_app(platform, background=False)) as c:
        run_searches(c, platform)
    platform.close()
    runner, data = CliRunner(), ["--data", str(data_dir)]
    out = tmp_path / "view.csv"
    args = ["--network", "il-net", "--format", "flock-network", "--profile", "public"]
    result = runner.invoke(cli, ["audit", "view", *args, "--out", str(out), *data])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert next(csv.reader(io.StringIO(text))) == NETWORK_LAYOUT and PLATE not in text
    result = runner.invoke(cli, ["audit", "view", "--agency", "tx-test-pd", *data])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1
    bundle = tmp_path / "bundle"
    result = runner.invoke(cli, ["audit", "export", "--out", str(bundle), "--profile",
                                 "records-request", *data])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["audit", "verify", str(bundle)])
    assert result.exit_code == 0 and "OK" in result.stdout and "(records-request)" in result.stdout
    # exports hold officers, reasons and (internal) plates: private to the operator
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in bundle.iterdir()} == {0o600}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    result = runner.invoke(cli, ["audit", "view", "--network", "il-net", "--agency", "x", *data])
    assert result.exit_code == 2
