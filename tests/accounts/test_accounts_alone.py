"""The accounts context on its own: a real DuckDB store and a real audit log, no platform.

Passwords, sign-in with lockout (on a test clock), tokens and an admin's view of the agency's
users, each change checked in the audit log as well as in the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from plateledger.accounts.agency_users import AgencyUsers
from plateledger.accounts.tokens import Tokens, hash_token
from plateledger.accounts.users import LOCKOUT_MINUTES, MAX_FAILURES, Accounts
from plateledger.audit.log import AuditLog
from plateledger.audit.sink import sink_for
from plateledger.domain.types import OPERATOR, Agency, AgencyId, User, UserId
from plateledger.errors import AuthenticationError, ForbiddenError, NotFoundError
from plateledger.registry.service import Registry
from plateledger.store.duckdb_store import DuckDBStore

PASSWORD = "a long enough password"
IL = Agency(AgencyId("il-pd"), "IL PD", "IL", "municipal", 180)
TX = Agency(AgencyId("tx-pd"), "TX PD", "TX", "municipal", None)
ADMIN = User(UserId("il-admin"), IL.id, "IL Admin", "admin")
TX_ADMIN = User(UserId("tx-admin"), TX.id, "TX Admin", "admin")


class TestClock:
    """A clock the test moves forward."""

    __test__ = False

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    store: DuckDBStore
    log: AuditLog
    clock: TestClock
    accounts: Accounts
    tokens: Tokens

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The audit log's entries of one type, oldest first."""
        entries = (orjson.loads(self.log.entry(i)) for i in range(self.log.size))
        return [e for e in entries if e["event_type"] == event_type]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = DuckDBStore(tmp_path)
    log = AuditLog(tmp_path / "audit", "test/origin")
    try:
        store.upsert_agencies([IL, TX])
        store.upsert_users([ADMIN, TX_ADMIN])
        audit, clock = sink_for(log, "test"), TestClock()
        yield World(
            store, log, clock,
            Accounts(store=store, audit=audit, clock=clock),
            Tokens(store=store, audit=audit, clock=clock),
        )  # fmt: skip
    finally:
        log.close()
        store.close()


def test_a_created_user_signs_in_with_a_session_token_and_every_step_is_audited(
    world: World,
) -> None:
    made = world.accounts.create_user(ADMIN, "il-pd.clerk", IL.id, "Clerk", "officer", PASSWORD)
    secret, user = world.accounts.sign_in("il-pd.clerk", PASSWORD)
    assert user == made
    who = world.tokens.principal_for_hash(hash_token(secret))
    assert who is not None and who.user == made and who.token is not None
    assert who.token.kind == "session"
    assert who.token.expires_at == (world.clock.now + timedelta(hours=12)).replace(tzinfo=None)
    [created] = world.events("user_change")
    assert created["user_id"] == "il-admin"
    assert created["subject"] == {
        "action": "create", "user": "il-pd.clerk", "agency": "il-pd", "role": "officer"
    }  # fmt: skip
    [login] = world.events("login")
    assert login["outcome"] == "success" and login["user_id"] == "il-pd.clerk"
    assert login["subject"] == {"method": "password", "session": who.token.token_id}


def test_failures_lock_the_account_until_the_clock_passes_the_lockout(world: World) -> None:
    world.accounts.set_password(OPERATOR, "il-admin", PASSWORD)
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthenticationError):
            world.accounts.sign_in("il-admin", "not the password")
    with pytest.raises(AuthenticationError):  # locked: even the right password fails
        world.accounts.sign_in("il-admin", PASSWORD)
    lockout = [e for e in world.events("user_change") if e["subject"]["action"] == "lockout"]
    assert [e["outcome"] for e in lockout] == ["denied"]
    assert lockout[0]["subject"]["failures"] == MAX_FAILURES
    world.clock.advance(minutes=LOCKOUT_MINUTES, seconds=1)
    assert world.accounts.sign_in("il-admin", PASSWORD)[1] == ADMIN
    reasons = [e["subject"].get("reason") for e in world.events("login")]
    assert reasons == ["bad_password"] * MAX_FAILURES + ["locked", None]


def test_other_agencies_users_are_not_found_and_tokens_are_audited(world: World) -> None:
    with pytest.raises(NotFoundError):
        world.accounts.set_disabled(TX_ADMIN, "il-admin", True)
    with pytest.raises(NotFoundError):  # another agency's user: as if there were none
        world.tokens.issue_token(TX_ADMIN, ADMIN, "probe")
    secret, record = world.tokens.issue_token(
        ADMIN, ADMIN, "export", scopes=["hotlists"], expires_at=world.clock.now + timedelta(days=7)
    )
    assert world.tokens.principal_for_hash(hash_token(secret)) is not None
    world.clock.advance(days=8)  # expired on the context's clock
    assert world.tokens.principal_for_hash(hash_token(secret)) is None
    world.tokens.revoke(ADMIN, record.token_id)
    assert world.tokens.list_tokens(ADMIN, ADMIN)[0].revoked
    issued, revoked = world.events("token_change")
    assert issued["subject"]["action"] == "issue" and issued["subject"]["scopes"] == ["hotlists"]
    assert revoked["subject"] == {"action": "revoke", "for_user": "il-admin",
                                  "token": record.token_id}  # fmt: skip


def test_an_admin_sees_their_agency_users_with_tokens_newest_first(world: World) -> None:
    registry = Registry(store=world.store, audit=sink_for(world.log, "test"))
    admin_view = AgencyUsers(
        accounts=world.accounts, tokens=world.tokens, registry=registry, store=world.store,
        clock=world.clock,
    )  # fmt: skip
    # tokens in another user's name: only the manage table's scopes (ingest), for an admin
    world.accounts.create_user(ADMIN, "il-pd.uplink", IL.id, "Uplink", "admin")
    admin_view.issue_token(ADMIN, "il-pd.uplink", "first", None, ["ingest"])
    world.clock.advance(minutes=1)
    _, second = admin_view.issue_token(ADMIN, "il-pd.uplink", "second", 30, ["ingest"])
    assert second.expires_at == (world.clock.now + timedelta(days=30)).replace(tzinfo=None)
    rows = {str(row.status.user.id): row for row in admin_view.agency_users(ADMIN)}
    assert set(rows) == {"il-admin", "il-pd.uplink"}  # never the TX admin
    assert [t.label for t in rows["il-pd.uplink"].tokens] == ["second", "first"]
    with pytest.raises(ForbiddenError):  # an officer is no admin
        admin_view.agency_users(User(UserId("il-pd.uplink"), IL.id, "Clerk", "officer"))
    assert [e["subject"]["label"] for e in world.events("token_change")] == ["first", "second"]
