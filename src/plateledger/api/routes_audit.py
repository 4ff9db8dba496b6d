"""The audit log over HTTP: public key and checkpoint (public), entries and proofs (by role),
and the per-agency views (network audit, organisation audit) as JSONL or Flock CSV."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, StreamingResponse

from plateledger.api.auth import CurrentUser, PlatformDep
from plateledger.app.platform import Platform
from plateledger.audit.flock_export import MEDIA_TYPES, export_lines, registry_context
from plateledger.audit.log import proof_hex
from plateledger.audit.merkle import leaf_hash
from plateledger.audit.views import network_audit, organization_audit
from plateledger.domain.types import AgencyId, User
from plateledger.errors import ForbiddenError, NotFoundError
from plateledger.oversight import browse as audit_browse

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/public-key", response_class=PlainTextResponse, summary="Log public key (public)")
def public_key(platform: PlatformDep) -> str:
    return platform.audit.public_key() + "\n"


@router.get(
    "/checkpoint", response_class=PlainTextResponse, summary="Latest signed checkpoint (public)"
)
def checkpoint(platform: PlatformDep) -> str:
    return platform.audit.checkpoint()


def _visible(platform: Platform, user: User, entry: dict[str, Any]) -> bool:
    return audit_browse.visibility(user, store=platform.store)(entry)


@router.get("/entries/{index}", summary="One audit entry (auditors; own agency's entries)")
def entry(index: int, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    data = platform.audit.entry(index)
    parsed = orjson.loads(data)
    if not _visible(platform, user, parsed):
        raise ForbiddenError("this entry is about another agency")
    return {"index": index, "leaf_hash": leaf_hash(data).hex(), "entry": parsed,
            "canonical": data.decode()}  # fmt: skip


@router.get("/entries/{index}/proof", summary="Inclusion proof of an entry")
def proof(
    index: int,
    user: CurrentUser,
    platform: PlatformDep,
    tree_size: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    parsed = orjson.loads(platform.audit.entry(index))
    if not _visible(platform, user, parsed):
        raise ForbiddenError("this entry is about another agency")
    hashes = platform.audit.inclusion(index, tree_size)
    return {"index": index, "tree_size": tree_size, "hashes": proof_hex(hashes)}


@router.get("/consistency", summary="Consistency proof between two tree sizes (public)")
def consistency(
    platform: PlatformDep,
    first: Annotated[int, Query(ge=0)],
    second: Annotated[int, Query(ge=0)],
) -> dict[str, Any]:
    hashes = platform.audit.consistency(first, second)
    return {"first": first, "second": second, "hashes": proof_hex(hashes),
            "first_root": platform.audit.root(first).hex(),
            "second_root": platform.audit.root(second).hex()}  # fmt: skip


Profile = Literal["internal", "records-request", "public"]
ProfileQ = Annotated[Profile, Query(description="Redaction profile applied to the export.")]
SinceQ = Annotated[datetime | None, Query(description="Entries at or after (UTC if naive).")]
UntilQ = Annotated[datetime | None, Query(description="Entries before (UTC if naive).")]


@router.get(
    "/networks/{network_id}",
    response_class=StreamingResponse,
    summary="Network audit: every search that touched or tried to touch a network",
)
def network_view(
    network_id: str,
    user: CurrentUser,
    platform: PlatformDep,
    fmt: Annotated[Literal["jsonl", "flock-network"], Query(alias="format")] = "jsonl",
    profile: ProfileQ = "internal",
    since: SinceQ = None,
    until: UntilQ = None,
) -> StreamingResponse:
    """Users of the owning agency and auditors; denied and held attempts included."""
    network = next((n for n in platform.store.networks() if n.id == network_id), None)
    if network is None:
        raise NotFoundError(f"no network {network_id}")
    _check_agency(user, network.agency_id)
    _log_export(platform, user, "network_audit", network_id, fmt, profile, [network_id])
    rows = network_audit(platform.audit, [network_id], since=since, until=until)
    return _stream(platform, rows, fmt, profile, f"{network_id}-network-audit")


@router.get(
    "/organizations/{agency_id}",
    response_class=StreamingResponse,
    summary="Organisation audit: every search by an agency's users",
)
def organization_view(
    agency_id: str,
    user: CurrentUser,
    platform: PlatformDep,
    fmt: Annotated[Literal["jsonl", "flock-org"], Query(alias="format")] = "jsonl",
    profile: ProfileQ = "internal",
    since: SinceQ = None,
    until: UntilQ = None,
) -> StreamingResponse:
    """Users of that agency and auditors."""
    if platform.store.agency(AgencyId(agency_id)) is None:
        raise NotFoundError(f"no agency {agency_id}")
    _check_agency(user, agency_id)
    _log_export(platform, user, "organization_audit", agency_id, fmt, profile, [])
    rows = organization_audit(platform.audit, agency_id, since=since, until=until, on_behalf=True)
    return _stream(platform, rows, fmt, profile, f"{agency_id}-organization-audit")


def _log_export(
    platform: Platform, user: User, what: str, of: str, fmt: str, profile: str,
    networks: list[str],
) -> None:  # fmt: skip
    """Exports are audited first: if the entry cannot be written, nothing is exported."""
    platform.log_event(
        "export", user, {"what": what, "of": of, "format": fmt, "profile": profile}, networks
    )


def _check_agency(user: User, agency_id: str) -> None:
    if user.role != "auditor" and user.agency_id != agency_id:
        raise ForbiddenError("only that agency's users and auditors may read this audit")


def _stream(
    platform: Platform,
    rows: Iterable[tuple[int, dict[str, Any]]],
    fmt: str,
    profile: str,
    name: str,
) -> StreamingResponse:
    names, devices = registry_context(platform.store.agencies(), platform.store.cameras())
    lines: Iterator[bytes] = export_lines(
        rows, fmt, profile=profile, agency_names=names, devices=devices
    )
    suffix = "jsonl" if fmt == "jsonl" else "csv"
    return StreamingResponse(
        lines,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}-{profile}.{suffix}"'},
    )
