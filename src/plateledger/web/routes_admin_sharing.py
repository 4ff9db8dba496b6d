"""Admin: sharing agreements and declarations on file (list, create, revoke), and "who can
search our data and why" — the policy engine's computation behind
``GET /api/v1/networks/{id}/access``. Same operations and validation as the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.domain.sharing import GRANTEE_KINDS
from plateledger.domain.types import US_STATES, User
from plateledger.errors import ValidationError
from plateledger.policy.purposes import PURPOSE_CLASSES, load_purposes
from plateledger.registry.agencies import own_networks
from plateledger.search.analysis_policy import KindSetting
from plateledger.search.analysis_tier import LABELS
from plateledger.sharing.agreements import ACCESS_PURPOSES, AgreementIn, agreement_out
from plateledger.web.common import Form, platform_of, require_user, time_field
from plateledger.web.routes_admin import admin_page, done, form_or_error

router = APIRouter(prefix="/admin")
DECLARATION_KINDS = ("written_declaration", "judicial_warrant_policy")


def _sharing_page(request: Request, user: User, status: int = 200, error: str = "") -> HTMLResponse:
    platform = platform_of(request)
    nets = own_networks(platform.store, user)
    ids = {n.id for n in nets}
    now = datetime.now(UTC)
    agreements = [agreement_out(a, now) for a in platform.store.agreements()
                  if a.network_id in ids]  # fmt: skip
    declarations = [d for d in platform.store.declarations() if d.agency_id == user.agency_id]
    return admin_page(
        request, user, "admin_sharing.html", status, error=error, networks=nets,
        agreements=sorted(agreements, key=lambda a: (not a["active"], a["created_at"])),
        declarations=declarations, now=now, grantee_kinds=GRANTEE_KINDS,
        purposes=list(load_purposes().values()), states=US_STATES,
        declaration_kinds=DECLARATION_KINDS,
        received=platform.sharing.declarations.received(user),
        agencies=sorted(platform.store.agencies(), key=lambda a: a.id),
        policy=platform.store.agency_policies().get(user.agency_id), classes=PURPOSE_CLASSES,
        analysis_policy=platform.analysis_policy.show(user, user.agency_id)["kinds"],
        analysis_labels=LABELS,
    )  # fmt: skip


@router.get("/sharing")
def sharing_page(request: Request) -> HTMLResponse:
    return _sharing_page(request, require_user(request))


def _agreement_in(form: Form) -> AgreementIn:
    """The API's AgreementBody bounds, then ``Sharing.add_agreement`` validates the rest."""
    grantee = form.opt("grantee")
    if grantee is not None and len(grantee) > 100:
        raise ValidationError("grantee: at most 100 characters", {"field": "grantee"})
    radius = None
    if form.get("radius_km"):
        try:
            radius = float(form.get("radius_km"))
        except ValueError:
            raise ValidationError("radius_km: not a number", {"field": "radius_km"}) from None
    purposes = form.all("purposes")
    if len(purposes) > 50:
        raise ValidationError("purposes: at most 50", {"field": "purposes"})
    note = form.get("note")
    if len(note) > 2000:
        raise ValidationError("note: at most 2000 characters", {"field": "note"})
    kind = form.get("grantee_kind")
    if kind in ("radius", "national"):
        grantee = None  # the form's grantee box is for agency and state agreements only
    elif kind == "state" and grantee:
        grantee = grantee.upper()
    return AgreementIn(kind, grantee, radius, tuple(purposes), time_field(form, "expires_at"), note)


