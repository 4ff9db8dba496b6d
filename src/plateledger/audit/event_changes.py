"""Audit event types for changes and access: sharing, hotlists, users, tokens, configuration,
sign-ins and token use. See ``event_base`` for how a type is declared and documented."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from plateledger.audit.event_base import ABSENT, Absent, AuditSubject, register


@register
@dataclass(frozen=True, slots=True)
class SharingChange(AuditSubject):
    """An agency admin changed who may search the agency's networks.

    `action` is `add` or `revoke` for a sharing agreement (the agreement's fields follow, and the
    entry's `networks` is the shared network), `declaration` for a filed declaration (`id`,
    `state`, `kind`, `signed_at`, `document_ref`; pending, its `networks` are those of every
    owner in the state), or `declaration_accept` / `declaration_reject` for an owner's decision
    on one (its `networks` are the deciding owner's). Each carries `before` and `after`.

    action: `add`, `revoke`, `declaration`, `declaration_accept` or `declaration_reject`.
    id: the agreement's or declaration's id.
    network_id: the network the agreement shares.
    grantee_kind: who the agreement grants: `agency`, `state`, `radius` or `national`.
    grantee: the agency id or state code granted; null for radius and national grants.
    radius_km: the radius of a radius grant, else null.
    purposes: the purpose codes or classes the agreement allows (empty: every lawful purpose).
    created_by: the user who made the agreement.
    created_at: when the agreement was made (ISO 8601).
    expires_at: when the agreement expires (ISO 8601), or null for never.
    revoked_at: when the agreement was revoked (ISO 8601), or null.
    active: whether the agreement was in force at the time of the entry.
    description: the agreement in words, as the admin pages show it.
    note: the admin's note on the agreement.
    state: the state a declaration is filed for.
    kind: the declaration kind: `written_declaration` or `judicial_warrant_policy`.
    signed_at: when the declaration was signed (ISO 8601).
    document_ref: the declaration's document reference.
    status: a declaration's status after the change: `pending`, `accepted` or `rejected`.
    owner_agency: the owner agency that accepted or rejected a declaration.
    before: the agreement or declaration before the change (null when it did not exist).
    after: the agreement or declaration after the change.
    """

    event_type: ClassVar[str] = "sharing_change"
    action: str
    id: str
    network_id: str | None = None
    grantee_kind: str | None = None
    grantee: str | None | Absent = ABSENT
    radius_km: float | None | Absent = ABSENT
    purposes: Sequence[str] | None = None
    created_by: str | None = None
    created_at: str | None = None
    expires_at: str | None | Absent = ABSENT
    revoked_at: str | None | Absent = ABSENT
    active: bool | None = None
    description: str | None = None
    note: str | None = None
    state: str | None = None
    kind: str | None = None
    signed_at: str | None = None
    document_ref: str | None = None
    status: str | None = None
    owner_agency: str | None = None
    before: Mapping[str, Any] | None | Absent = ABSENT
    after: Mapping[str, Any] | None | Absent = ABSENT


@register
@dataclass(frozen=True, slots=True)
class HotlistChange(AuditSubject):
    """A hotlist, its entries, a subscription or an alert was changed.

    For lists, entries and subscriptions (`entity` `hotlist`, `entry`, `subscription`) the
    subject names the list and says what changed; for an alert (`entity` `alert`) it names the
    alert, the read and the entry, with the officer's checks or disposition. Ids only: plates
    are never in the subject.

    action: what was done: `create`, `update`, `retire`, `add`, `import`, `expire`, `subscribe`,
      `unsubscribe`, `verify` or `disposition`.
    entity: what was changed: `hotlist`, `entry`, `subscription` or `alert`.
    hotlist_id: the list's id.
    hotlist: the list's name.
    details: the change in words (a refused subscription: the reason it was refused).
    entries: ids of the entries changed (at most 1000).
    entry_count: how many entries were changed.
    alert_id: the alert's id.
    read_id: the read that raised the alert.
    entry_id: the hotlist entry the read matched.
    characters_match: the officer confirmed the plate characters match.
    state_match: the officer confirmed the plate state matches.
    entry_active: the officer confirmed the entry is still active.
    entry_active_now: whether the entry was in fact active at verification.
    status: the alert's status after verification: `verified` or `rejected`.
    disposition: the officer's disposition of the alert (e.g. `confirmed`, `misread`).
    """

    event_type: ClassVar[str] = "hotlist_change"
    action: str
    entity: str
    hotlist_id: str
    hotlist: str | None = None
    details: str | None = None
    entries: Sequence[str] | None = None
    entry_count: int | None = None
    alert_id: str | None = None
    read_id: int | None = None
    entry_id: str | None = None
    characters_match: bool | None = None
    state_match: bool | None = None
    entry_active: bool | None = None
    entry_active_now: bool | None = None
    status: str | None = None
    disposition: str | None = None


@register
@dataclass(frozen=True, slots=True)
class HotlistAlert(AuditSubject):
    """A hotlist entry matched a read: the alert raised, or refused by the camera owner's law.

    Written before the alert is stored or delivered, under the camera owner's agency, with the
    camera's network in the entry's `networks`, so it is in that owner's network audit. On
    another agency's camera the decision is the list owner searching that network for the
    entry's reason (`decision` `allow`: raised; `deny` or `hold`: no alert, outcome `denied`).
    Ids only: plates are never in the subject.

    alert_id: the alert's id (null when no alert was raised).
    read_id: the read that matched.
    hotlist_id: the list's id.
    entry_id: the entry the read matched.
    camera_id: the camera that read the plate.
    list_owner: the agency that owns the list.
    camera_owner: the agency that owns the camera (and receives the alert).
    decision: `allow`, `hold` or `deny`.
    rule_ids: the rules that decided.
    owner_informed: whether the camera owner's sharing lets the list owner learn of it.
    """

    event_type: ClassVar[str] = "hotlist_alert"
    alert_id: str | None
    read_id: int
    hotlist_id: str
    entry_id: str
    camera_id: str
    list_owner: str
    camera_owner: str
    decision: str
    rule_ids: Sequence[str] | None = None
    owner_informed: bool | None = None


@register
@dataclass(frozen=True, slots=True)
class UserChange(AuditSubject):
    """A user account was created, locked, unlocked or had its password set.

    action: `create`, `password_change` (by the user), `password_reset` (by an admin or the
      CLI), `lock`, `unlock`, or `lockout` (too many failed sign-ins; outcome `denied`).
    user: the account's user id.
    agency: the new user's agency (`create`).
    role: the new user's role (`create`).
    failures: consecutive failed sign-ins (`lockout`).
    until: when the lockout ends (`lockout`, ISO 8601 UTC).
    api_tokens: `revoked` or `kept` (`password_change`, `password_reset`): whether the user's
      API tokens were revoked with the old password (kept: there was no password before, or
      the actor asked to keep them with `keep_tokens`). UI sessions end either way.
    """

    event_type: ClassVar[str] = "user_change"
    action: str
    user: str
    agency: str | None = None
    role: str | None = None
    failures: int | None = None
    until: str | None = None
    api_tokens: str | None = None


@register
@dataclass(frozen=True, slots=True)
class TokenChange(AuditSubject):
    """An API token was issued or revoked.

    action: `issue` or `revoke`.
    for_user: the user the token acts for.
    token: the token's id (a prefix of its hash; never the token itself).
    label: the token's label (`issue`).
    scopes: the scopes the token is narrowed to, or `all` (`issue` through the API).
    expires_at: when the token expires (ISO 8601), or null for never (`issue` through the API).
    via_token: the id of the API token the issuing request came with, or null when it came
      from a UI session or the CLI (`issue`).
    """

    event_type: ClassVar[str] = "token_change"
    action: str
    for_user: str
    token: str
    label: str | None = None
    scopes: Sequence[str] | str | None = None
    expires_at: str | None | Absent = ABSENT
    via_token: str | None = None


@register
@dataclass(frozen=True, slots=True)
class ConfigChange(AuditSubject):
    """An agency admin changed a setting: agency policy, a camera, retention or a webhook.

    action: `agency_policy`, `camera_register`, `camera_update`, `camera_activate`,
      `camera_retire`, `retention`, `daily_read_ceiling`, `webhook_add`, `webhook_revoke` or
      `webhook_private_networks`.
    require_specific_reason: the agency requires specific reasons (`agency_policy`).
    prohibited_purposes: purposes the agency forbids on its data (`agency_policy`).
    protected_activity: what a reason whose subject is protected activity gets on the agency's
      data and searches: `deny` (the floor) or `hold` for a supervisor (`agency_policy`).
    previous_policy: the agency policy before the change (`require_specific_reason`,
      `prohibited_purposes`, `protected_activity`), or null when none was set (`agency_policy`).
    camera_id: the camera's id (camera actions).
    network_id: the camera's network (`camera_register`, `camera_update`).
    name: the camera's name.
    lat: the camera's latitude.
    lon: the camera's longitude.
    heading: the camera's heading in degrees, or null when unknown.
    mobile: whether the camera is a mobile unit.
    retention_days: the new retention setting in days, or null to follow the statute alone.
    previous: the retention setting (or daily read ceiling) before the change, or null.
    daily_read_ceiling: reads a user of the agency may be returned per UTC day before searches
      are held for a supervisor, or null to follow the default (`daily_read_ceiling`).
    webhook_id: the webhook's id (`webhook_add`, `webhook_revoke`).
    url: where the webhook delivers alerts (`webhook_add`, `webhook_revoke`): the whole URL
      without user info and with query values and path segments that look like secrets
      replaced by `REDACTED` (earlier entries: `scheme://host[:port]` only).
    private_networks: the private address ranges (CIDR) the agency's webhooks may reach
      (`webhook_private_networks`).
    previous_networks: the allow-list before the change (`webhook_private_networks`).
    """

    event_type: ClassVar[str] = "config_change"
    action: str
    require_specific_reason: bool | None = None
    prohibited_purposes: Sequence[str] | None = None
    protected_activity: str | None = None
    previous_policy: Mapping[str, Any] | None | Absent = ABSENT
    camera_id: str | None = None
    network_id: str | None = None
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    heading: float | None | Absent = ABSENT
    mobile: bool | None = None
    retention_days: int | None | Absent = ABSENT
    previous: int | None | Absent = ABSENT
    daily_read_ceiling: int | None | Absent = ABSENT
    webhook_id: str | None = None
    url: str | None = None
    private_networks: Sequence[str] | None = None
    previous_networks: Sequence[str] | None = None


@register
@dataclass(frozen=True, slots=True)
class Login(AuditSubject):
    """Someone signed in, or failed to (outcome `failure`).

    A failed password sign-in has `method` and `reason`; an unknown or revoked API token has
    only `token`.

    method: how: `password`.
    session: the id of the UI session token issued (success).
    reason: why it failed: `unknown_user`, `no_password`, `disabled`, `locked`, `bad_password`;
      `client_throttled`: this failure was the one past which the client address is refused
      (429) for the rest of the window, whatever the user ids.
    via: `password_change` when the failure was a wrong current password on a password change.
    user_id_hash: a keyed fingerprint (HMAC-SHA256, 16 hex digits, the key kept outside the log)
        of an unknown user id: repeats link, the text cannot be guessed from the log.
    failures: consecutive failed sign-ins so far (`bad_password`); the client's failures in
      the window (`client_throttled`).
    token: a keyed fingerprint (as `user_id_hash`) of a refused API token.
    client_hash: a keyed fingerprint (as `user_id_hash`) of the throttled client address.
    window_s: the throttling window in seconds (`client_throttled`).
    """

    event_type: ClassVar[str] = "login"
    method: str | None = None
    session: str | None = None
    reason: str | None = None
    via: str | None = None
    user_id_hash: str | None = None
    failures: int | None = None
    token: str | None = None
    client_hash: str | None = None
    window_s: int | None = None


@register
@dataclass(frozen=True, slots=True)
class TokenUse(AuditSubject):
    """An API token was presented and accepted.

    token: the first 12 hex digits of the token's SHA-256 (never the token itself).
    """

    event_type: ClassVar[str] = "token_use"
    token: str


@register
@dataclass(frozen=True, slots=True)
class AssistRequest(AuditSubject):
    """A supervisor or admin recorded (or revoked) another agency's request for help.

    A search on behalf of another agency is held unless the searcher's agency has a live assist
    request from that agency (docs/policy.md, "Searching on behalf of another agency"). The
    entry is written for the helping agency's user; `on_behalf_of` names the agency that asked,
    so the assist is in both agencies' organisation audits.

    action: `create` or `revoke`.
    id: the assist request's id.
    on_behalf_of: the agency that asked for help (searches under this assist name it).
    case_number: the requesting agency's case number.
    own_case_number: the helping agency's own case number for the assist, if it has one.
    requested_by: who asked: a name and contact, as given.
    requested_at: when they asked (ISO 8601).
    expires_at: when the assist request stops covering searches (ISO 8601).
    revoked_at: when it was revoked (ISO 8601); set for `revoke`.
    note: the recorder's note.
    """

    event_type: ClassVar[str] = "assist_request"
    action: str
    id: str
    on_behalf_of: str
    case_number: str
    expires_at: str
    own_case_number: str | None = None
    requested_by: str | None = None
    requested_at: str | None = None
    revoked_at: str | None = None
    note: str | None = None


@register
@dataclass(frozen=True, slots=True)
class AuditRecovery(AuditSubject):
    """The operator reopened an audit log that had lost entries a signed checkpoint covered.

    Written by `plateledger audit recover` after the log refused to open: the entries from
    `lost_from` up to `checkpoint_size` were missing or damaged and are gone. The signed
    checkpoint of `checkpoint_size` stays in the published history, so every verifier and
    witness that saw it sees this log fail its consistency check; this entry says why. The
    user is `operator`.

    lost_from: the index of the first entry lost (the log holds the entries before it).
    checkpoint_size: the size of the largest checkpoint signed before the loss.
    checkpoint_root: that checkpoint's root hash (hex).
    note: the operator's account of what happened.
    """

    event_type: ClassVar[str] = "audit_recovery"
    lost_from: int
    checkpoint_size: int
    checkpoint_root: str
    note: str


@register
@dataclass(frozen=True, slots=True)
class KeyRotation(AuditSubject):
    """The operator replaced the log's checkpoint signing key (`plateledger audit rotate-key`).

    The checkpoint that covers this entry is signed by the old key and by the new key, and the
    rotation note (in `GET /api/v1/audit/keys` and every bundle's `key-history.json`) is signed by
    both: a verifier who pinned either key accepts the other from that size on, and no other
    key. The user is `operator`.

    old_key: the retired key (vkey line).
    new_key: the key that signs from now on (vkey line).
    """

    event_type: ClassVar[str] = "key_rotation"
    old_key: str
    new_key: str
