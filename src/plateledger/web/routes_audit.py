"""Auditor pages: the log with filters and paging, one entry with its inclusion proof (checked
in the browser by ``static/proof.js`` against the published checkpoint and public key), the
oversight checks over the log, and links to the transparency portals.

Scoped like the API's audit views: auditors see every entry; an agency admin sees entries by
the agency's users or about its networks.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from plateledger.errors import ValidationError
from plateledger.oversight import browse as audit_browse
from plateledger.oversight.ceilings import near_ceilings
from plateledger.oversight.live import own_log_checks
from plateledger.policy.purposes import PURPOSE_CLASSES
from plateledger.web.common import platform_of, render, require_user

router = APIRouter(prefix="/audit")
API = "/api/v1/audit"


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name) in ("1", "on", "true")


def _page_number(request: Request) -> int:
    text = request.query_params.get("page") or "1"
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise ValidationError("page: a page number from 1", {"field": "page"})
    return int(text)


@router.get("")
async def log_page(request: Request) -> HTMLResponse:
    user = require_user(request)
    q = request.query_params
    filters = audit_browse.Filters(
        user=q.get("user", "").strip(), agency=q.get("agency", "").strip(),
        purpose_class=q.get("purpose_class", ""), flagged=_flag(request, "flagged"),
        denied=_flag(request, "denied"), access_events=_flag(request, "access"),
    )  # fmt: skip
    platform = platform_of(request)
    page = await run_in_threadpool(
        audit_browse.browse, user, filters, _page_number(request),
        audit_log=platform.audit, store=platform.store,
    )  # fmt: skip
    params = {k: v for k, v in q.items() if k != "page" and v}
    return render(
        request, "audit.html", user=user, page=page, filters=filters, params=params,
        purpose_classes=PURPOSE_CLASSES,
        agencies=sorted(platform.store.agencies(), key=lambda a: a.id),
    )  # fmt: skip


@router.get("/entries/{index}")
async def entry_page(request: Request, index: str) -> HTMLResponse:
    user = require_user(request)
    if not index.isdigit() or len(index) > 15:
        raise ValidationError("index: an entry number (0, 1, 2, ...)", {"field": "index"})
    platform = platform_of(request)
    found = await run_in_threadpool(
        audit_browse.entry_proof, user, int(index), audit_log=platform.audit, store=platform.store
    )
    return render(
        request, "audit_entry.html", user=user, e=found, api=API,
        entry_b64=base64.b64encode(found.canonical).decode(),
        note_b64=base64.b64encode(found.checkpoint_note.encode()).decode(),
        proof_hex=",".join(h.hex() for h in found.proof),
        root_b64=base64.b64encode(found.checkpoint.root).decode(),
    )  # fmt: skip


@router.get("/oversight")
async def oversight_page(request: Request) -> HTMLResponse:
    user = require_user(request)
    agency = request.query_params.get("agency", "").strip()
    platform = platform_of(request)
    view = await run_in_threadpool(
        own_log_checks, user, agency, audit_log=platform.audit, store=platform.store
    )
    ceilings = await run_in_threadpool(
        lambda: near_ceilings(user, agency, source=platform.read_quota, now=datetime.now(UTC))
    )
    return render(
        request, "audit_oversight.html", user=user, view=view, ceilings=ceilings,
        agencies=sorted(platform.store.agencies(), key=lambda a: a.id),
    )  # fmt: skip
