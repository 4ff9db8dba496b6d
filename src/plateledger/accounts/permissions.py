"""Who may do what: the permission each route of the API and of the web UI needs.

One table for both faces, in the vocabulary of ``accounts/roles.yaml``. The API checks it for
every authenticated request (``api.auth.current_user``), the UI for every page and form
(``web.common.require_user``), against the caller's effective permissions (role, narrowed by
token scopes). Object-level rules (own agency, own search, the owner of a list) are checked by
the services behind the routes. An API route missing here is refused to scoped tokens and
checked by its own dependency only; a UI route missing here is refused to everyone. The
authorization matrix test (tests/security/test_auth_matrix.py) fails for any API route not
listed, tests/web/test_ui_permissions.py for any UI route.
"""

from __future__ import annotations

from collections.abc import Mapping

V1 = "/api/v1"

# Routes anyone may call (no token): the permission the `public` role grants for them.
PUBLIC_ROUTES: Mapping[str, str] = {
    f"GET {V1}/health": "meta.read",
    f"GET {V1}/audit/public-key": "audit.verify",
    f"GET {V1}/audit/keys": "audit.verify",
    f"GET {V1}/audit/checkpoint": "audit.verify",
    # hashes only: what a verifier or a witness needs to check the log only grew
    f"GET {V1}/audit/consistency": "audit.verify",
    # witnesses: a cosignature is its own authentication; cosigned checkpoints are hashes only
    f"POST {V1}/audit/cosignatures": "audit.verify",
    f"GET {V1}/audit/checkpoint/cosigned": "audit.verify",
    f"GET {V1}/audit/checkpoints/{{size}}": "audit.verify",
}

