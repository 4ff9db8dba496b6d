"""Read ingest: POST /api/v1/reads (JSON array or NDJSON, ≤ 10,000 reads), and the evidence
crops sent with reads: GET /api/v1/crops/{sha} (rule and audit in ``app.crops``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.api.auth import Admin, Investigator, PlatformDep
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.ingest import parse_body
from plateledger.ingest.intake import IngestReport

router = APIRouter(tags=["reads"])


def _ingest(platform: Platform, user: User, body: bytes, content_type: str | None) -> IngestReport:
    """Parse, validate and store (off the event loop: this is CPU and disk work)."""
    records = parse_body(body, content_type)
    registry = platform.registry
    senders = registry.cameras_of_agency(user.agency_id) & registry.known_cameras()  # not retired
    result = platform.intake.parse(records, senders, accept_crops=True)
    platform.crops.store_crops(result)  # on disk before the reads that name them
    return platform.intake.store_parsed(result, source="api", by=user)


MAX_BODY_BYTES = 16 * 1024 * 1024


@router.post(
    "/reads",
    summary="Ingest reads",
    description=(
        "Body: a JSON array of read objects or NDJSON (one object per line), at most 10,000 "
        "reads. Each read needs `camera_id`, `ts` (ISO 8601 with offset) and `plate`; an "
        "optional `crop_b64` carries the evidence crop (base64 JPEG/PNG, at most 256 KiB). Valid "
        "reads are stored durably before the response; invalid ones are listed by row and field. "
        "Only active (not retired) cameras of the caller's own agency are accepted."
    ),
    responses={
        200: {"description": "counts and per-row errors"},
        422: {"description": "none valid"},
    },
)
async def post_reads(request: Request, user: Admin, platform: PlatformDep) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return JSONResponse({"error": {"code": "too_large", "message": "body over 16 MiB"}}, 413)
    content_type = request.headers.get("content-type")
    report = await run_in_threadpool(_ingest, platform, user, body, content_type)
    payload: dict[str, Any] = {
        "received": report.received,
        "stored": report.stored,
        "rejected": report.rejected,
        "first_read_id": report.first_id,
        "last_read_id": report.last_id,
        "errors": [e.to_dict() for e in report.errors],
    }
    status = 422 if report.received and not report.stored else 200
    return JSONResponse(payload, status)


@router.get(
    "/crops/{sha}",
    summary="An evidence crop",
    description=(
        "The JPEG or PNG stored for `crop_ref` `sha256:<sha>`. Served only when a read that "
        "references it belongs to a network of the caller's agency and is within the agency's "
        "retention window; otherwise 404, the same as for an unknown crop. Every request is "
        "audited (`crop_view`)."
    ),
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, 404: {"description": "none"}},
)
async def get_crop(sha: str, user: Investigator, platform: PlatformDep) -> Response:
    data, media = await run_in_threadpool(platform.crops.crop_for, user, sha.lower())
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media, headers=headers)
