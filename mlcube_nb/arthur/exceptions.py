"""Arthur's two failure kinds: the caller can fix it (user error) or the platform failed (internal error).

Tree::

    ArthurException                 error_code (our platform's code, when it sent one) and the message
    ├── ArthurUserError             bad arguments, credentials, permissions, unknown ids, offline mode
    └── ArthurInternalError         server errors (5xx), unreadable answers, timeouts
"""

from __future__ import annotations

__all__ = ["ArthurException", "ArthurInternalError", "ArthurUserError"]


class ArthurException(Exception):
    """Root of the Arthur facade's errors; ``error_code`` is the platform's code, if any."""

    def __init__(self, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code

    def __reduce__(self) -> tuple[type[ArthurException], tuple[str, str | None]]:
        return type(self), (self.message, self.error_code)


class ArthurUserError(ArthurException):
    """Failed because of the caller's input, credentials, permissions or configuration."""


class ArthurInternalError(ArthurException):
    """Failed because of the platform (a server error or an answer the client cannot read)."""
