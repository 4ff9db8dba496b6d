"""CLI commands against a real data directory (Typer's runner, in-process)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from conftest import NOW, setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def registry(data: Path) -> dict[str, str]:
    p = Platform(data)
    tokens = setup_registry(p)
    p.close()
    return tokens


def test_plates_check() -> None:
    code, out, _ = invoke("plates", "check", "7abc 123", "--state", "CA")
    body = orjson.loads(out)
    assert code == 0 and body["canonical"] == "7ABC123" and body["valid"]
    code, out, _ = invoke("plates", "check", "ABC1Z34", "--state", "TX")
    assert code == 1 and "ABC1234" in orjson.loads(out)["confusable_fixes"]
    code, _, err = invoke("plates", "check", "ABC123", "--state", "XX")
    assert code == 2 and "state" in err and "Traceback" not in err


def test_ingest_search_timeline_stats(tmp_path: Path) -> None:
    data = tmp_path / "data"
    tokens = registry(data)
    csv = tmp_path / "reads.csv"
    ts = [(NOW - timedelta(minutes=m)).isoformat() for m in (3, 2, 1)]
    csv.write_text(
        "camera_id,ts,plate,confidence\n"
        f"il-c1,{ts[0]},ABC123,0.9\n"
        f"il-c2,{ts[1]},ABC 123,0.8\n"
        f"il-c1,not-a-time,XYZ1,0.9\n"
        f"nope,{ts[2]},QQQ111,0.9\n"
    )
    code, out, err = invoke("ingest", str(csv), "--data", str(data))
    assert code == 0, err
    assert orjson.loads(out) == {"received": 4, "stored": 2, "rejected": 2}
    assert "row 3: ts" in err and "row 4: camera_id" in err
    common = ["--data", str(data), "--token", tokens["il-officer"], "--purpose", "stolen_vehicle",
              "--case-number", "C-1", "--reason", "stolen report"]  # fmt: skip
    code, out, err = invoke("search", "--plate", "ABC123", *common)
    assert code == 0, err
    assert [r["plate"] for r in orjson.loads(out)["results"]] == ["ABC123", "ABC123"]
    code, out, _ = invoke("search", "--plate", "A8C12?", "--mode", "wildcard", *common)
    assert orjson.loads(out)["results"] == []
    code, out, _ = invoke("search", "--plate", "A8C123", "--mode", "fuzzy", *common)
    assert len(orjson.loads(out)["results"]) == 2
    code, out, _ = invoke("timeline", "ABC123", *common)
    assert orjson.loads(out)["total_reads"] == 2
    code, out, _ = invoke("stats", "--data", str(data))
    assert orjson.loads(out)["reads"] == 2
    code, _, err = invoke("search", "--plate", "ABC123", *common[:2], "--token", "bad",
                          *common[4:])  # fmt: skip
    assert code == 2 and "token" in err


def test_export_import_and_purge(tmp_path: Path) -> None:
    data = tmp_path / "data"
    registry(data)
    nd = tmp_path / "reads.ndjson"
    old = (NOW - timedelta(days=3)).isoformat()
    nd.write_text(
        "\n".join(
            orjson.dumps({"camera_id": "il-c1", "ts": old, "plate": f"OLD{i}"}).decode()
            for i in range(5)
        )
    )
    assert invoke("ingest", str(nd), "--data", str(data))[0] == 0
    out_dir = tmp_path / "pq"
    code, out, _ = invoke("export", "--out", str(out_dir), "--data", str(data))
    assert orjson.loads(out)["exported"] == 5
    other = tmp_path / "other"
    registry(other)
    code, out, _ = invoke("import", str(out_dir), "--data", str(other))
    assert orjson.loads(out)["imported"] == 5
    day = (NOW - timedelta(days=3)).date().isoformat()
    code, out, _ = invoke("purge", "--day", day, "--data", str(other))
    assert orjson.loads(out)["count"] == 5
    code, _, err = invoke("purge", "--day", "yesterday", "--data", str(other))
    assert code == 2 and "--day" in err
    code, _, err = invoke("ingest", str(tmp_path / "missing.csv"), "--data", str(other))
    assert code == 2 and "missing.csv" in err
