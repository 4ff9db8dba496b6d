"""Witness cosignatures over HTTP, all public (no token; they reveal no entry): a witness submits
its cosignature of one of our checkpoints (the signature is the authentication), and anyone
fetches checkpoints with every cosignature attached (C2SP tlog-cosignature lines)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from plateledger.api.auth import PlatformDep
from plateledger.errors import NotFoundError, PlateledgerError

router = APIRouter(prefix="/audit", tags=["audit"])

MAX_SUBMISSION_BYTES = 4096


class BodyTooLarge(PlateledgerError):
    code = "too_large"
    status = 413


def _small_body(content_length: Annotated[int | None, Header()] = None) -> None:
    """Refuse a submission larger than a cosignature needs, before reading it."""
    if content_length is not None and content_length > MAX_SUBMISSION_BYTES:
        raise BodyTooLarge(f"a cosignature submission is at most {MAX_SUBMISSION_BYTES} bytes")


class CosignatureIn(BaseModel):
    """One cosignature line by a witness over our checkpoint of ``size``."""

    model_config = ConfigDict(extra="forbid")

    size: int = Field(ge=0, title="Tree size", description="Size of the checkpoint cosigned.")
    witness: str = Field(
        min_length=3, max_length=256, title="Witness",
        description="The witness key as `<name>+<hex key id>` (must match the line).",
    )  # fmt: skip
    cosignature: str = Field(
        min_length=10, max_length=600, title="Cosignature line",
        description="`— <name> <base64(key id || timestamp || signature)>` (tlog-cosignature).",
    )  # fmt: skip


@router.post(
    "/cosignatures",
    summary="Submit a witness cosignature of one of our checkpoints (public)",
    dependencies=[Depends(_small_body)],
)
def submit_cosignature(
    body: CosignatureIn, platform: PlatformDep, response: Response
) -> dict[str, Any]:
    """Accepted only from a configured witness key, over a checkpoint this server issued (400
    malformed or not ours, 403 not a configured witness). Resubmitting is harmless (200)."""
    record, new = platform.cosignatures.add(body.size, body.witness, body.cosignature)
    response.status_code = 201 if new else 200
    return {"size": record.size, "root": record.root, "witness": record.witness,
            "timestamp": record.timestamp, "new": new}  # fmt: skip


@router.get(
    "/checkpoint/cosigned",
    response_class=PlainTextResponse,
    summary="Latest witnessed checkpoint, with its cosignatures (public)",
)
def cosigned_checkpoint(platform: PlatformDep) -> str:
    found = platform.cosignatures.latest_cosigned()
    if found is None:
        raise NotFoundError("no checkpoint has been cosigned by a configured witness yet")
    return found[1]


@router.get(
    "/checkpoints/{size}",
    response_class=PlainTextResponse,
    summary="The checkpoint of a tree size, with its cosignatures (public)",
)
def checkpoint_of_size(platform: PlatformDep, size: Annotated[int, Path(ge=0, le=2**62)]) -> str:
    return platform.cosignatures.cosigned_note(size)
