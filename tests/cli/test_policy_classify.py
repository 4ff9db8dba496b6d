"""`policy classify` on a tiny Typer app (the lead wires it into the real CLI)."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer
from typer.testing import CliRunner

from plateledger.cli.policy_classify import classify_cmd

app = typer.Typer()


@app.callback()
def _group() -> None:
    """Test group so `classify` stays a sub-command."""


app.command("classify")(classify_cmd)
runner = CliRunner()


def _lines(out: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in out.splitlines()]


def test_stdin_one_object_per_line() -> None:
    result = runner.invoke(
        app, ["classify"], input="ICE WARRANT\ninvestigation\n\nstolen vehicle report 24-1187\n"
    )
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert [(r["class"], r["action"]) for r in rows] == [
        ("immigration_enforcement", "block"),
        ("vague", "review"),
        ("vague", "review"),
        ("specific", "allow"),
    ]
    assert rows[0]["reason"] == "ICE WARRANT"
    assert rows[0]["evidence"] == [
        {
            "start": 0,
            "end": 11,
            "text": "ICE WARRANT",
            "term": "ice warrant",
            "class": "immigration_enforcement",
        },
        {"start": 4, "end": 11, "text": "WARRANT", "term": "warrant", "class": "specific"},
    ]


def test_crlf_input() -> None:
    result = runner.invoke(app, ["classify"], input="protest\r\ninv\r\n")
    assert [r["reason"] for r in _lines(result.stdout)] == ["protest", "inv"]


def test_csv_column(tmp_path: Path) -> None:
    path = tmp_path / "reasons.csv"
    path.write_text('id,why\n1,"HSI, narcotics"\n2,245(a)(2)pc\n3,\n', encoding="utf-8")
    result = runner.invoke(app, ["classify", "--csv", str(path), "--column", "why"])
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert [(r["reason"], r["action"]) for r in rows] == [
        ("HSI, narcotics", "review"),
        ("245(a)(2)pc", "allow"),
        ("", "review"),
    ]


def test_csv_default_column_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "audit.csv"
    path.write_text("\ufeffreason,caseNumber\nimmigration protest,\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "--csv", str(path)])
    assert result.exit_code == 0, result.output
    (row,) = _lines(result.stdout)
    assert row["classes"] == ["immigration_enforcement", "first_amendment_activity"]


def test_missing_column_names_it_and_lists_columns(tmp_path: Path) -> None:
    path = tmp_path / "audit.csv"
    path.write_text("id,searchDate,why\n1,2026-01-01,inv\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "--csv", str(path), "--column", "reason"])
    assert result.exit_code == 2
    assert "'reason' not found" in result.stderr
    assert "'id', 'searchDate', 'why'" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["classify", "--csv", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "file not found" in result.stderr
