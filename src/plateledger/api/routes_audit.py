"""The audit log over HTTP: public key and checkpoint (public), entries and proofs (by role)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from plateledger.api.auth import CurrentUser, PlatformDep
from plateledger.app.platform import Platform
from plateledger.audit.log import proof_hex
from plateledger.audit.merkle import leaf_hash
from plateledger.domain.types import User
from plateledger.errors import ForbiddenError

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
    """Auditors see every entry; an agency sees entries by its users or about its networks."""
    if user.role == "auditor":
        return True
    owned = {n.id for n in platform.store.networks() if n.agency_id == user.agency_id}
    return entry.get("agency_id") == user.agency_id or bool(owned & set(entry["networks"]))


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


@router.get("/consistency", summary="Consistency proof between two tree sizes")
def consistency(
    user: CurrentUser,
    platform: PlatformDep,
    first: Annotated[int, Query(ge=0)],
    second: Annotated[int, Query(ge=0)],
) -> dict[str, Any]:
    hashes = platform.audit.consistency(first, second)
    return {"first": first, "second": second, "hashes": proof_hex(hashes),
            "first_root": platform.audit.root(first).hex(),
            "second_root": platform.audit.root(second).hex()}  # fmt: skip
