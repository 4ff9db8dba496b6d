"""Errors rendered in one place: ``{"error": {"code", "message", "details"}}`` with its status."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from plateledger.errors import PlateledgerError

log = logging.getLogger(__name__)


def error_body(code: str, message: str, details: object = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "details": details}}


def field_problems(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as ``{"field": "query.near.lat", "message": ...}``: the field names the
    API (and the UI, which checks its forms with the same models) reports."""
    return [
        {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
        for e in errors
    ]


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "machine-readable error code"},
                "message": {"type": "string", "description": "names the field, row or file"},
                "details": {"description": "JSON context: fields, rows, limits"},
            },
        }
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI schema say what the API sends on failure: our error body for
    validation errors (not FastAPI's ``{"detail": ...}``) and as every operation's default
    response (401, 403, 404, 409, 413, 429, 202 held, ...)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                for media in response.get("content", {}).values():
                    if media.get("schema", {}).get("$ref") == _FASTAPI_422:
                        media["schema"] = _ERROR_REF
            responses.setdefault(
                "default",
                {"description": "error", "content": {"application/json": {"schema": _ERROR_REF}}},
            )
    return schema


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(PlateledgerError)
    async def _domain(_: Request, exc: PlateledgerError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = field_problems(exc.errors())
        fields = ", ".join(p["field"] for p in problems)
        return JSONResponse(error_body("invalid", f"invalid request: {fields}", problems), 422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s: %s", request.method, request.url.path, type(exc))
        log.debug("unhandled error detail", exc_info=exc)
        return JSONResponse(error_body("internal", "internal error"), 500)
