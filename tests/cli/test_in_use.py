"""A data directory held by another process (as `plateledger serve` holds it): every command that
opens it says so in one line, with the holder's pid; search and timeline point at --url."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.main import app

HOLD = """
import sys
from pathlib import Path
from plateledger.app.platform import Platform
platform = Platform(Path(sys.argv[1]), component="api")
print("ready", flush=True)
sys.stdin.read()  # hold the directory until the test closes our stdin
platform.close()
"""
PURPOSE = ["--purpose", "stolen_vehicle", "--case-number", "C-1", "--reason", "stolen report"]


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, str, int]]:
    """A data directory, an officer's token, and the pid of the process holding it open."""
    data = tmp_path / "data"
    platform = Platform(data)
    token = setup_registry(platform)["il-officer"]
    platform.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    yield data, token, proc.pid
    proc.communicate(timeout=30)


def test_commands_on_a_held_directory_say_so(held: tuple[Path, str, int]) -> None:
    data, token, pid = held
    runner = CliRunner()
    commands = {
        "stats": ["stats"],
        "compact": ["compact"],
        "users": ["users", "list"],
        "search": ["search", "--plate", "ABC123", *PURPOSE, "--token", token],
        "timeline": ["timeline", "ABC123", *PURPOSE, "--token", token],
    }
    for name, args in commands.items():
        result = runner.invoke(app, [*args, "--data", str(data)])
        err = result.stderr
        assert result.exit_code == 2, (name, result.stdout, err)
        assert err.startswith(f"error (data_dir_in_use): {data} is in use by a running server")
        assert f"(pid {pid})" in err and err.count("\n") == 1 and "Traceback" not in err
        hint = "--url http://127.0.0.1:8000" in err and "PLATELEDGER_TOKEN" in err
        assert hint == (name in ("search", "timeline", "stats")), (name, err)


@pytest.mark.parametrize(("option", "value"), [("--near", "a,b,c"), ("--bbox", "1,2")])
def test_a_bad_place_option_is_a_usage_error_not_an_internal_one(
    option: str, value: str, tmp_path: Path
) -> None:
    args = ["search", "--purpose", "stolen_vehicle", "--case-number", "C-1", "--reason", "r",
            "--plate", "ABC123", option, value, "--data", str(tmp_path / "d")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "internal error" not in result.output
    assert option in result.output
