"""The one mapping from our client's exceptions to Arthur's two error kinds."""

from __future__ import annotations

from mlcube_nb.arthur.exceptions import ArthurException, ArthurInternalError, ArthurUserError
from mlcube_nb.exceptions import SDKClientException, SDKConnectionException, SDKTimeoutException

INTERNAL_CODES = frozenset({"INTERNAL_ERROR", "INVALID_RESPONSE"})
"""Codes that mean the platform, not the caller, went wrong (besides any ``HTTP_5xx``)."""


def translate(exc: SDKClientException) -> ArthurException:
    """ArthurInternalError for server faults, timeouts and unreadable answers; ArthurUserError otherwise."""
    internal = (isinstance(exc, SDKTimeoutException) or exc.error_code in INTERNAL_CODES
                or exc.error_code.startswith("HTTP_5"))
    if internal:
        return ArthurInternalError(exc.error_message, exc.error_code)
    if isinstance(exc, SDKConnectionException):
        return ArthurUserError(f"{exc.error_message}: check the url and that the platform is running",
                               exc.error_code)
    return ArthurUserError(exc.error_message, exc.error_code)