@router.post("/sharing")
async def add_agreement(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        agreement = _agreement_in(form)
        network = form.get("network_id")
        await run_in_threadpool(
            platform_of(request).sharing.add_agreement, user, network, agreement
        )
        return done("sharing", "agreement")

    return await form_or_error(request, user, change, _sharing_page)


@router.post("/sharing/{network_id}/{agreement_id}/revoke")
async def revoke(request: Request, network_id: str, agreement_id: str) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        await run_in_threadpool(
            platform_of(request).sharing.revoke_agreement, user, network_id, agreement_id
        )
        return done("sharing", "revoked")

    return await form_or_error(request, user, change, _sharing_page)


@router.post("/declarations")
async def declare(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        state = form.get("state").upper()
        if len(state) != 2:
            raise ValidationError("state: a two-letter state code", {"field": "state"})
        ref = form.get("document_ref")
        if not 1 <= len(ref) <= 500:
            raise ValidationError("document_ref: 1 to 500 characters", {"field": "document_ref"})
        signed = time_field(form, "signed_at")
        if signed is None:
            raise ValidationError("signed_at: required", {"field": "signed_at"})
        await run_in_threadpool(
            platform_of(request).sharing.file_declaration, user, state, form.get("kind"),
            signed, time_field(form, "expires_at"), ref,
        )  # fmt: skip
        return done("sharing", "declaration")

    return await form_or_error(request, user, change, _sharing_page)


@router.post("/declarations/{declaration_id}/decide")
async def decide_declaration(request: Request, declaration_id: str) -> Response:
    """An owner's admin accepts or rejects a declaration filed for its state."""
    user = require_user(request)

    async def change(form: Form) -> Response:
        decision, note = form.get("decision"), form.get("note")
        if decision not in ("accept", "reject"):
            raise ValidationError("decision: accept or reject", {"field": "decision"})
        if not 1 <= len(note) <= 2000:
            raise ValidationError("note: 1 to 2000 characters", {"field": "note"})
        await run_in_threadpool(
            platform_of(request).sharing.declarations.decide, user, declaration_id,
            decision == "accept", note,
        )  # fmt: skip
        return done("sharing", f"declaration {decision}ed")

    return await form_or_error(request, user, change, _sharing_page)


@router.post("/policy")
async def set_policy(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        codes = form.all("prohibited") + form.get("other_prohibited").replace(",", " ").split()
        if len(codes) > 50:
            raise ValidationError("prohibited_purposes: at most 50", {"field": "prohibited"})
        await run_in_threadpool(
            platform_of(request).sharing.set_policy, user,
            form.get("require_specific_reason") == "1", tuple(dict.fromkeys(codes)),
            form.get("protected_activity") or "deny",
        )  # fmt: skip
        return done("sharing", "agency policy")

    return await form_or_error(request, user, change, _sharing_page)


@router.post("/analysis-policy")
async def set_analysis_policy(request: Request) -> Response:
    """One analysis kind's purposes (or the defaults) and hold, as ``PUT .../analysis-policy``."""
    user = require_user(request)

    async def change(form: Form) -> Response:
        kind = form.get("kind")
        codes = form.get("purposes").replace(",", " ").split()
        purposes = None if form.get("follow_default") == "1" else frozenset(codes)
        setting = KindSetting(purposes, form.get("waive_supervisor_hold") == "1")
        await run_in_threadpool(
            platform_of(request).analysis_policy.set, user, user.agency_id, {kind: setting}
        )
        return done("sharing", f"analysis policy ({kind.replace('_', '-')})")

    return await form_or_error(request, user, change, _sharing_page)


@router.get("/access")
def access(request: Request) -> HTMLResponse:
    user = require_user(request)
    platform = platform_of(request)
    nets = own_networks(platform.store, user)
    chosen = request.query_params.get("network") or (nets[0].id if nets else "")
    answer = platform.sharing.access(user, chosen) if chosen else None
    labels = {code: p.label for code, p in load_purposes().items()}
    rows = sorted(answer["who_can_search"], key=_most_allowed) if answer else []
    return admin_page(
        request, user, "admin_access.html", networks=nets, chosen=chosen, answer=answer,
        rows=rows, purpose_labels=labels, access_purposes=ACCESS_PURPOSES,
        allowed=[r for r in rows if _most_allowed(r)[0] < 0],
    )  # fmt: skip


def _most_allowed(row: dict[str, Any]) -> tuple[int, str]:
    """Agencies allowed for more purposes first, then by name."""
    allowed = sum(1 for d in row["purposes"].values() if d["decision"] == "allow")
    return -allowed, str(row["name"])