ROUTE_PERMISSIONS: Mapping[str, str] = {
    f"GET {V1}/agencies": "registry.read",
    f"GET {V1}/cameras": "registry.read",
    f"GET {V1}/stats": "store.stats",
    f"POST {V1}/cameras": "registry.manage",
    f"PATCH {V1}/cameras/{{camera_id}}": "registry.manage",
    f"POST {V1}/reads": "reads.ingest",
    f"POST {V1}/cameras/{{camera_id}}/events": "reads.ingest",
    f"GET {V1}/crops/{{sha}}": "search.run",
    f"POST {V1}/searches": "search.run",
    f"GET {V1}/plates/{{plate}}/timeline": "search.run",
    f"POST {V1}/searches/convoy": "search.run",
    f"POST {V1}/searches/multi-place": "search.run",
    f"POST {V1}/searches/frequent-visitor": "search.run",
    f"GET {V1}/searches/{{search_id}}/hold": "holds.read",
    f"POST {V1}/searches/{{search_id}}/approve": "holds.decide",
    f"POST {V1}/searches/{{search_id}}/reject": "holds.decide",
    f"POST {V1}/searches/{{search_id}}/resume": "search.run",
    f"GET {V1}/holds/mine": "search.run",
    f"POST {V1}/legal-hold-requests": "search.run",
    f"GET {V1}/legal-hold-requests": "sharing.manage",
    f"POST {V1}/legal-hold-requests/{{request_id}}/place": "sharing.manage",
    f"POST {V1}/legal-hold-requests/{{request_id}}/decline": "sharing.manage",
    f"POST {V1}/networks/{{network_id}}/sharing": "sharing.manage",
    f"GET {V1}/networks/{{network_id}}/sharing": "sharing.read",
    f"DELETE {V1}/networks/{{network_id}}/sharing/{{agreement_id}}": "sharing.manage",
    f"GET {V1}/networks/{{network_id}}/access": "sharing.read",
    f"POST {V1}/agencies/{{agency_id}}/declarations": "sharing.manage",
    f"GET {V1}/agencies/{{agency_id}}/declarations/received": "sharing.manage",
    f"POST {V1}/declarations/{{declaration_id}}/accept": "sharing.manage",
    f"POST {V1}/declarations/{{declaration_id}}/reject": "sharing.manage",
    f"PUT {V1}/agencies/{{agency_id}}/policy": "sharing.manage",
    f"GET {V1}/agencies/{{agency_id}}/analysis-policy": "sharing.read",
    f"PUT {V1}/agencies/{{agency_id}}/analysis-policy": "sharing.manage",
    f"GET {V1}/agencies/{{agency_id}}/read-ceiling": "sharing.read",
    f"PUT {V1}/agencies/{{agency_id}}/read-ceiling": "sharing.manage",
    f"POST {V1}/assists": "assists.manage",
    f"GET {V1}/assists": "holds.read",
    f"POST {V1}/assists/{{assist_id}}/revoke": "assists.manage",
    f"GET {V1}/audit/entries/{{index}}": "audit.read",
    f"GET {V1}/audit/entries/{{index}}/proof": "audit.read",
    f"GET {V1}/audit/networks/{{network_id}}": "audit.views",
    f"GET {V1}/audit/organizations/{{agency_id}}": "audit.views",
    f"GET {V1}/audit/mine": "audit.read",
    f"GET {V1}/hotlists": "hotlists.read",
    f"POST {V1}/hotlists": "hotlists.manage",
    f"GET {V1}/hotlists/stats": "hotlists.stats",
    f"GET {V1}/hotlists/events": "hotlists.manage",
    f"GET {V1}/hotlists/{{hotlist_id}}": "hotlists.read",
    f"PATCH {V1}/hotlists/{{hotlist_id}}": "hotlists.manage",
    f"DELETE {V1}/hotlists/{{hotlist_id}}": "hotlists.manage",
    f"POST {V1}/hotlists/{{hotlist_id}}/entries": "hotlists.manage",
    f"GET {V1}/hotlists/{{hotlist_id}}/entries": "hotlists.read",
    f"PATCH {V1}/hotlists/{{hotlist_id}}/entries/{{entry_id}}": "hotlists.manage",
    f"POST {V1}/hotlists/{{hotlist_id}}/entries/{{entry_id}}/expire": "hotlists.manage",
    f"POST {V1}/hotlists/{{hotlist_id}}/import": "hotlists.manage",
    f"POST {V1}/hotlists/{{hotlist_id}}/subscriptions": "hotlists.manage",
    f"DELETE {V1}/hotlists/{{hotlist_id}}/subscriptions": "hotlists.manage",
    f"GET {V1}/alerts": "alerts.read",
    f"GET {V1}/alerts/stream": "alerts.read",
    f"GET {V1}/alerts/{{alert_id}}": "alerts.read",
    f"POST {V1}/alerts/{{alert_id}}/verify": "alerts.verify",
    f"POST {V1}/alerts/{{alert_id}}/disposition": "alerts.verify",
    f"POST {V1}/webhooks": "webhooks.manage",
    f"GET {V1}/webhooks": "webhooks.manage",
    f"DELETE {V1}/webhooks/{{webhook_id}}": "webhooks.manage",
    f"GET {V1}/webhooks/private-networks": "webhooks.manage",
    f"PUT {V1}/webhooks/private-networks": "webhooks.manage",
    # accounts (api/routes_accounts.py)
    f"GET {V1}/me": "account.read",
    f"POST {V1}/me/password": "account.self",
    f"GET {V1}/me/tokens": "account.self",
    f"POST {V1}/me/tokens": "account.self",
    f"DELETE {V1}/me/tokens/{{token_id}}": "account.self",
    f"GET {V1}/roles": "registry.read",
    f"GET {V1}/users": "users.read",
    f"POST {V1}/users": "users.manage",
    f"POST {V1}/users/{{user_id}}/password": "users.manage",
    f"POST {V1}/users/{{user_id}}/lock": "users.manage",
    f"POST {V1}/users/{{user_id}}/unlock": "users.manage",
    f"GET {V1}/users/{{user_id}}/tokens": "users.read",
    f"POST {V1}/users/{{user_id}}/tokens": "users.manage",
    f"DELETE {V1}/users/{{user_id}}/tokens/{{token_id}}": "users.manage",
}


UI = "/ui"

