"""The one mapping from an HTTP error answer to the SDK exception the client raises.

Rules, in order (``exc`` is the class the called method documents):

* 401 → :class:`UnauthorizedException`.
* 403 → :class:`ForbiddenException` when the method has no class of its own, else ``exc``.
* 404 with ``JOB_NOT_FOUND`` → :class:`JobNotFoundException`; other 404s →
  :class:`NotFoundException` when the method has no class of its own, else ``exc``.
* anything else → ``exc`` with the server's ``errorCode`` / ``errorMessage``.

A body without the standard ``{"errorCode", "errorMessage"}`` keys (a proxy's HTML page, an empty
answer) still yields ``exc``, with code ``HTTP_<status>`` and the start of the text as message.
"""

from __future__ import annotations

import json

from mlcube_nb.enums import ErrorCode
from mlcube_nb.exceptions import (
    ForbiddenException,
    JobNotFoundException,
    NotFoundException,
    SDKClientException,
    UnauthorizedException,
)

__all__ = ["MAX_TEXT", "error_from_response"]

MAX_TEXT = 500  # characters of a non-standard error body kept in the message


def _standard_body(text: str) -> tuple[str, str] | None:
    """``(errorCode, errorMessage)`` when the body is the standard error JSON, else ``None``."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    code, message = body.get("errorCode"), body.get("errorMessage")
    if not isinstance(code, str) or not isinstance(message, str):
        return None
    return code, message


def _fallback(status: int, text: str) -> tuple[str, str]:
    """Code and message for an answer that is not the standard error JSON."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + "…"
    return f"HTTP_{status}", text or f"The platform answered with HTTP status {status}"


def error_from_response(status: int, text: str, exc: type[SDKClientException]) -> SDKClientException:
    """Build the exception for a non-2xx answer with body ``text`` to a method documenting ``exc``."""
    standard = _standard_body(text)
    code, message = standard if standard is not None else _fallback(status, text)
    generic = exc is SDKClientException
    if status == 401:
        return UnauthorizedException(code, message) if standard else UnauthorizedException()
    if status == 403 and generic:
        return ForbiddenException(code, message)
    if status == 404 and code == ErrorCode.JOB_NOT_FOUND:
        return JobNotFoundException(code, message)
    if status == 404 and generic:
        return NotFoundException(code, message)
    return exc(code, message)
