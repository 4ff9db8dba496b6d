"""`plateledger analysis-policy show|set` on a real data directory: the admin sets a kind, an
officer or another agency's admin cannot, unknown purposes are named, and the next convoy is
judged by the new policy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from conftest import NOW, make_reads, read, setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_show_set_and_refusals(tmp_path: Path) -> None:
    data = tmp_path / "data"
    p = Platform(data)
    tokens = setup_registry(p)
    p.store.append(make_reads([
        read("il-c1", 30, "TARGET1"), read("il-c1", 30.5, "PAL001"),
        read("il-c2", 90, "TARGET1"), read("il-c2", 89.5, "PAL001"),
    ]))  # fmt: skip
    p.close()
    d = ["--data", str(data)]
    code, out, err = invoke("analysis-policy", "show", "--token", tokens["il-officer"], *d)
    assert code == 0, err
    assert orjson.loads(out)["kinds"]["convoy"]["follows_default"]
    set_ = ["analysis-policy", "set", "convoy", "--purpose", "homicide", "--waive-hold", *d]
    code, _, err = invoke(*set_, "--token", tokens["il-officer"])
    assert code != 0 and "permission" in err, err
    code, _, err = invoke(*set_, "--token", tokens["tx-admin"], "--agency", "il-test-pd")
    assert code != 0 and "own admin" in err, err
    code, _, err = invoke("analysis-policy", "set", "convoy", "--purpose", "nope", *d,
                          "--token", tokens["il-admin"])  # fmt: skip
    assert code == 2 and "kinds.convoy.purposes" in err, err
    code, _, err = invoke("analysis-policy", "set", "convoy", *d, "--token", tokens["il-admin"])
    assert code == 2 and "--purpose" in err, err
    code, out, err = invoke(*set_, "--token", tokens["il-admin"])
    assert code == 0, err
    assert orjson.loads(out)["kinds"]["convoy"] | {"set_at": None} == {
        "purposes": ["homicide"], "follows_default": False, "waive_supervisor_hold": True,
        "set_by": "il-admin", "set_at": None,
    }  # fmt: skip
    start, end = (NOW - timedelta(days=3)).isoformat(), NOW.isoformat()
    convoy = ["convoy", "TARGET1", "--from", start, "--to", end, *d, "--token",
              tokens["il-officer"], "--purpose", "homicide", "--case-number", "C-8",
              "--reason", "homicide on Main St, suspect car"]  # fmt: skip
    code, out, err = invoke(*convoy)
    assert code == 0, err  # hold waived: runs at once
    assert [r["plate"] for r in orjson.loads(out)["plates"]] == ["PAL001"]
    code, _, err = invoke("analysis-policy", "set", "convoy", "--never", *d,
                          "--token", tokens["il-admin"])  # fmt: skip
    assert code == 0, err
    code, _, err = invoke(*convoy)
    assert code != 0 and "does not allow a convoy analysis for homicide" in err, err