# Pages and forms of the web UI (``web/routes_*.py``, mounted under /ui). The sign-in pages are
# public; ``/`` and sign-out need a session only (every role has a home page).
UI_PUBLIC_ROUTES = frozenset({f"GET {UI}/signin", f"POST {UI}/signin"})
UI_SESSION_ROUTES = frozenset({f"GET {UI}/", f"POST {UI}/signout"})
UI_ROUTE_PERMISSIONS: Mapping[str, str] = {
    # investigators: search, timelines, resuming an approved search, the live alert queue
    f"GET {UI}/search": "search.run",
    f"POST {UI}/search": "search.run",
    f"POST {UI}/timeline": "search.run",
    f"GET {UI}/analyses": "search.run",
    f"POST {UI}/analyses/{{kind}}": "search.run",
    f"POST {UI}/holds/{{search_id}}/resume": "search.run",
    f"GET {UI}/requests": "search.run",
    f"POST {UI}/legal-hold-requests": "search.run",
    f"GET {UI}/alerts": "alerts.verify",
    f"GET {UI}/alerts/stream": "alerts.verify",
    f"GET {UI}/alerts/{{alert_id}}/card": "alerts.verify",
    f"POST {UI}/alerts/{{alert_id}}/verify": "alerts.verify",
    f"POST {UI}/alerts/{{alert_id}}/disposition": "alerts.verify",
    # supervisors: the held-search queue
    f"GET {UI}/holds": "holds.decide",
    f"POST {UI}/holds/{{search_id}}/decide": "holds.decide",
    # agency admins
    f"GET {UI}/admin": "agency.admin",
    f"GET {UI}/admin/cameras": "registry.manage",
    f"POST {UI}/admin/cameras": "registry.manage",
    f"POST {UI}/admin/cameras/{{camera_id}}/active": "registry.manage",
    f"GET {UI}/admin/retention": "sharing.manage",
    f"POST {UI}/admin/retention": "sharing.manage",
    f"POST {UI}/admin/legal-holds": "sharing.manage",
    f"POST {UI}/admin/legal-holds/release": "sharing.manage",
    f"POST {UI}/admin/legal-hold-requests/{{request_id}}/decide": "sharing.manage",
    f"GET {UI}/admin/hotlists": "hotlists.manage",
    f"POST {UI}/admin/hotlists/{{hotlist_id}}/subscription": "hotlists.manage",
    f"GET {UI}/admin/webhooks": "webhooks.manage",
    f"POST {UI}/admin/webhooks": "webhooks.manage",
    f"POST {UI}/admin/webhooks/{{webhook_id}}/revoke": "webhooks.manage",
    f"POST {UI}/admin/webhooks/private-networks": "webhooks.manage",
    f"GET {UI}/admin/sharing": "sharing.manage",
    f"POST {UI}/admin/sharing": "sharing.manage",
    f"POST {UI}/admin/sharing/{{network_id}}/{{agreement_id}}/revoke": "sharing.manage",
    f"POST {UI}/admin/declarations": "sharing.manage",
    f"POST {UI}/admin/declarations/{{declaration_id}}/decide": "sharing.manage",
    f"POST {UI}/admin/policy": "sharing.manage",
    f"POST {UI}/admin/analysis-policy": "sharing.manage",
    f"GET {UI}/admin/access": "sharing.manage",
    f"GET {UI}/admin/users": "users.read",
    f"POST {UI}/admin/tokens": "users.manage",
    f"POST {UI}/admin/tokens/{{token_id}}/revoke": "users.manage",
    f"POST {UI}/admin/users": "users.manage",
    f"POST {UI}/admin/users/{{user_id}}/account": "users.manage",
    # auditors and agency admins: the audit log, entry proofs, the live oversight checks
    f"GET {UI}/audit": "audit.browse",
    f"GET {UI}/audit/entries/{{index}}": "audit.browse",
    f"GET {UI}/audit/oversight": "audit.browse",
}


def ui_route_key(method: str, path: str) -> str:
    """``"GET /ui/admin/users"`` for a UI route path relative to the /ui mount."""
    return f"{method.upper()} {UI}{path}"


def route_key(method: str, path: str) -> str:
    """``"GET /api/v1/hotlists/{hotlist_id}"`` for a route path with or without the prefix."""
    return f"{method.upper()} {path if path.startswith(V1) else V1 + path}"
