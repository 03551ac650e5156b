"""Domain errors raised by services and the one translation of them into HTTP responses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mlcube_nb.enums import ErrorCode
from mlcube_nb.server.redact import redact_path

log = logging.getLogger("mlcube_nb.server")


class DomainError(Exception):
    """An error a user can cause: carries its wire error code, a helpful message and an HTTP status."""

    status_code = 400

    def __init__(self, error_code: ErrorCode | str, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.error_code = str(error_code)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class BadRequest(DomainError):
    """The request is well-formed but breaks a rule (400)."""

    status_code = 400


class Unauthorized(DomainError):
    """No valid credentials (401)."""

    status_code = 401


class Forbidden(DomainError):
    """The caller's role does not allow this (403)."""

    status_code = 403


class NotFound(DomainError):
    """Unknown id, or an object of another company (404: we never reveal that it exists)."""

    status_code = 404


class Conflict(DomainError):
    """The request clashes with existing state (409)."""

    status_code = 409


def error_body(code: str, message: str) -> dict[str, str]:
    """The standard wire error body of PLATFORM.md §1."""
    return {"errorCode": code, "errorMessage": message}


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid value')}")
    return "Invalid parameters: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the wire body; a 5xx is logged as a bug."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(error_body(exc.error_code, exc.message), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(ErrorCode.INVALID_REQUEST, _describe_validation(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.INVALID_REQUEST
        message = "No such endpoint: check the URL" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse(error_body(code, message), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, redact_path(request.url.path))
        body = error_body(ErrorCode.INTERNAL_ERROR, "Internal server error; the server log has the details")
        return JSONResponse(body, status_code=500)
