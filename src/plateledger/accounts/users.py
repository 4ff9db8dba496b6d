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

from plateledger.accounts import manage
from plateledger.accounts.base import AccountsStore
from plateledger.accounts.throttle import SignInThrottle, SignInThrottled
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
        self.throttle = SignInThrottle()  # failed sign-ins per client address

    def set_password(
        self, actor: User, user_id: str, password: str, *, keep_tokens: bool = False
    ) -> User:
        """Set (or reset) a password: the user themself, a manager of theirs, or the CLI.
        Clears failures and lockout and ends the user's UI sessions; replacing a password also
        revokes the user's API tokens unless ``keep_tokens`` (recorded in the audit entry)."""
        user = self._tokens.target_user(actor, user_id, "password")
        check_password_strength(password)
        action = "password_change" if actor.id == user.id else "password_reset"
        had = db.credentials(self._store, user.id)
        revoke_api = had is not None and had.password_hash is not None and not keep_tokens
        self._audit(
            "user_change",
            actor,
            {"action": action, "user": user.id, "api_tokens": "revoked" if revoke_api else "kept"},
        )
        db.set_password_hash(self._store, user.id, _hasher.hash(password), self._now())
        db.revoke_tokens_of(self._store, user.id, None if revoke_api else "session")
        return user

    def change_own_password(
        self, user: User, current: str, new: str, *, keep_tokens: bool = False
    ) -> None:
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
        self.set_password(user, user.id, new, keep_tokens=keep_tokens)

    def sign_in(self, user_id: str, password: str, client: str | None = None) -> tuple[str, User]:
        """Check a password; on success return (session token secret, user). ``client`` (the
        caller's address): refused with ``SignInThrottled`` (429) after too many failures from
        it, whatever the user ids; the failure that starts a block is audited."""
        if client is not None and (wait := self.throttle.retry_after(client)):
            raise SignInThrottled(wait)
        try:
            return self._sign_in(user_id, password)
        except AuthenticationError:
            if client is not None and self.throttle.failed(client):
                self._failed(None, {"reason": "client_throttled",
                                    "client_hash": self._fingerprint(client),
                                    "failures": self.throttle.max_failures,
                                    "window_s": int(self.throttle.window_s)})  # fmt: skip
            raise

    def _sign_in(self, user_id: str, password: str) -> tuple[str, User]:
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
        """A new user, of a role the actor manages in its own agency (``manage.decide``):
        auditors (who read every agency's audit) are created by the operator (CLI). An agency
        admin's new ids live in the agency's namespace (``<agency id>.<name>``), which no other
        agency's user can hold: a taken id then only ever names a user of the own agency."""
        if not USER_ID.fullmatch(user_id) or user_id in RESERVED_IDS:
            raise ValidationError(
                "user_id: 2-64 of a-z 0-9 . _ - (starting with a letter or digit), not reserved",
                {"field": "user_id"},
            )
        self._check_namespace(actor, user_id, agency_id)
        if role not in ROLES:
            raise ValidationError(f"role: one of {', '.join(ROLES)}", {"field": "role"})
        proposed = User(UserId(user_id), AgencyId(agency_id), name.strip(), _role(role))
        decision = manage.decide(actor, proposed, "create")
        if not decision:
            raise ForbiddenError(f"you may not create this user: {decision.reason}")
        if self._store.agency(AgencyId(agency_id)) is None:
            raise NotFoundError(f"no agency {agency_id!r}", {"field": "agency_id"})
        if not 1 <= len(name.strip()) <= 200:
            raise ValidationError("name: 1 to 200 characters", {"field": "name"})
        if password is not None:
            check_password_strength(password)
        if db.user_by_id(self._store, user_id) is not None:
            raise ConflictError(f"user id {user_id!r} is not available", {"field": "user_id"})
        user = proposed
        self._audit(
            "user_change", actor,
            {"action": "create", "user": user.id, "agency": agency_id, "role": role},
        )  # fmt: skip
        self._store.upsert_users([user])
        if password is not None:
            db.set_password_hash(self._store, user.id, _hasher.hash(password), self._now())
        return user

    def _check_namespace(self, actor: User, user_id: str, agency_id: str) -> None:
        """Admins create ids under ``<agency>.`` only; nobody creates an id under another
        existing agency's prefix (so a 409 never confirms another agency's user)."""
        prefix, dot, _ = user_id.partition(".")
        foreign = dot and prefix != agency_id and self._store.agency(AgencyId(prefix)) is not None
        if foreign or (actor is not OPERATOR and not user_id.startswith(f"{agency_id}.")):
            raise ValidationError(
                f"user_id: new users of this agency are named {agency_id}.<name>",
                {"field": "user_id"},
            )

    def set_disabled(self, actor: User, user_id: str, disabled: bool) -> User:
        """Lock (disable: no sign-in, no token works) or unlock an account; unlocking also
        clears a failure lockout."""
        user = self._tokens.target_user(actor, user_id, "lock")
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
