"""Read ingest: POST /api/v1/reads (JSON array or NDJSON, ≤ 10,000 reads)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from plateledger.api.auth import Admin, PlatformDep
from plateledger.app.platform import IngestReport, Platform
from plateledger.domain.types import User
from plateledger.ingest import parse_body, parse_records

router = APIRouter(tags=["reads"])


def _ingest(platform: Platform, user: User, body: bytes, content_type: str | None) -> IngestReport:
    """Parse, validate and store (off the event loop: this is CPU and disk work)."""
    records = parse_body(body, content_type)
    result = parse_records(records, platform.cameras_of_agency(user.agency_id))
    return platform.store_parsed(result)


MAX_BODY_BYTES = 16 * 1024 * 1024


@router.post(
    "/reads",
    summary="Ingest reads",
    description=(
        "Body: a JSON array of read objects or NDJSON (one object per line), at most 10,000 "
        "reads. Each read needs `camera_id`, `ts` (ISO 8601 with offset) and `plate`. Valid "
        "reads are stored durably before the response; invalid ones are listed by row and field. "
        "Only cameras of the caller's own agency are accepted."
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
