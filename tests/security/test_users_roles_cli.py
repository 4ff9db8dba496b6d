"""The `plateledger users` and `plateledger roles` commands, and validation of roles.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import setup_registry
from plateledger.accounts import roles
from plateledger.accounts.roles import parse_roles, role_table
from plateledger.accounts.tokens import hash_token
from plateledger.app.platform import Platform
from plateledger.cli.main import app as cli
from plateledger.errors import AuthenticationError
from plateledger.policy.data_file import PolicyDataError


def test_users_and_roles_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    p = Platform(data)
    setup_registry(p)
    p.close()
    run = CliRunner().invoke
    created = run(
        cli,
        [
            "users",
            "create",
            "il-clerk",
            "--agency",
            "il-test-pd",
            "--name",
            "Clerk",
            "--role",
            "officer",
            "--password-stdin",
            "--data",
            str(data),
        ],
        input="a password for the clerk\n",
    )
    assert created.exit_code == 0, created.stderr
    listed = run(cli, ["users", "list", "--agency", "il-test-pd", "--data", str(data)])
    assert "il-clerk" in listed.stdout and "tx-officer" not in listed.stdout
    issued = run(
        cli,
        [
            "users",
            "issue-token",
            "il-clerk",
            "--label",
            "cli",
            "--scope",
            "search",
            "--expires-days",
            "7",
            "--data",
            str(data),
        ],
    )
    assert issued.exit_code == 0 and issued.stdout.strip().startswith("plt_")
    secret = issued.stdout.strip()
    assert run(cli, ["users", "lock", "il-clerk", "--data", str(data)]).exit_code == 0
    p = Platform(data)
    try:
        with pytest.raises(AuthenticationError):
            p.authenticate(secret)
        with pytest.raises(AuthenticationError):
            p.accounts.sign_in("il-clerk", "a password for the clerk")
    finally:
        p.close()
    assert run(cli, ["users", "unlock", "il-clerk", "--data", str(data)]).exit_code == 0
    tokens_out = run(cli, ["users", "tokens", "il-clerk", "--data", str(data)]).stdout
    token_id = hash_token(secret)[:16]
    assert token_id in tokens_out and "search" in tokens_out
    assert run(cli, ["users", "revoke-token", token_id, "--data", str(data)]).exit_code == 0
    bad = run(
        cli,
        [
            "users",
            "create",
            "x",
            "--agency",
            "il-test-pd",
            "--name",
            "X",
            "--role",
            "officer",
            "--data",
            str(data),
        ],
    )
    assert bad.exit_code == 2 and "user_id" in bad.stderr and "Traceback" not in bad.stderr
    shown = run(cli, ["roles", "show", "--data", str(data)])
    assert shown.exit_code == 0
    header = shown.stdout.splitlines()[0].split()
    assert header[:6] == ["permission", "public", "officer", "supervisor", "auditor", "admin"]
    assert any(line.startswith("users.manage") for line in shown.stdout.splitlines())


def test_roles_file_is_validated_with_named_errors() -> None:
    table = role_table()
    assert table.of_role("officer") >= table.public
    assert "search.run" not in table.of_role("auditor")
    good = (Path(roles.__file__).parent / "roles.yaml").read_text()
    cases = {
        "roles.officer.permissions[0]: unknown permission": good.replace(
            "permissions: [registry.read, search.run", "permissions: [registry.raed, search.run"
        ),
        "roles: missing required key 'auditor'": good.replace("  auditor:", "  auditors:"),
        "cycle": good.replace(
            "includes: [public]\n    permissions: [registry.read, search.run",
            "includes: [supervisor]\n    permissions: [registry.read, search.run",
        ),
        "duplicate key": good + "\nscopes: {}\n",
    }
    for expected, text in cases.items():
        assert text != good
        with pytest.raises(PolicyDataError, match=re.escape(expected)):
            parse_roles(text, "roles.yaml")
