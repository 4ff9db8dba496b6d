"""Evidence crops on disk: content-addressed JPEG/PNG files under ``<data>/crops``.

A crop is stored once per content as ``<data>/crops/<first 2 hex>/<sha256>.<jpg|png>`` (folders
0700, files 0600) and named by the reference ``sha256:<64 hex>``, which is what a read's
``crop_ref`` holds. Writes are atomic (a private temporary file in the same folder, fsync,
rename, fsync of the folder), so a crop is either whole or absent. Only JPEG (``FF D8`` ...
``FF D9``) and PNG (its 8-byte signature) up to :data:`MAX_CROP_BYTES` are accepted.

This module knows files only. Who may see a crop, and which crops reads still reference, is
decided above it (:mod:`plateledger.retention.crops`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Container, Iterator
from pathlib import Path

from plateledger.errors import ValidationError

CROPS_DIR = "crops"
MAX_CROP_BYTES = 256 * 1024
REF_PREFIX = "sha256:"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOI, JPEG_EOI = b"\xff\xd8", b"\xff\xd9"
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
_REF = re.compile(r"sha256:([0-9a-f]{64})")
_SHA = re.compile(r"[0-9a-f]{64}")


class CropError(ValidationError):
    """A crop that cannot be stored (``code`` says why; the message names the problem)."""

    code = "invalid_crop"


class CropNotImage(CropError):
    code = "crop_not_image"


class CropTooLarge(CropError):
    code = "crop_too_large"


class CropEmpty(CropError):
    code = "crop_empty"


def image_kind(data: bytes) -> str:
    """``"jpg"`` or ``"png"`` for an acceptable crop; raises a :class:`CropError` otherwise."""
    if not data:
        raise CropEmpty("the crop is empty")
    if len(data) > MAX_CROP_BYTES:
        raise CropTooLarge(
            f"the crop is {len(data)} bytes; at most {MAX_CROP_BYTES} (256 KiB)",
            {"bytes": len(data), "max_bytes": MAX_CROP_BYTES},
        )
    if data.startswith(PNG_SIGNATURE):
        return "png"
    # JPEG: start of image, end of image (trailing padding some encoders add is allowed).
    if data.startswith(JPEG_SOI) and len(data) >= 4 and data.rstrip(b"\x00").endswith(JPEG_EOI):
        return "jpg"
    raise CropNotImage("the crop is not a JPEG (FF D8 ... FF D9) or PNG image")


def ref_of(data: bytes) -> str:
    """The reference of ``data``: ``sha256:<64 hex>``."""
    return REF_PREFIX + hashlib.sha256(data).hexdigest()


def sha_of_ref(ref: str) -> str | None:
    """The 64-hex digest of a stored-crop reference, or ``None`` for any other ``crop_ref``."""
    match = _REF.fullmatch(ref)
    return match.group(1) if match else None


def is_sha(text: str) -> bool:
    return _SHA.fullmatch(text) is not None


def root(data_dir: Path) -> Path:
    return Path(data_dir) / CROPS_DIR


def _path(data_dir: Path, sha: str, kind: str) -> Path:
    return root(data_dir) / sha[:2] / f"{sha}.{kind}"


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def put_crop(data_dir: Path, data: bytes) -> str:
    """Store ``data`` (validated first) and return its reference; storing it again is a no-op
    that only refreshes the file's time (so a sweep's grace period covers the new read)."""
    kind = image_kind(data)
    ref = ref_of(data)
    target = _path(data_dir, ref.removeprefix(REF_PREFIX), kind)
    if target.exists():
        os.utime(target)
        return ref
    _private_dir(root(data_dir))
    _private_dir(target.parent)
    tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return ref


def find_crop(data_dir: Path, sha: str) -> tuple[Path, str] | None:
    """``(path, media type)`` of the stored crop with digest ``sha``, or ``None``."""
    if not is_sha(sha):
        return None
    for kind, media in MEDIA_TYPES.items():
        path = _path(data_dir, sha, kind)
        if path.is_file():
            return path, media
    return None


def read_crop(data_dir: Path, ref: str) -> tuple[bytes, str] | None:
    """``(bytes, media type)`` of the crop a ``crop_ref`` names, or ``None`` if not stored."""
    sha = sha_of_ref(ref)
    found = find_crop(data_dir, sha) if sha else None
    if found is None:
        return None
    return found[0].read_bytes(), found[1]


def iter_crops(data_dir: Path) -> Iterator[tuple[str, Path]]:
    """``(reference, path)`` of every stored crop (temporary files are not crops)."""
    base = root(data_dir)
    if not base.is_dir():
        return
    for folder in sorted(base.iterdir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            sha, _, kind = path.name.partition(".")
            if kind in MEDIA_TYPES and is_sha(sha):
                yield REF_PREFIX + sha, path


def sweep(
    data_dir: Path, referenced: Container[str], *, grace_s: float = 600.0, now: float | None = None
) -> int:
    """Delete crops not in ``referenced`` whose file is older than ``grace_s`` seconds (a crop
    is written just before its read is stored: the grace keeps it while the read lands).
    Returns how many were deleted."""
    now = time.time() if now is None else now
    deleted = 0
    for ref, path in iter_crops(data_dir):
        if ref in referenced:
            continue
        try:
            if path.stat().st_mtime > now - grace_s:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        deleted += 1
    return deleted


def copy_crops(data_dir: Path, target: Path) -> int:
    """Copy every stored crop into ``target/<2 hex>/`` (for a backup); how many were copied."""
    copied = 0
    for _, path in iter_crops(data_dir):
        dest = target / path.parent.name / path.name
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            shutil.copyfile(path, dest)
        except FileNotFoundError:  # swept meanwhile: no read names it any more
            continue
        os.chmod(dest, 0o600)
        copied += 1
    return copied
