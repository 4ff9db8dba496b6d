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
from plateledger.audit.seal import seal_proof
from plateledger.audit.views import network_audit, organization_audit
from plateledger.domain.types import AgencyId, User
from plateledger.errors import ForbiddenError, NotFoundError
from plateledger.oversight import browse as audit_browse
from plateledger.oversight.network_view import narrowed

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/public-key", response_class=PlainTextResponse, summary="Log public key (public)")
def public_key(platform: PlatformDep) -> str:
    return platform.audit.public_key() + "\n"


@router.get("/keys", summary="Key history: every key rotation note (public)")
def keys(platform: PlatformDep) -> dict[str, Any]:
    """Each rotation is signed by the old and the new key (see ``audit.keys``): a verifier who
    pinned any one key of the chain accepts the others, each for its own tree sizes."""
    return {"current": platform.audit.public_key(), "rotations": list(platform.audit.rotations)}


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
    seal = seal_proof(platform.audit.sealed(index))  # what recomputing the leaf needs
    return {"index": index, "leaf_hash": platform.audit.leaf(index).hex(), "entry": parsed,
            "canonical": data.decode(), "seal": seal}  # fmt: skip


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
    """The owning agency's admins and auditors (permission ``audit.views``); denied and held
    attempts included. Every entry is narrowed to this network: who searched, why, and this
    network's decision, never another network's id or decision."""
    network = next((n for n in platform.store.networks() if n.id == network_id), None)
    if network is None:
        raise NotFoundError(f"no network {network_id}")
    _check_agency(user, network.agency_id)
    _log_export(platform, user, "network_audit", network_id, fmt, profile, [network_id])
    rows = network_audit(platform.audit, [network_id], since=since, until=until)
    cameras = [c.id for c in platform.store.cameras() if c.network_id == network_id]
    return _stream(
        platform, narrowed(rows, [network_id], cameras), fmt, profile,
        f"{network_id}-network-audit",
    )  # fmt: skip


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
    """That agency's admins and auditors (permission ``audit.views``)."""
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
    """The route permission (``audit.views``) admits admins and auditors; an admin reads only
    its own agency's views, an auditor (cross-agency oversight) every agency's."""
    if user.role == "auditor":
        return
    if user.role != "admin" or user.agency_id != agency_id:
        raise ForbiddenError("only that agency's admins and auditors may read this audit")


@router.get(
    "/mine",
    response_class=StreamingResponse,
    summary="One's own audit entries: every search and change the caller made",
)
def own_view(
    user: CurrentUser,
    platform: PlatformDep,
    fmt: Annotated[Literal["jsonl", "flock-org"], Query(alias="format")] = "jsonl",
    profile: ProfileQ = "internal",
    since: SinceQ = None,
    until: UntilQ = None,
) -> StreamingResponse:
    """Every signed-in user; only entries written for the caller (``user_id``)."""
    _log_export(platform, user, "own_audit", user.id, fmt, profile, [])
    rows = organization_audit(platform.audit, user.agency_id, since=since, until=until)
    mine = ((i, e) for i, e in rows if e.get("user_id") == user.id)
    return _stream(platform, mine, fmt, profile, "my-audit")


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
