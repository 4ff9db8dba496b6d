"""`search` and `timeline` with --url: through a real uvicorn server holding the data directory,
the same output as the local path on the same data; API refusals as one CLI line each."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from typer.testing import CliRunner

from conftest import NOW, free_port, make_reads, read, setup_registry
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.cli.main import app
from plateledger.cli.remote import server

runner = CliRunner()
PURPOSE = ["--purpose", "stolen_vehicle", "--case-number", "C-1", "--reason", "stolen report"]
SEARCHES = {
    "exact": ["search", "--plate", "ABC123"],
    "wildcard": ["search", "--plate", "A?C12*", "--mode", "wildcard", "--limit", "10"],
    "fuzzy": ["search", "--plate", "A8C123", "--mode", "fuzzy", "--camera", "il-c1"],
    "timeline": ["timeline", "ABC123"],
    "timeline_window": ["timeline", "ABC123", "--from", (NOW - timedelta(minutes=8)).isoformat()],
}


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    data = tmp_path_factory.mktemp("remote") / "data"
    platform = Platform(data)
    tokens = setup_registry(platform)
    rows = [read("il-c1", 9, "ABC123"), read("il-c2", 7, "ABC123"), read("il-c1", 5, "ABD123"),
            read("il-c1", 3, "A8C123"), read("tx-c1", 2, "ABC123")]  # fmt: skip
    platform.store.append(make_reads(rows))
    platform.close()
    return data, tokens


@pytest.fixture(scope="module")
def local(seeded: tuple[Path, dict[str, str]]) -> dict[str, Any]:
    """Each search run on the data directory itself, before any server holds it."""
    data, tokens = seeded
    out = {}
    for name, args in SEARCHES.items():
        code, stdout, err = invoke(*args, *PURPOSE, "--data", str(data),
                                   "--token", tokens["il-officer"])  # fmt: skip
        assert code == 0, err
        out[name] = orjson.loads(stdout)
    return out


@pytest.fixture(scope="module")
def url(seeded: tuple[Path, dict[str, str]], local: dict[str, Any]) -> Iterator[str]:
    """A real server on the data directory (started after ``local`` ran), on a free port."""
    platform = Platform(seeded[0])
    port = free_port()
    config = uvicorn.Config(create_app(platform, background=False), port=port, log_level="error")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    platform.close()


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """What two runs of one search share: all but the ids, timings and policy clock."""
    out = {k: v for k, v in body.items() if k not in ("search_id", "timings_ms")}
    for key in ("networks_searched", "networks_excluded"):
        if key in out:
            out[key] = [{k: v for k, v in d.items() if k != "retention_cutoff"} for d in out[key]]
    return out


def test_remote_output_equals_the_local_path(
    url: str, seeded: tuple[Path, dict[str, str]], local: dict[str, Any]
) -> None:
    tokens = seeded[1]
    for name, args in SEARCHES.items():
        code, stdout, err = invoke(*args, *PURPOSE, "--url", url,
                                   env={"PLATELEDGER_TOKEN": tokens["il-officer"]})  # fmt: skip
        assert code == 0, err
        remote = orjson.loads(stdout)
        assert comparable(remote) == comparable(local[name]), name
        assert remote["search_id"] != local[name]["search_id"]  # logged again, by the server
    assert [r["plate"] for r in local["exact"]["results"]] == ["ABC123", "ABC123"]
    assert local["timeline"]["total_reads"] == 2
    assert local["timeline_window"]["total_reads"] == 1


def test_token_from_a_file(url: str, seeded: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(seeded[1]["il-officer"] + "\n")
    code, stdout, err = invoke(*SEARCHES["exact"], *PURPOSE, "--url", url + "/",
                               "--token-file", str(secret))  # fmt: skip
    assert code == 0, err
    assert len(orjson.loads(stdout)["results"]) == 2
    code, _, err = invoke(*SEARCHES["exact"], *PURPOSE, "--url", url, "--token-file",
                          str(secret), "--token", "also")  # fmt: skip
    assert code == 2 and "--token-file" in err


def test_held_search_names_its_id(url: str, seeded: tuple[Path, dict[str, str]]) -> None:
    tokens = seeded[1]
    policy = httpx.put(f"{url}/api/v1/agencies/tx-test-pd/policy",
                       json={"require_specific_reason": True},
                       headers={"Authorization": f"Bearer {tokens['tx-admin']}"})  # fmt: skip
    assert policy.status_code == 200, policy.text
    vague = ["--purpose", "stolen_vehicle", "--case-number", "C-9", "--reason", "inv"]
    for args in (SEARCHES["exact"], SEARCHES["timeline"]):
        code, stdout, err = invoke(*args, *vague, "--url", url, "--token", tokens["tx-officer"])
        assert code == 2 and stdout == ""
        assert err.startswith("error (held): held: a supervisor"), err
        search_id = err.rsplit("(search ", 1)[1].rstrip(")\n")
        hold = httpx.get(f"{url}/api/v1/searches/{search_id}/hold",
                         headers={"Authorization": f"Bearer {tokens['tx-officer']}"})  # fmt: skip
        assert hold.status_code == 200, hold.text


def test_refused_invalid_and_bad_token(url: str, seeded: tuple[Path, dict[str, str]]) -> None:
    officer = ["--url", url, "--token", seeded[1]["il-officer"]]
    code, _, err = invoke(*SEARCHES["exact"], *PURPOSE, *officer, "--on-behalf-of", "tx-test-pd")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error (forbidden): no network may be searched")
    assert "il-net (il-test-pd) " in err and "tx-net (tx-test-pd) " in err
    code, _, err = invoke("search", "--plate", "ABC123", "--near", "200,0,5", *PURPOSE, *officer)
    assert code == 2 and err.startswith("error (invalid): invalid: --near (query.near.lat)"), err
    code, _, err = invoke("search", "--plate", "<b>X</b>", *PURPOSE, *officer)
    assert code == 2 and err.startswith("error (invalid): --plate: query.plate: bad character")
    code, _, err = invoke("timeline", "ABC123", "--purpose", "", "--case-number", "1",
                          "--reason", "r", *officer)  # fmt: skip
    assert code == 2 and "--purpose (query.purpose)" in err
    code, _, err = invoke(*SEARCHES["exact"], *PURPOSE, "--url", url, "--token", "nope")
    assert code == 2 and "refused the token" in err and "PLATELEDGER_TOKEN" in err
    code, _, err = invoke(*SEARCHES["exact"], *PURPOSE, "--url", url)
    assert code == 2 and err.startswith("error (invalid): --token: no token")


def test_no_server_and_bad_urls() -> None:
    token = ["--token", "t"]
    nobody = f"http://127.0.0.1:{free_port()}"
    code, _, err = invoke(*SEARCHES["exact"], *PURPOSE, "--url", nobody, *token)
    assert code == 2 and f"no server at {nobody}" in err and "Traceback" not in err
    for bad in ("ftp://127.0.0.1:21", "127.0.0.1:8000", "http://"):
        code, _, err = invoke(*SEARCHES["timeline"], *PURPOSE, "--url", bad, *token)
        assert code == 2 and err.startswith("error (invalid): --url:"), (bad, err)


def test_token_over_plain_http_to_another_host_warns(capsys: pytest.CaptureFixture[str]) -> None:
    far = server("http://ledger.example.org:8000/api/v1/", "t", None)
    assert far.base == "http://ledger.example.org:8000"
    assert "plain http" in capsys.readouterr().err
    for quiet in ("https://ledger.example.org", "http://127.0.0.1:8000", "http://[::1]:8000",
                  "http://localhost:8000"):  # fmt: skip
        server(quiet, "t", None)
        assert capsys.readouterr().err == "", quiet


def test_stats_through_the_server_equals_the_local_figures(
    url: str, seeded: tuple[Path, dict[str, str]]
) -> None:
    """`stats --url` needs store.stats (admins, auditors); an officer's token is refused."""
    tokens = seeded[1]
    code, stdout, err = invoke("stats", "--url", url, env={"PLATELEDGER_TOKEN": tokens["il-admin"]})
    assert code == 0, err
    remote = orjson.loads(stdout)
    assert remote["reads"] == 5
    assert remote["per_network"] == {"il-net": 4, "tx-net": 1}
    code, _, err = invoke("stats", "--url", url, env={"PLATELEDGER_TOKEN": tokens["il-officer"]})
    assert code == 2
    assert "store.stats" in err or "permission" in err
