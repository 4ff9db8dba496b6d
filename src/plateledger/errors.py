"""One error hierarchy for the whole project.

Every error carries a machine-readable ``code`` and an HTTP ``status``; the API renders them in one
place (``plateledger.api.errors``) and the CLI prints ``message`` without a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class PlateledgerError(Exception):
    """Base class. ``details`` is JSON-serialisable context (field names, row numbers)."""

    code = "error"
    status = 500

    def __init__(self, message: str, details: Mapping[str, Any] | Sequence[Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(PlateledgerError):
    """Bad input: names the field (and row) at fault."""

    code = "invalid"
    status = 422


class NotFoundError(PlateledgerError):
    code = "not_found"
    status = 404


class AuthenticationError(PlateledgerError):
    code = "unauthenticated"
    status = 401


class ForbiddenError(PlateledgerError):
    code = "forbidden"
    status = 403


class ConflictError(PlateledgerError):
    code = "conflict"
    status = 409


class StoreError(PlateledgerError):
    """The store cannot do what was asked (locked data directory, corrupt file...)."""

    code = "store_error"
    status = 503


class DataDirInUseError(StoreError):
    code = "data_dir_in_use"
