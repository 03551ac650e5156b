"""The outcome of one delivery attempt, and the error senders raise to describe a failed one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryResult:
    """What one attempt achieved; ``retryable`` says whether trying again later may succeed."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float
    retryable: bool


class DeliveryError(Exception):
    """A receiver or configuration problem, raised by a sender and turned into a failed ``DeliveryResult``.

    The message is shown to users (delivery history), so it must never contain a secret.
    """

    def __init__(self, message: str, *, retryable: bool, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status_code = status_code


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """*text* with every secret in *secrets* (longest first, blanks ignored) replaced by ``***``."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
