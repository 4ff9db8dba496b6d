"""Per-camera credentials: an ``ingest``-scoped API token bound to one camera.

The token belongs to a user of the camera's agency who may ingest reads (an agency admin), so
the ``ingest`` audit entries name that user; the binding (``camera_tokens``) lets the token post
events for that one camera only (``POST /api/v1/cameras/{camera_id}/events``). Revoking the
token (``plateledger users revoke-token``) ends it, as for any token.
"""

from __future__ import annotations

from plateledger.app.platform import Platform
from plateledger.domain.clock import utc_now
from plateledger.domain.types import OPERATOR
from plateledger.errors import NotFoundError, ValidationError
from plateledger.store.accounts import TokenRecord


def issue_camera_token(platform: Platform, camera_id: str, user_id: str) -> tuple[str, TokenRecord]:
    """A new token for ``user_id`` bound to ``camera_id`` (an active camera of the user's
    agency); the secret is returned once."""
    user = platform.tokens.target_user(OPERATOR, user_id)
    if camera_id not in platform.registry.cameras_of_agency(user.agency_id):
        raise NotFoundError(f"camera {camera_id!r}: no such camera of agency {user.agency_id}")
    if camera_id not in platform.registry.known_cameras():
        raise ValidationError(f"camera {camera_id!r} is retired", {"field": "camera_id"})
    secret, record = platform.tokens.issue_token(
        OPERATOR, user, f"camera {camera_id}"[:100], scopes=["ingest"]
    )
    platform.store.execute(
        "INSERT INTO camera_tokens VALUES (?, ?, ?)",
        [record.token_id, camera_id, utc_now().replace(tzinfo=None)],
    )
    return secret, record


def bound_camera(platform: Platform, token_id: str) -> str | None:
    """The camera a token is bound to, or None for an ordinary token."""
    rows = platform.store.execute(
        "SELECT camera_id FROM camera_tokens WHERE token_id = ?", [token_id]
    )
    return str(rows[0][0]) if rows else None
