"""User accounts: creation, argon2 passwords, sign-in with lockout, disabling.

Password sign-in answers every failure with the same message (no user enumeration) and spends
the same argon2 work on unknown users. After ``MAX_FAILURES`` consecutive failures an account
is locked for ``LOCKOUT_MINUTES``; every failure and every lockout is an audit event. A
successful sign-in yields a short-lived *session token* (a revocable, expiring token of kind
``session``), so the UI's session machinery checks it like any other token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from plateledger.accounts.base import AccountsStore
from plateledger.accounts.tokens import Tokens, naive_utc
from plateledger.audit.fingerprint import Fingerprint, fingerprinter, new_key
from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import OPERATOR, ROLES, AgencyId, Role, User, UserId
from plateledger.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
)
from plateledger.store import accounts as db

MAX_FAILURES = 5
LOCKOUT_MINUTES = 15
SESSION_HOURS = 12
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
SIGN_IN_FAILED = (
    "Sign-in failed: check your user id and password. Repeated failures lock the account "
    f"for {LOCKOUT_MINUTES} minutes."
)
USER_ID = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
RESERVED_IDS = frozenset({"operator", "system", "unknown", "public"})

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("plateledger: spend the same work on unknown users")


@dataclass(frozen=True, slots=True)
class AccountStatus:
    user: User
    has_password: bool
    failed_count: int
    locked_until: datetime | None
    disabled: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.user.id, "agency_id": self.user.agency_id, "name": self.user.name,
            "role": self.user.role, "has_password": self.has_password,
            "failed_count": self.failed_count, "disabled": self.disabled,
            "locked_until": self.locked_until.isoformat() + "Z" if self.locked_until else None,
        }  # fmt: skip


def check_password_strength(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationError(
            f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters", {"field": "password"}
        )
    if len(set(password)) < 5:
        raise ValidationError("password: too repetitive", {"field": "password"})


class Accounts:
    """Users and their passwords: sign-in with lockout, creation, locking; every change audited."""

    def __init__(
        self, *, store: AccountsStore, audit: AuditSink, clock: Clock = utc_now,
        fingerprint: Fingerprint | None = None,
    ) -> None:  # fmt: skip
        """``fingerprint`` keys what an unknown user typed before it is audited (the platform
        passes its installation key; alone, a random key of this instance)."""
        self._store = store
        self._audit = audit
        self._clock = clock
        self._fingerprint = fingerprint or fingerprinter(new_key())
        # sign-in issues a session token and checks who may manage whom: the same tokens
        self._tokens = Tokens(store=store, audit=audit, clock=clock)

    def set_password(self, actor: User, user_id: str, password: str) -> User:
        """Set (or reset) a password: the user themself, an admin of their agency, or the CLI.
        Clears failures and lockout and ends the user's UI sessions."""
        user = self._tokens.target_user(actor, user_id)
        check_password_strength(password)
        action = "password_change" if actor.id == user.id else "password_reset"
        self._audit("user_change", actor, {"action": action, "user": user.id})
        db.set_password_hash(self._store, user.id, _hasher.hash(password), self._now())
        db.revoke_tokens_of(self._store, user.id, "session")
        return user

    def change_own_password(self, user: User, current: str, new: str) -> None:
        """A wrong current password counts toward the lockout like a failed sign-in, so a
        stolen token cannot be used to guess the password."""
        creds = db.credentials(self._store, user.id)
        now = self._now()
        refusal = _refusal(creds, now)
        if refusal is not None:
            self._failed(user, {"reason": refusal, "via": "password_change"})
            raise ForbiddenError("current_password: does not match (or the account is locked)")
        assert creds is not None and creds.password_hash is not None
        if not _verify(creds.password_hash, current):
            self._bad_password(user, now)
            raise ForbiddenError("current_password: does not match (or the account is locked)")
        self.set_password(user, user.id, new)

    def sign_in(self, user_id: str, password: str) -> tuple[str, User]:
        """Check a password; on success return (session token secret, user)."""
        user = db.user_by_id(self._store, user_id) if USER_ID.fullmatch(user_id) else None
        if user is None:
            _verify(_DUMMY_HASH, password)
            digest = self._fingerprint(user_id)  # keyed: what was typed may be a password
            self._failed(None, {"reason": "unknown_user", "user_id_hash": digest})
            raise AuthenticationError(SIGN_IN_FAILED)
        creds = db.credentials(self._store, user.id)
        now = self._now()
        refusal = _refusal(creds, now)
        if refusal is not None:
            _verify(_DUMMY_HASH, password)
            self._failed(user, {"reason": refusal})
            raise AuthenticationError(SIGN_IN_FAILED)
        assert creds is not None and creds.password_hash is not None  # _refusal checked both
        if not _verify(creds.password_hash, password):
            self._bad_password(user, now)
            raise AuthenticationError(SIGN_IN_FAILED)
        if _hasher.check_needs_rehash(creds.password_hash):
            db.set_password_hash(self._store, user.id, _hasher.hash(password), now)
        db.clear_failures(self._store, user.id)
        secret, record = self._tokens.issue_token(
            user, user, "ui session", kind="session",
            expires_at=(now + timedelta(hours=SESSION_HOURS)).replace(tzinfo=UTC),
        )  # fmt: skip
        self._audit("login", user, {"method": "password", "session": record.token_id})
        return secret, user

    def _bad_password(self, user: User, now: datetime) -> None:
        until = now + timedelta(minutes=LOCKOUT_MINUTES)
        failures = db.record_failure(self._store, user.id, MAX_FAILURES, until)
        self._failed(user, {"reason": "bad_password", "failures": failures})
        if failures >= MAX_FAILURES:
            self._audit(
                "user_change", user,
                {"action": "lockout", "user": user.id, "failures": failures,
                 "until": until.isoformat() + "Z"},
                outcome="denied",
            )  # fmt: skip

    def _failed(self, user: User | None, subject: dict[str, object]) -> None:
        self._audit("login", user, {"method": "password", **subject}, outcome="failure")

    def _now(self) -> datetime:
        return naive_utc(self._clock())

    # --- user administration -----------------------------------------------------------------
    def create_user(
        self, actor: User, user_id: str, agency_id: str, name: str, role: str,
        password: str | None = None,
    ) -> User:  # fmt: skip
        """A new user. Agency admins create officers, supervisors and admins of their own
        agency; auditors (who read every agency's audit) are created by the operator (CLI)."""
        if not USER_ID.fullmatch(user_id) or user_id in RESERVED_IDS:
            raise ValidationError(
                "user_id: 2-64 of a-z 0-9 . _ - (starting with a letter or digit), not reserved",
                {"field": "user_id"},
            )
        if role not in ROLES:
            raise ValidationError(f"role: one of {', '.join(ROLES)}", {"field": "role"})
        if actor is not OPERATOR and (agency_id != actor.agency_id or role == "auditor"):
            raise ForbiddenError("agency admins create officers, supervisors and admins of their "
                                 "own agency; auditors are created by the operator")  # fmt: skip
        if self._store.agency(AgencyId(agency_id)) is None:
            raise NotFoundError(f"no agency {agency_id!r}", {"field": "agency_id"})
        if not 1 <= len(name.strip()) <= 200:
            raise ValidationError("name: 1 to 200 characters", {"field": "name"})
        if password is not None:
            check_password_strength(password)
        if db.user_by_id(self._store, user_id) is not None:
            raise ConflictError(f"user {user_id!r} already exists", {"field": "user_id"})
        user = User(UserId(user_id), AgencyId(agency_id), name.strip(), _role(role))
        self._audit(
            "user_change", actor,
            {"action": "create", "user": user.id, "agency": agency_id, "role": role},
        )  # fmt: skip
        self._store.upsert_users([user])
        if password is not None:
            db.set_password_hash(self._store, user.id, _hasher.hash(password), self._now())
        return user

    def set_disabled(self, actor: User, user_id: str, disabled: bool) -> User:
        """Lock (disable: no sign-in, no token works) or unlock an account; unlocking also
        clears a failure lockout."""
        user = self._tokens.target_user(actor, user_id)
        if user.id == actor.id:
            raise ForbiddenError("you cannot lock or unlock your own account")
        action = "lock" if disabled else "unlock"
        self._audit("user_change", actor, {"action": action, "user": user.id})
        db.set_disabled(self._store, user.id, disabled)
        if disabled:
            db.revoke_tokens_of(self._store, user.id, "session")
        return user

    def statuses(self, actor: User) -> list[AccountStatus]:
        """Accounts the actor may see: their agency's (all for the operator)."""
        creds = db.all_credentials(self._store)
        now = self._now()
        out = []
        for user in self._store.users():
            if actor is not OPERATOR and user.agency_id != actor.agency_id:
                continue
            c = creds.get(user.id)
            out.append(AccountStatus(
                user, bool(c and c.password_hash), c.failed_count if c else 0,
                c.locked_until if c and c.locked_until and c.locked_until > now else None,
                bool(c and c.disabled),
            ))  # fmt: skip
        return out


def _refusal(creds: db.Credentials | None, now: datetime) -> str | None:
    if creds is None or creds.password_hash is None:
        return "no_password"
    if creds.disabled:
        return "disabled"
    if creds.locked_until is not None and creds.locked_until > now:
        return "locked"
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _role(role: str) -> Role:
    if role not in ROLES:
        raise ValidationError(f"role: one of {', '.join(ROLES)}", {"field": "role"})
    return cast(Role, role)
