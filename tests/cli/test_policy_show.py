"""`plateledger policy show STATE`, through a Typer app that registers it like main.py will."""

from __future__ import annotations

import orjson
import typer
from typer.testing import CliRunner

from plateledger.cli.policy_show import show_cmd

app = typer.Typer()
policy = typer.Typer()
policy.command("show")(show_cmd)
app.add_typer(policy, name="policy")
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["policy", "show", *args])
    return result.exit_code, result.stdout, result.stderr


def test_show_illinois_readably() -> None:
    code, out, err = invoke("il")
    assert code == 0, err
    assert out.startswith("Illinois (IL) - enacted")
    assert "not legal advice" in out
    for text in (
        "IL.sharing.federal_immigration; confidence high",
        "out_of_state         conditional: written_declaration",
        "625 ILCS 5/2-130",
        "IL.purpose.prohibited.immigration_enforcement",
        "IL.searcher.trust_act",
        "never on behalf of federal_immigration",
        "Verify",
        "P.A. 103-0540",
        "https://ilga.gov/",
    ):
        assert text in out, text


def test_show_json() -> None:
    code, out, err = invoke("VA", "--json")
    assert code == 0, err
    body = orjson.loads(out)
    assert body["code"] == "VA" and body["retention"]["max_days"] == 21
    assert body["retention"]["rule"]["id"] == "VA.retention"
    assert list(body["sharing"]) == [
        "same_agency", "in_state", "out_of_state", "federal", "federal_immigration", "private"
    ]  # fmt: skip
    assert body["sharing"]["out_of_state"]["decision"] == "deny"
    assert body["permitted"]["conditions"] == {"criminal": ["criminal_predicate"]}


def test_show_retention_details() -> None:
    _, out, _ = invoke("NH")
    assert "purged within 3 min" in out
    _, out, _ = invoke("CA")
    assert "state_police owners: 60 days" in out


def test_show_state_without_an_entry() -> None:
    code, out, _ = invoke("WY", "--data", "/nonexistent")
    assert code == 0
    assert out.startswith("Wyoming (WY) - none, no ALPR statute found")
    assert "DEFAULT rules" in out and "DEFAULT.sharing.federal" in out


def test_unknown_state_is_a_clear_error() -> None:
    code, out, err = invoke("ZZ")
    assert code == 2 and out == ""
    assert "unknown state code 'ZZ'" in err and "Traceback" not in err
