"""`plateledger users ...`: accounts, passwords, lock/unlock and tokens, as the operator.

Whoever can open the data directory holds every record already, so these commands act as the
operator (recorded as ``operator`` in the audit log) for users of any agency. Agency admins do
the same for their own agency over the API (``/api/v1/users``).
"""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from plateledger.accounts.tokens import MAX_TOKEN_DAYS, token_out
from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly, open_platform
from plateledger.domain.types import OPERATOR
from plateledger.errors import ValidationError

app = typer.Typer(help="User accounts: passwords, lockout, tokens (as the operator).",
                  no_args_is_help=True)  # fmt: skip

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]
Generate = Annotated[
    bool, typer.Option("--generate", help="Generate a strong password and print it once.")
]


def _password(stdin: bool, generate: bool, required: bool = True) -> str | None:
    if stdin and generate:
        raise ValidationError("give --password-stdin or --generate, not both")
    if generate:
        password = secrets.token_urlsafe(18)
        eprint(f"password (shown once): {password}")
        return password
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not required:
        return None
    value: str = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("list")
@friendly
def list_(
    agency: Annotated[str | None, typer.Option(help="Only this agency's users.")] = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Users with role, password set, failures, lockout and lock state."""
    with open_platform(data) as platform:
        rows = [s for s in platform.accounts.statuses(OPERATOR)
                if agency is None or s.user.agency_id == agency]  # fmt: skip
    width = max((len(s.user.id) for s in rows), default=4)
    print(f"{'user':<{width}}  {'agency':<24} {'role':<10} password  failures  state")
    for s in rows:
        until = f"locked out until {s.locked_until:%Y-%m-%d %H:%M}Z" if s.locked_until else ""
        state = "locked" if s.disabled else (until or "active")
        print(f"{s.user.id:<{width}}  {s.user.agency_id:<24} {s.user.role:<10} "
              f"{'yes' if s.has_password else 'no':<9} {s.failed_count:<9} {state}")  # fmt: skip


@app.command("create")
@friendly
def create(
    user_id: Annotated[str, typer.Argument(help="New user id (a-z 0-9 . _ -).")],
    agency: Annotated[str, typer.Option(help="The user's agency id.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[str, typer.Option(help="officer | supervisor | auditor | admin")],
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Create a user (with a password if --password-stdin or --generate is given)."""
    password = _password(password_stdin, generate, required=False)
    with open_platform(data) as platform:
        user = platform.accounts.create_user(OPERATOR, user_id, agency, name, role, password)
    eprint(f"created {user.id} ({user.role}, {user.agency_id})")


@app.command("set-password")
@friendly
def set_password(
    user_id: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Set or reset a password (prompted unless --password-stdin/--generate); clears lockout
    and ends the user's UI sessions."""
    password = _password(password_stdin, generate)
    assert password is not None
    with open_platform(data) as platform:
        platform.accounts.set_password(OPERATOR, user_id, password)
    eprint(f"password set for {user_id}")


@app.command("lock")
@friendly
def lock(user_id: Annotated[str, typer.Argument(help="The user.")],
         data: DataOpt = DEFAULT_DATA) -> None:  # fmt: skip
    """Lock an account: no sign-in, and none of its tokens work, until unlocked."""
    with open_platform(data) as platform:
        platform.accounts.set_disabled(OPERATOR, user_id, True)
    eprint(f"locked {user_id}")


@app.command("unlock")
@friendly
def unlock(user_id: Annotated[str, typer.Argument(help="The user.")],
           data: DataOpt = DEFAULT_DATA) -> None:  # fmt: skip
    """Unlock an account (also clears a lockout after failed sign-ins)."""
    with open_platform(data) as platform:
        platform.accounts.set_disabled(OPERATOR, user_id, False)
    eprint(f"unlocked {user_id}")


@app.command("tokens")
@friendly
def list_tokens(user_id: Annotated[str, typer.Argument(help="The user.")],
                data: DataOpt = DEFAULT_DATA) -> None:  # fmt: skip
    """A user's tokens: id, kind, label, scopes, expiry, state (never secrets)."""
    with open_platform(data) as platform:
        user = platform.tokens.target_user(OPERATOR, user_id)
        records = platform.tokens.list_tokens(OPERATOR, user)
    now = datetime.now(UTC)
    for t in records:
        out = token_out(t, now)
        state = "live" if out["live"] else ("revoked" if t.revoked else "expired")
        print(f"{t.token_id}  {t.kind:<7} {state:<7} {','.join(t.scopes or ['all']):<24} "
              f"expires {out['expires_at'] or 'never'}  {t.label}")  # fmt: skip


@app.command("issue-token")
@friendly
def issue_token(
    user_id: Annotated[str, typer.Argument(help="The user.")],
    label: Annotated[str, typer.Option(help="What the token is for.")],
    scope: Annotated[list[str] | None, typer.Option(help="Narrow to a scope (repeat).")] = None,
    expires_days: Annotated[int | None, typer.Option(help="Expire after N days.", min=1,
                                                     max=MAX_TOKEN_DAYS)] = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:  # fmt: skip
    """Issue an API token; its secret is printed once on standard output."""
    expires = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    with open_platform(data) as platform:
        user = platform.tokens.target_user(OPERATOR, user_id)
        secret, record = platform.tokens.issue_token(OPERATOR, user, label, scopes=scope,
                                                     expires_at=expires)  # fmt: skip
    eprint(f"token {record.token_id} for {user.id} (scopes: {','.join(record.scopes or ['all'])})")
    print(secret)


@app.command("revoke-token")
@friendly
def revoke_token(token_id: Annotated[str, typer.Argument(help="Token id (from `tokens`).")],
                 data: DataOpt = DEFAULT_DATA) -> None:  # fmt: skip
    """Revoke a token: API calls with it and UI sessions signed in with it end at once."""
    with open_platform(data) as platform:
        record = platform.tokens.revoke(OPERATOR, token_id)
    eprint(f"revoked {record.token_id} of {record.user_id}")
